import { AbiCoder, decodeBytes32String, getAddress, hexlify, keccak256, toUtf8Bytes } from "ethers";
import type { EntityManager } from "typeorm";
import { Sql } from "../persistence/sql";
import { keysetSql, pageOf } from "../persistence/keyset";
import type { KeyValue, KeysetPage } from "../persistence/keyset";
import { ASSET_TYPE_COLUMNS, PERMIT_COLUMNS, assetTypeFromRow, permitFromRow } from "../domain/register-state";
import type { AssetTypeEntry, PermitEntry } from "../domain/register-state";
import { LEDGER_ROLES } from "../domain/ledger-roles";

/** A text the ledger's event carries that is not UTF-8: the response field that shows it readable, and its bytes. */
export interface TextFaultView {
  field: string;
  hex: string;
}

/** A permit as the mirror holds it (GET /v1/permits, GET /v1/permits/{operator}). */
export interface MirroredPermitView {
  operator: string;
  status: PermitEntry["status"];
  /**
   * Whether the operator may use its powers now, as the ledger decides it (PermitRegister._isPermitted): the OPERATOR
   * role and a permit active, or suspended with the suspension's end passed (this gateway's clock).
   */
  permitted: boolean;
  /** Holds the ledger's OPERATOR role (its mirrored RoleGranted / RoleRevoked events). */
  operatorRole: boolean;
  /** Block time of the grant whose details are shown (null only until the indexer has read it). */
  grantedAt: string | null;
  suspendedUntil: string | null;
  suspendReason: string | null;
  courtDecision: string | null;
  /** keccak256(abi.encode(legalName, bin, permitNumber, scope)) of the texts' exact bytes: the ledger's detailsHash. */
  detailsHash: string;
  details: { legalName: string; bin: string; permitNumber: string; scope: string };
  grantedBlock: number;
  updatedBlock: number;
  textFaults: TextFaultView[];
}

/** An asset type as the mirror holds it (GET /v1/asset-types). */
export interface MirroredAssetTypeView {
  code: string;
  label: string | null;
  name: string;
  category: string;
  listed: boolean;
  listedBlock: number;
  updatedBlock: number;
  textFaults: TextFaultView[];
}

/** The ill-formed texts of the given logs (mirror_faults), by `txHash:logIndex`. */
export async function faultTexts(
  em: EntityManager,
  logs: Array<{ txHash: string; logIndex: number }>,
): Promise<Map<string, Array<{ arg: string; hex: string }>>> {
  const out = new Map<string, Array<{ arg: string; hex: string }>>();
  if (logs.length === 0) return out;
  const sql = Sql.of(em);
  const hashes = [...new Set(logs.map((l) => l.txHash))];
  const rows: Array<{ tx_hash: string; log_index: number | string; detail: string }> = await em.query(
    `SELECT tx_hash, log_index, detail FROM mirror_faults WHERE kind = 'ill-formed-text' AND tx_hash IN (${sql.params(hashes.length)})`,
    hashes,
  );
  for (const r of rows) {
    const detail = JSON.parse(r.detail) as { texts?: Array<{ arg: string; hex: string }> };
    out.set(`${r.tx_hash}:${Number(r.log_index)}`, detail.texts ?? []);
  }
  return out;
}

function label(code: string): string | null {
  try {
    return decodeBytes32String(code);
  } catch {
    return null;
  }
}

/** What a permit view needs besides its row: the OPERATOR role holders among the operators, grant times, texts. */
interface PermitContext {
  roles: Set<string>;
  grantTimes: Map<string, number | null>;
  faults: Map<string, Array<{ arg: string; hex: string }>>;
}

/**
 * Which of `operators` (lower-case) hold the OPERATOR role, from the mirrored RoleGranted / RoleRevoked events in
 * chain order (index on the change kind: role changes are the authority's rare acts, whatever the ledger's history).
 */
async function operatorRoles(em: EntityManager, operators: string[]): Promise<Set<string>> {
  const held = new Set<string>();
  if (operators.length === 0) return held;
  const wanted = new Set(operators);
  const rows: Array<{ kind: string; payload: string }> = await em.query(
    "SELECT kind, payload FROM mirror_changes WHERE kind IN ('RoleGranted', 'RoleRevoked') ORDER BY block_number, log_index",
  );
  for (const r of rows) {
    const args = JSON.parse(r.payload) as { role?: string; account?: string };
    const account = String(args.account ?? "").toLowerCase();
    if (String(args.role ?? "").toLowerCase() !== LEDGER_ROLES.OPERATOR || !wanted.has(account)) continue;
    if (r.kind === "RoleGranted") held.add(account);
    else held.delete(account);
  }
  return held;
}

async function permitContext(em: EntityManager, entries: PermitEntry[]): Promise<PermitContext> {
  const logs = entries.map((e) => ({ txHash: e.grantTxHash, logIndex: e.grantLogIndex }));
  const grantTimes = new Map<string, number | null>();
  if (logs.length > 0) {
    const sql = Sql.of(em);
    const hashes = [...new Set(logs.map((l) => l.txHash))];
    const rows: Array<{ tx_hash: string; log_index: number | string; block_time: number | string | null }> =
      await em.query(
        `SELECT tx_hash, log_index, block_time FROM mirror_permit_changes WHERE tx_hash IN (${sql.params(hashes.length)})`,
        hashes,
      );
    for (const r of rows)
      grantTimes.set(`${r.tx_hash}:${Number(r.log_index)}`, r.block_time === null ? null : Number(r.block_time));
  }
  const [roles, faults] = await Promise.all([
    operatorRoles(
      em,
      entries.map((e) => e.operator),
    ),
    faultTexts(em, logs),
  ]);
  return { roles, grantTimes, faults };
}

/** One page of the permit register in operator (lower-case address) order, from mirror_permits. */
export async function permitPage(
  em: EntityManager,
  after: KeyValue[] | null,
  limit: number,
  now: number = Date.now(),
): Promise<KeysetPage<MirroredPermitView>> {
  const sql = Sql.of(em);
  const params: KeyValue[] = [];
  const p = (v: KeyValue) => {
    params.push(v);
    return sql.p(params.length);
  };
  const where = after ? ` WHERE ${keysetSql(["operator"], "ASC", [String(after[0]).toLowerCase()], p)}` : "";
  const rows: Array<Record<string, unknown>> = await em.query(
    `SELECT ${PERMIT_COLUMNS.join(", ")} FROM mirror_permits${where} ORDER BY operator LIMIT ${Math.floor(limit) + 1}`,
    params,
  );
  const entries = rows.map(permitFromRow);
  const context = await permitContext(em, entries.slice(0, limit));
  return pageOf(
    entries,
    limit,
    (e) => [e.operator],
    (e) => permitView(e, context, now),
  );
}

/** One operator's permit from mirror_permits (any address case), or null when the mirror holds none. */
export async function permitOf(
  em: EntityManager,
  operator: string,
  now: number = Date.now(),
): Promise<MirroredPermitView | null> {
  const sql = Sql.of(em);
  const rows: Array<Record<string, unknown>> = await em.query(
    `SELECT ${PERMIT_COLUMNS.join(", ")} FROM mirror_permits WHERE operator = ${sql.p(1)}`,
    [operator.toLowerCase()],
  );
  if (rows.length === 0) return null;
  const entry = permitFromRow(rows[0]);
  return permitView(entry, await permitContext(em, [entry]), now);
}

const DETAILS = ["legalName", "bin", "permitNumber", "scope"] as const;

function permitView(e: PermitEntry, c: PermitContext, now: number): MirroredPermitView {
  const grant = `${e.grantTxHash}:${e.grantLogIndex}`;
  const texts = c.faults.get(grant) ?? [];
  const details = { legalName: e.legalName, bin: e.bin, permitNumber: e.permitNumber, scope: e.scope };
  const exact = (k: (typeof DETAILS)[number]) =>
    texts.find((t) => t.arg === k)?.hex ?? hexlify(toUtf8Bytes(details[k]));
  const operatorRole = c.roles.has(e.operator.toLowerCase());
  const suspensionOver = e.status === "Suspended" && now / 1000 >= Number(e.suspendedUntil ?? 0);
  const grantedAt = c.grantTimes.get(grant) ?? null;
  return {
    operator: getAddress(e.operator),
    status: e.status,
    permitted: operatorRole && (e.status === "Active" || suspensionOver),
    operatorRole,
    grantedAt: grantedAt === null ? null : new Date(grantedAt * 1000).toISOString(),
    suspendedUntil: e.suspendedUntil === null ? null : new Date(Number(e.suspendedUntil) * 1000).toISOString(),
    suspendReason: e.suspendReason,
    courtDecision: e.courtDecision,
    detailsHash: keccak256(AbiCoder.defaultAbiCoder().encode(["bytes", "bytes", "bytes", "bytes"], DETAILS.map(exact))),
    details,
    grantedBlock: e.grantedBlock,
    updatedBlock: e.updatedBlock,
    textFaults: texts
      .filter((t) => (DETAILS as readonly string[]).includes(t.arg))
      .map((t) => ({ field: `details.${t.arg}`, hex: t.hex })),
  };
}

/** One page of the asset type register in code order (bytes32 hex), from mirror_asset_types. */
export async function assetTypePage(
  em: EntityManager,
  after: KeyValue[] | null,
  limit: number,
): Promise<KeysetPage<MirroredAssetTypeView>> {
  const sql = Sql.of(em);
  const params: KeyValue[] = [];
  const p = (v: KeyValue) => {
    params.push(v);
    return sql.p(params.length);
  };
  const where = after ? ` WHERE ${keysetSql(["code"], "ASC", [String(after[0]).toLowerCase()], p)}` : "";
  const rows: Array<Record<string, unknown>> = await em.query(
    `SELECT ${ASSET_TYPE_COLUMNS.join(", ")} FROM mirror_asset_types${where} ORDER BY code LIMIT ${Math.floor(limit) + 1}`,
    params,
  );
  const entries = rows.map(assetTypeFromRow);
  const faults = await faultTexts(
    em,
    entries.slice(0, limit).map((e) => ({ txHash: e.listTxHash, logIndex: e.listLogIndex })),
  );
  return pageOf(
    entries,
    limit,
    (e) => [e.code],
    (e) => assetTypeView(e, faults.get(`${e.listTxHash}:${e.listLogIndex}`) ?? []),
  );
}

/** One asset type from mirror_asset_types (`code`: bytes32, any hex case), or null when the mirror never saw it listed. */
export async function assetTypeOf(em: EntityManager, code: string): Promise<MirroredAssetTypeView | null> {
  const sql = Sql.of(em);
  const rows: Array<Record<string, unknown>> = await em.query(
    `SELECT ${ASSET_TYPE_COLUMNS.join(", ")} FROM mirror_asset_types WHERE code = ${sql.p(1)}`,
    [code.toLowerCase()],
  );
  if (rows.length === 0) return null;
  const entry = assetTypeFromRow(rows[0]);
  const faults = await faultTexts(em, [{ txHash: entry.listTxHash, logIndex: entry.listLogIndex }]);
  return assetTypeView(entry, faults.get(`${entry.listTxHash}:${entry.listLogIndex}`) ?? []);
}

function assetTypeView(e: AssetTypeEntry, texts: Array<{ arg: string; hex: string }>): MirroredAssetTypeView {
  return {
    code: e.code,
    label: label(e.code),
    name: e.name,
    category: e.category,
    listed: e.listed,
    listedBlock: e.listedBlock,
    updatedBlock: e.updatedBlock,
    textFaults: texts.filter((t) => t.arg === "name").map((t) => ({ field: "name", hex: t.hex })),
  };
}
