import { Table } from "typeorm";
import type { MigrationInterface, QueryRunner, TableColumnOptions } from "typeorm";
import {
  ASSET_TYPE_COLUMNS,
  ASSET_TYPE_EVENT_KINDS,
  PERMIT_COLUMNS,
  assetTypeEventCode,
  assetTypeRow,
  foldAssetType,
  foldPermit,
  permitRow,
} from "../../domain/register-state";
import type { AssetTypeEntry, PermitEntry } from "../../domain/register-state";

// Portable column helpers, as in the Mirror migration (entities: MirrorPermit, MirrorAssetType in server/mirror/entities.ts).
const str = (name: string, length: number, nullable = false, primary = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable: nullable,
  isPrimary: primary,
});
const int = (name: string): TableColumnOptions => ({ name, type: "integer", isNullable: false });
const text = (name: string, nullable = false): TableColumnOptions => ({ name, type: "text", isNullable: nullable });

/**
 * The permit and asset type registers in the mirror (issue 12 §3: lists that do not re-scan the chain's logs), filled
 * for a mirror already synced from its mirrored change rows (the same fold as the indexer's).
 */
export class MirrorRegisters1764160000000 implements MigrationInterface {
  name = "MirrorRegisters1764160000000";

  public async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: "mirror_permits",
        columns: [
          str("operator", 42, false, true),
          str("status", 16),
          text("legal_name"),
          text("bin"),
          text("permit_number"),
          text("scope"),
          text("suspend_reason", true),
          str("suspended_until", 20, true),
          text("court_decision", true),
          int("granted_block"),
          str("grant_tx_hash", 66),
          int("grant_log_index"),
          int("updated_block"),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: "mirror_asset_types",
        columns: [
          str("code", 66, false, true),
          text("name"),
          str("category", 32),
          int("listed"),
          int("listed_block"),
          str("list_tx_hash", 66),
          int("list_log_index"),
          int("updated_block"),
        ],
      }),
    );
    const postgres = q.connection.options.type === "postgres";
    const params = (n: number) => Array.from({ length: n }, (_, i) => (postgres ? `$${i + 1}` : "?")).join(", ");
    type Change = { tx_hash: string; log_index: number; block_number: number; kind: string; payload: string };
    const at = (c: Change) => ({
      blockNumber: Number(c.block_number),
      txHash: c.tx_hash,
      logIndex: Number(c.log_index),
    });

    const permits = new Map<string, PermitEntry | null>();
    const pc = (await q.query(
      "SELECT tx_hash, log_index, block_number, kind, payload, operator FROM mirror_permit_changes ORDER BY block_number, log_index",
    )) as Array<Change & { operator: string }>;
    for (const c of pc) {
      const op = c.operator.toLowerCase();
      permits.set(
        op,
        foldPermit(permits.get(op) ?? null, op, c.kind, JSON.parse(c.payload) as Record<string, unknown>, at(c)),
      );
    }
    for (const p of permits.values())
      if (p)
        await q.query(
          `INSERT INTO mirror_permits (${PERMIT_COLUMNS.join(", ")}) VALUES (${params(PERMIT_COLUMNS.length)})`,
          permitRow(p),
        );

    const types = new Map<string, AssetTypeEntry | null>();
    const tc = (await q.query(
      `SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_changes WHERE kind IN (${ASSET_TYPE_EVENT_KINDS.map((k) => `'${k}'`).join(", ")}) ORDER BY block_number, log_index`,
    )) as Change[];
    for (const c of tc) {
      const args = JSON.parse(c.payload) as Record<string, unknown>;
      const code = assetTypeEventCode(c.kind, args);
      if (code) types.set(code, foldAssetType(types.get(code) ?? null, c.kind, args, at(c)));
    }
    for (const t of types.values())
      if (t)
        await q.query(
          `INSERT INTO mirror_asset_types (${ASSET_TYPE_COLUMNS.join(", ")}) VALUES (${params(ASSET_TYPE_COLUMNS.length)})`,
          assetTypeRow(t),
        );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropTable("mirror_asset_types");
    await q.dropTable("mirror_permits");
  }
}
