import { TableColumn } from "typeorm";
import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The address of the key that signed an operation's transaction (set when it is sent, cleared when it is
 * re-queued): which key relayed it stays readable after a key rotation, and a lane's work is known by key.
 */
export class OperationSignerAddress1764170000000 implements MigrationInterface {
  name = "OperationSignerAddress1764170000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      "operations",
      new TableColumn({ name: "signer_address", type: "varchar", length: "42", isNullable: true }),
    );
    // Operations sent before this version: the address of the transaction that carried them.
    await q.query(
      "UPDATE operations SET signer_address = (SELECT t.signer_address FROM chain_transactions t WHERE t.id = operations.tx_id) WHERE tx_id IS NOT NULL",
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("operations", "signer_address");
  }
}
