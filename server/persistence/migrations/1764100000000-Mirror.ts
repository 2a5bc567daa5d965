import { Table, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner, TableColumnOptions } from "typeorm";

// Portable column helpers: the same migration runs on SQLite and PostgreSQL (entities: server/mirror/entities.ts).
const str = (name: string, length: number, nullable = false, primary = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable: nullable,
  isPrimary: primary,
});
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: "text", isNullable: nullable });
const int = (name: string, nullable = false, primary = false): TableColumnOptions => ({
  name,
  type: "integer",
  isNullable: nullable,
  isPrimary: primary,
});
const chainKey = [
  str("tx_hash", 66, false, true),
  int("log_index", false, true),
  int("block_number"),
  str("block_hash", 66),
];
const idx = (name: string, columnNames: string[]) => new TableIndex({ name, columnNames });

/** The record mirror: cursor, block hashes, records, balances, assets and the register changes. */
export class Mirror1764100000000 implements MigrationInterface {
  name = "Mirror1764100000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "mirror_cursor",
        columns: [
          str("id", 16, false, true),
          int("block_number"),
          str("block_hash", 66),
          int("announced_block"),
          str("updated_at", 32),
        ],
      }),
    );
    await q.createTable(new Table({ name: "mirror_blocks", columns: [int("number", false, true), str("hash", 66)] }));
    await q.createTable(
      new Table({
        name: "mirror_records",
        columns: [
          ...chainKey,
          str("asset_id", 78),
          int("sequence"),
          str("from_address", 42),
          str("to_address", 42),
          str("amount", 78),
          str("ref", 66),
          { name: "posted_at", type: "bigint" },
          str("record_hash", 50),
          str("previous_hash", 50),
        ],
        indices: [
          idx("idx_mirror_records_asset", ["asset_id", "sequence"]),
          idx("idx_mirror_records_from", ["from_address", "block_number", "log_index"]),
          idx("idx_mirror_records_to", ["to_address", "block_number", "log_index"]),
          idx("idx_mirror_records_block", ["block_number", "log_index"]),
          idx("idx_mirror_records_posted", ["posted_at", "block_number", "log_index"]),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "mirror_balances",
        columns: [
          str("asset_id", 78, false, true),
          str("holder", 42, false, true),
          str("balance", 80),
          int("updated_block"),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "mirror_assets",
        columns: [
          str("asset_id", 78, false, true),
          str("status", 16),
          str("issuer", 42, true),
          str("asset_type", 66, true),
          str("units", 78, true),
          str("decision_hash", 66, true),
          text("decision_uri", true),
          str("rights_type", 66, true),
          text("rights_extent", true),
          str("issuer_details_hash", 66, true),
          text("issuer_details", true),
          str("supply", 80),
          int("record_count"),
          int("issued_block", true),
          int("updated_block"),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "mirror_changes",
        columns: [...chainKey, str("kind", 48), text("payload"), str("asset_id", 78, true)],
        indices: [
          idx("idx_mirror_changes_asset", ["asset_id", "block_number", "log_index"]),
          idx("idx_mirror_changes_block", ["block_number"]),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "mirror_permit_changes",
        columns: [...chainKey, str("kind", 48), text("payload"), str("operator", 42)],
        indices: [
          idx("idx_mirror_permit_operator", ["operator", "block_number", "log_index"]),
          idx("idx_mirror_permit_block", ["block_number"]),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "mirror_participant_changes",
        columns: [...chainKey, str("kind", 48), text("payload"), str("account", 42), str("asset_id", 78, true)],
        indices: [
          idx("idx_mirror_participant_account", ["account", "block_number", "log_index"]),
          idx("idx_mirror_participant_block", ["block_number"]),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "mirror_acknowledgements",
        columns: [...chainKey, str("account", 42), int("version"), str("relayed_by", 42)],
        indices: [idx("idx_mirror_ack_account", ["account", "version"]), idx("idx_mirror_ack_block", ["block_number"])],
      }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const t of [
      "mirror_acknowledgements",
      "mirror_participant_changes",
      "mirror_permit_changes",
      "mirror_changes",
      "mirror_assets",
      "mirror_balances",
      "mirror_records",
      "mirror_blocks",
      "mirror_cursor",
    ]) {
      await q.dropTable(t);
    }
  }
}
