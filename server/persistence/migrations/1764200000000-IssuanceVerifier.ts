import { TableColumn, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The collateral verifier an issuance request names, as its own indexed column (it was only inside the request's
 * JSON): a verifier signed in with its wallet lists the requests waiting for its attestation. Filled for the
 * requests filed before.
 */
export class IssuanceVerifier1764200000000 implements MigrationInterface {
  name = "IssuanceVerifier1764200000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      "issuance_requests",
      new TableColumn({ name: "verifier", type: "varchar", length: "42", isNullable: true }),
    );
    await q.createIndex(
      "issuance_requests",
      new TableIndex({ name: "idx_issuance_verifier", columnNames: ["verifier", "status", "created_at"] }),
    );
    const rows = (await q.query(`SELECT id, request FROM issuance_requests`)) as { id: string; request: string }[];
    const p = q.connection.driver.options.type === "postgres" ? ["$1", "$2"] : ["?", "?"];
    for (const row of rows) {
      const verifier = (JSON.parse(row.request) as { verifier?: string }).verifier;
      if (verifier)
        await q.query(`UPDATE issuance_requests SET verifier = ${p[0]} WHERE id = ${p[1]}`, [verifier, row.id]);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("issuance_requests", "idx_issuance_verifier");
    await q.dropColumn("issuance_requests", "verifier");
  }
}
