import { TableColumn } from "typeorm";
import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * An operation's claim: which lane lease (`owner:epoch`) took it into a transaction, and when. Set atomically with
 * its transaction id, cleared when it is re-queued; settling and sending check it (several instances, one database).
 */
export class OperationClaim1764180000000 implements MigrationInterface {
  name = "OperationClaim1764180000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      "operations",
      new TableColumn({ name: "claimed_by", type: "varchar", length: "64", isNullable: true }),
    );
    await q.addColumn(
      "operations",
      new TableColumn({ name: "claimed_at", type: "varchar", length: "32", isNullable: true }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("operations", "claimed_at");
    await q.dropColumn("operations", "claimed_by");
  }
}
