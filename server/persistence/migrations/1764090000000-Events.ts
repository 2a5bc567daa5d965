import { Table, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner } from "typeorm";

/** The platform event log that webhooks, monitoring and alerts consume (server/persistence/event-log.ts). */
export class Events1764090000000 implements MigrationInterface {
  name = "Events1764090000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "events",
        columns: [
          { name: "seq", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "type", type: "varchar", length: "40" },
          { name: "asset_id", type: "varchar", length: "78", isNullable: true },
          { name: "account", type: "varchar", length: "42", isNullable: true },
          { name: "counterparty", type: "varchar", length: "42", isNullable: true },
          { name: "payload", type: "text" },
          { name: "created_at", type: "varchar", length: "32" },
        ],
        indices: [
          new TableIndex({ name: "idx_events_type", columnNames: ["type", "seq"] }),
          // Subscription filters, the frozen-participant rule and the monitor's participant view look events up by party.
          new TableIndex({ name: "idx_events_account", columnNames: ["account", "seq"] }),
          new TableIndex({ name: "idx_events_counterparty", columnNames: ["counterparty", "seq"] }),
        ],
      }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropTable("events");
  }
}
