import { TableColumn, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner } from "typeorm";

/** The recipient of a transfer operation, so pending incoming transfers count in the balance check. */
export class OperationRecipient1764120000000 implements MigrationInterface {
  name = "OperationRecipient1764120000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      "operations",
      new TableColumn({ name: "to_address", type: "varchar", length: "42", isNullable: true }),
    );
    await q.createIndex(
      "operations",
      new TableIndex({ name: "idx_operations_recipient", columnNames: ["to_address", "asset_id", "status"] }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("operations", "idx_operations_recipient");
    await q.dropColumn("operations", "to_address");
  }
}
