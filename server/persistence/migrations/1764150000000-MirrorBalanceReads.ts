import { TableColumn, TableIndex } from "typeorm";
import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Reads served from the mirror (issue 12 §3): the units frozen next to each mirrored balance, an index for a
 * participant's holdings (holder, asset) and one for an asset's records in chain order. The frozen units of a mirror already filled are taken from its mirrored
 * `Frozen` events (each carries the new total, so the last one per holder and asset is the amount).
 */
export class MirrorBalanceReads1764150000000 implements MigrationInterface {
  name = "MirrorBalanceReads1764150000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      "mirror_balances",
      new TableColumn({ name: "frozen", type: "varchar", length: "80", isNullable: false, default: "'0'" }),
    );
    await q.createIndex(
      "mirror_balances",
      new TableIndex({ name: "idx_mirror_balances_holder", columnNames: ["holder", "asset_id"] }),
    );
    // An asset's records in chain order (GET /v1/records?assetId=): a page without sorting all of them.
    await q.createIndex(
      "mirror_records",
      new TableIndex({
        name: "idx_mirror_records_asset_block",
        columnNames: ["asset_id", "block_number", "log_index"],
      }),
    );
    const postgres = q.connection.options.type === "postgres";
    const p = (i: number) => (postgres ? `$${i}` : "?");
    const rows = (await q.query(
      "SELECT asset_id, account, payload, block_number FROM mirror_participant_changes WHERE kind = 'Frozen' AND asset_id IS NOT NULL ORDER BY block_number, log_index",
    )) as Array<{ asset_id: string; account: string; payload: string; block_number: number | string }>;
    const last = new Map<string, { assetId: string; holder: string; frozen: string; block: number }>();
    for (const r of rows) {
      const amount = String((JSON.parse(r.payload) as { amount?: string }).amount ?? "0");
      const holder = r.account.toLowerCase(); // balances are keyed by lowercase addresses, as the records
      last.set(`${r.asset_id}:${holder}`, {
        assetId: r.asset_id,
        holder,
        frozen: /^\d+$/.test(amount) ? amount : "0",
        block: Number(r.block_number),
      });
    }
    for (const f of last.values()) {
      await q.query(
        `INSERT INTO mirror_balances (asset_id, holder, balance, frozen, updated_block) VALUES (${p(1)}, ${p(2)}, '0', ${p(3)}, ${p(4)})
         ON CONFLICT (asset_id, holder) DO UPDATE SET frozen = excluded.frozen`,
        [f.assetId, f.holder, f.frozen, f.block],
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("mirror_records", "idx_mirror_records_asset_block");
    await q.dropIndex("mirror_balances", "idx_mirror_balances_holder");
    await q.dropColumn("mirror_balances", "frozen");
  }
}
