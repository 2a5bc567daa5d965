import { Table, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner, TableColumnOptions } from "typeorm";

// Portable column helpers: the same migration runs on SQLite and PostgreSQL (see server/supervision/entities.ts).
const str = (name: string, length: number, nullable = false, primary = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable: nullable,
  isPrimary: primary,
});
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: "text", isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: "integer", isNullable: nullable });
const id = str("id", 36, false, true);

/** Supervision: webhook subscriptions and deliveries, monitoring rules and reports, decision checks, alerts. */
export class Supervision1764110000000 implements MigrationInterface {
  name = "Supervision1764110000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "subscriptions",
        columns: [
          id,
          str("client_id", 36),
          str("issuer", 42, true),
          text("url"),
          str("description", 200, true),
          str("secret", 100),
          text("event_types"),
          text("asset_ids", true),
          text("accounts", true),
          str("status", 16),
          int("cursor_seq"),
          int("last_sequence"),
          str("lease_owner", 36, true),
          str("lease_until", 32, true),
          str("created_at", 32),
          str("updated_at", 32),
        ],
        indices: [new TableIndex({ name: "idx_subscriptions_client", columnNames: ["client_id"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "subscription_deliveries",
        columns: [
          id,
          str("subscription_id", 36),
          int("sequence"),
          int("event_seq"),
          str("event_type", 40),
          str("status", 16),
          int("attempts"),
          int("generation"),
          str("next_attempt_at", 32),
          int("last_status_code", true),
          text("last_error", true),
          str("last_attempt_at", 32, true),
          str("delivered_at", 32, true),
          str("created_at", 32),
        ],
        indices: [
          new TableIndex({ name: "idx_deliveries_seq", columnNames: ["subscription_id", "sequence"], isUnique: true }),
          new TableIndex({
            name: "idx_deliveries_event",
            columnNames: ["subscription_id", "event_seq"],
            isUnique: true,
          }),
          new TableIndex({ name: "idx_deliveries_status", columnNames: ["subscription_id", "status", "sequence"] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "monitoring_rules",
        columns: [
          id,
          str("name", 100),
          str("kind", 32),
          str("asset_id", 78, true),
          str("threshold_units", 78, true),
          str("threshold_value", 90, true),
          int("window_seconds", true),
          int("min_count", true),
          int("enabled"),
          str("created_by", 36, true),
          str("created_at", 32),
          str("updated_at", 32),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "asset_values",
        columns: [
          str("asset_id", 78, false, true),
          str("unit_value", 90),
          str("currency", 8),
          str("set_by", 36, true),
          str("updated_at", 32),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "monitoring_movements",
        columns: [
          id,
          int("event_seq"),
          str("asset_id", 78),
          str("account", 42),
          str("direction", 3),
          str("amount", 78),
          str("posted_at", 32),
        ],
        indices: [
          new TableIndex({ name: "idx_movements_account", columnNames: ["account", "posted_at"] }),
          new TableIndex({ name: "idx_movements_event", columnNames: ["event_seq", "account"], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "monitoring_reports",
        columns: [
          id,
          str("rule_id", 36),
          str("rule_kind", 32),
          str("status", 16),
          str("asset_id", 78, true),
          str("account", 42),
          int("event_seq"),
          text("detail"),
          str("acknowledged_by", 36, true),
          str("acknowledged_at", 32, true),
          str("closed_by", 36, true),
          str("closed_at", 32, true),
          text("note", true),
          str("created_at", 32),
        ],
        indices: [
          new TableIndex({
            name: "idx_reports_unique",
            columnNames: ["rule_id", "event_seq", "account"],
            isUnique: true,
          }),
          new TableIndex({ name: "idx_reports_status", columnNames: ["status", "created_at"] }),
          new TableIndex({ name: "idx_reports_account", columnNames: ["account"] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "decision_checks",
        columns: [
          id,
          str("asset_id", 78),
          text("uri"),
          str("expected_hash", 66),
          str("actual_hash", 66, true),
          str("outcome", 16),
          int("http_status", true),
          text("error", true),
          int("duration_ms"),
          str("checked_at", 32),
        ],
        indices: [new TableIndex({ name: "idx_decision_checks_asset", columnNames: ["asset_id", "checked_at"] })],
      }),
    );
    await q.createTable(
      new Table({
        name: "alerts",
        columns: [
          id,
          str("kind", 40),
          str("status", 16),
          str("asset_id", 78, true),
          str("account", 42, true),
          str("open_key", 120, true),
          text("detail"),
          int("occurrences"),
          str("raised_at", 32),
          str("last_seen_at", 32),
          str("resolved_at", 32, true),
          text("resolution", true),
        ],
        indices: [
          new TableIndex({ name: "idx_alerts_status", columnNames: ["status", "raised_at"] }),
          new TableIndex({ name: "idx_alerts_open_key", columnNames: ["open_key"], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "supervision_workers",
        columns: [
          str("name", 40, false, true),
          int("cursor_seq"),
          str("lease_owner", 36, true),
          str("lease_until", 32, true),
          str("updated_at", 32),
        ],
      }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const t of [
      "supervision_workers",
      "alerts",
      "decision_checks",
      "monitoring_reports",
      "monitoring_movements",
      "asset_values",
      "monitoring_rules",
      "subscription_deliveries",
      "subscriptions",
    ]) {
      await q.dropTable(t);
    }
  }
}
