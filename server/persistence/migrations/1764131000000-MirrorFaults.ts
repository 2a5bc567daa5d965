import { Table, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner, TableColumnOptions } from "typeorm";

// Portable column helpers, as in the Mirror migration (entity: MirrorFault in server/mirror/entities.ts).
const str = (name: string, length: number, nullable = false, primary = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable: nullable,
  isPrimary: primary,
});
const int = (name: string, primary = false): TableColumnOptions => ({
  name,
  type: "integer",
  isNullable: false,
  isPrimary: primary,
});

/** Ledger logs the mirror could not read as declared (ill-formed text, undecodable data): one row per log. */
export class MirrorFaults1764131000000 implements MigrationInterface {
  name = "MirrorFaults1764131000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "mirror_faults",
        columns: [
          str("tx_hash", 66, false, true),
          int("log_index", true),
          int("block_number"),
          str("block_hash", 66),
          str("event", 48, true),
          str("topic", 66, true),
          str("kind", 32),
          { name: "detail", type: "text", isNullable: false },
          str("created_at", 32),
        ],
        indices: [new TableIndex({ name: "idx_mirror_faults_block", columnNames: ["block_number", "log_index"] })],
      }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropTable("mirror_faults");
  }
}
