import { Table, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner, TableColumnOptions } from "typeorm";

// Portable column helpers, as in the other migrations (entities: server/persistence/session-entities.ts).
const str = (name: string, length: number, nullable = false, primary = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable: nullable,
  isPrimary: primary,
});

/** Participants' sign-in (EIP-4361): single-use nonces and persisted sessions. */
export class Sessions1764140000000 implements MigrationInterface {
  name = "Sessions1764140000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "auth_nonces",
        columns: [
          str("nonce", 64, false, true),
          str("created_at", 32),
          str("expires_at", 32),
          str("used_at", 32, true),
        ],
        indices: [new TableIndex({ name: "idx_auth_nonces_expires", columnNames: ["expires_at"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "participant_sessions",
        columns: [
          str("id", 36, false, true),
          str("token_hash", 64),
          str("csrf_hash", 64),
          str("address", 42),
          { name: "chain_id", type: "integer", isNullable: false },
          str("nonce", 64),
          str("created_at", 32),
          str("expires_at", 32),
          str("ended_at", 32, true),
          str("ended_by", 64, true),
        ],
        indices: [
          new TableIndex({ name: "idx_participant_sessions_token", columnNames: ["token_hash"], isUnique: true }),
          new TableIndex({ name: "idx_participant_sessions_address", columnNames: ["address"] }),
        ],
      }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropTable("participant_sessions");
    await q.dropTable("auth_nonces");
  }
}
