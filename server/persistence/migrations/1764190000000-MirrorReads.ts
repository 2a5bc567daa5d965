import { TableColumn, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Single-entry reads served from the mirror (issue 12 §3: GET /v1/permits/{operator}, GET /v1/assets/{assetId}):
 * the block time of each mirrored permit grant (`grantedAt`; the indexer reads it with the grant's block and fills
 * the grants of a mirror synced before this version on its first pass), and an index of the change rows by kind
 * (the OPERATOR role's grants and revocations, read without scanning the asset lifecycle events).
 */
export class MirrorReads1764190000000 implements MigrationInterface {
  name = "MirrorReads1764190000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      "mirror_permit_changes",
      new TableColumn({ name: "block_time", type: "bigint", isNullable: true }),
    );
    await q.createIndex(
      "mirror_changes",
      new TableIndex({ name: "idx_mirror_changes_kind", columnNames: ["kind", "block_number", "log_index"] }),
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("mirror_changes", "idx_mirror_changes_kind");
    await q.dropColumn("mirror_permit_changes", "block_time");
  }
}
