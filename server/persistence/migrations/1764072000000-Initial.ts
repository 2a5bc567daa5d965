import { Table, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner, TableColumnOptions } from "typeorm";

// Portable column helpers: the same migration runs on SQLite and PostgreSQL.
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
const id = str("id", 36, false, true);
const created = str("created_at", 32);
const updated = str("updated_at", 32);

export class Initial1764072000000 implements MigrationInterface {
  name = "Initial1764072000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "api_clients",
        columns: [id, str("name", 100), str("role", 16), str("key_hash", 64), created, str("revoked_at", 32, true)],
        indices: [new TableIndex({ name: "idx_api_clients_key_hash", columnNames: ["key_hash"], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: "participants",
        columns: [
          str("address", 42, false, true),
          str("kind", 32),
          text("identity"),
          str("identity_hash", 66),
          str("status", 16),
          str("operation_id", 36, true),
          created,
          updated,
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "disclosures",
        columns: [
          id,
          int("version", true),
          str("document_hash", 66),
          text("uri"),
          text("text", true),
          str("status", 16),
          str("operation_id", 36, true),
          created,
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "acknowledgements",
        columns: [
          id,
          str("account", 42),
          int("version"),
          str("document_hash", 66),
          str("deadline", 78),
          text("signature"),
          str("status", 16),
          str("operation_id", 36, true),
          created,
        ],
        indices: [new TableIndex({ name: "idx_ack_account", columnNames: ["account"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "issuance_requests",
        columns: [
          id,
          str("status", 16),
          str("owner", 42),
          str("asset_type", 66),
          text("request"),
          text("owner_signature"),
          text("attestation", true),
          str("operation_id", 36, true),
          str("asset_id", 78, true),
          str("refusal_code", 64, true),
          text("refusal_detail", true),
          created,
          updated,
        ],
        indices: [new TableIndex({ name: "idx_issuance_owner", columnNames: ["owner"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "operations",
        columns: [
          id,
          str("kind", 32),
          str("status", 16),
          str("signer", 16),
          text("payload"),
          text("result", true),
          str("error_code", 64, true),
          text("error_detail", true),
          str("tx_id", 36, true),
          int("batch_index", true),
          str("from_address", 42, true),
          str("asset_id", 78, true),
          str("nonce", 78, true),
          str("amount", 78, true),
          str("dedupe_key", 200, true),
          str("client_id", 36, true),
          created,
          updated,
        ],
        indices: [
          new TableIndex({ name: "idx_operations_status", columnNames: ["signer", "status", "created_at"] }),
          new TableIndex({ name: "idx_operations_holder", columnNames: ["from_address", "asset_id", "status"] }),
          new TableIndex({ name: "idx_operations_tx", columnNames: ["tx_id"] }),
          new TableIndex({ name: "idx_operations_dedupe", columnNames: ["dedupe_key"], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "chain_transactions",
        columns: [
          id,
          str("signer", 16),
          str("signer_address", 42),
          int("nonce"),
          str("hash", 66),
          text("raw"),
          str("status", 16),
          int("block_number", true),
          created,
          updated,
        ],
        indices: [
          new TableIndex({ name: "idx_chain_tx_nonce", columnNames: ["signer_address", "nonce"], isUnique: true }),
          new TableIndex({ name: "idx_chain_tx_hash", columnNames: ["hash"], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "audit_log",
        columns: [
          id,
          str("at", 32),
          str("client_id", 36, true),
          str("role", 16, true),
          str("action", 64),
          str("target", 200, true),
          str("request_id", 64, true),
          text("detail", true),
        ],
        indices: [new TableIndex({ name: "idx_audit_at", columnNames: ["at"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "idempotency_keys",
        columns: [
          str("id", 64, false, true),
          str("client_id", 36),
          str("request_hash", 64),
          str("state", 16),
          int("response_status", true),
          text("response_body", true),
          created,
        ],
      }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const t of [
      "idempotency_keys",
      "audit_log",
      "chain_transactions",
      "operations",
      "issuance_requests",
      "acknowledgements",
      "disclosures",
      "participants",
      "api_clients",
    ]) {
      await q.dropTable(t);
    }
  }
}
