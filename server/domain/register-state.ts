import { ASSET_CATEGORIES } from "./ledger-enums";

/**
 * The permit and asset type registers as the ledger's events describe them (the mirror's `mirror_permits` and
 * `mirror_asset_types`): each event folded onto the entry it is about, in chain order. Pure, so the indexer, its
 * rebuild after a reorganisation and the migration that fills an existing mirror apply the same rules.
 */

/** Where an event is on chain. */
export interface EventAt {
  blockNumber: number;
  txHash: string;
  logIndex: number;
}

export interface PermitEntry {
  /** Lower-case address (the mirror's storage form). */
  operator: string;
  status: "Active" | "Suspended" | "Revoked";
  legalName: string;
  bin: string;
  permitNumber: string;
  scope: string;
  suspendReason: string | null;
  /** Unix seconds, as the PermitSuspended event carries it. */
  suspendedUntil: string | null;
  courtDecision: string | null;
  grantedBlock: number;
  /** The PermitGranted log whose texts the entry shows (its ill-formed texts are in mirror_faults). */
  grantTxHash: string;
  grantLogIndex: number;
  updatedBlock: number;
}

export const PERMIT_EVENT_KINDS = ["PermitGranted", "PermitSuspended", "PermitResumed", "PermitRevoked"] as const;

type Args = Record<string, unknown>;
/** An event argument as text (the mirror's payload holds strings, numbers as decimal text, and booleans). */
const asText = (v: unknown): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" ? String(v) : "";
const text = (args: Args, k: string): string => asText(args[k]);

/** The permit after one of its events (null: no permit yet, and the event is not a grant). */
export function foldPermit(
  p: PermitEntry | null,
  operator: string,
  kind: string,
  args: Args,
  at: EventAt,
): PermitEntry | null {
  if (kind === "PermitGranted")
    return {
      operator: operator.toLowerCase(),
      status: "Active",
      legalName: text(args, "legalName"),
      bin: text(args, "bin"),
      permitNumber: text(args, "permitNumber"),
      scope: text(args, "scope"),
      suspendReason: null,
      suspendedUntil: null,
      courtDecision: null,
      grantedBlock: at.blockNumber,
      grantTxHash: at.txHash,
      grantLogIndex: at.logIndex,
      updatedBlock: at.blockNumber,
    };
  if (!p) return null;
  switch (kind) {
    case "PermitSuspended":
      return {
        ...p,
        status: "Suspended",
        suspendReason: text(args, "reason"),
        suspendedUntil: text(args, "until"),
        updatedBlock: at.blockNumber,
      };
    case "PermitResumed":
      return { ...p, status: "Active", suspendReason: null, suspendedUntil: null, updatedBlock: at.blockNumber };
    case "PermitRevoked":
      return { ...p, status: "Revoked", courtDecision: text(args, "courtDecision"), updatedBlock: at.blockNumber };
    default:
      return p;
  }
}

export interface AssetTypeEntry {
  /** bytes32, lower-case hex. */
  code: string;
  name: string;
  /** ASSET_CATEGORIES member (the position as text when the ledger names one this gateway does not know). */
  category: string;
  listed: boolean;
  listedBlock: number;
  /** The AssetTypeListed log whose name the entry shows (its ill-formed text is in mirror_faults). */
  listTxHash: string;
  listLogIndex: number;
  updatedBlock: number;
}

export const ASSET_TYPE_EVENT_KINDS = ["AssetTypeListed", "AssetTypeDelisted"] as const;

/** The code an asset type event is about (lower-case hex), or null for another event. */
export function assetTypeEventCode(kind: string, args: Args): string | null {
  return (ASSET_TYPE_EVENT_KINDS as readonly string[]).includes(kind) ? text(args, "code").toLowerCase() : null;
}

/** The asset type after one of its events (null: never listed, and the event is not a listing). */
export function foldAssetType(t: AssetTypeEntry | null, kind: string, args: Args, at: EventAt): AssetTypeEntry | null {
  if (kind === "AssetTypeListed") {
    const position = Number(text(args, "category"));
    return {
      code: text(args, "code").toLowerCase(),
      name: text(args, "name"),
      category: ASSET_CATEGORIES[position] ?? text(args, "category"),
      listed: true,
      listedBlock: at.blockNumber,
      listTxHash: at.txHash,
      listLogIndex: at.logIndex,
      updatedBlock: at.blockNumber,
    };
  }
  if (!t) return null;
  if (kind === "AssetTypeDelisted") return { ...t, listed: false, updatedBlock: at.blockNumber };
  return t;
}

/** Columns of the two tables, in the order `permitRow` and `assetTypeRow` give values. */
export const PERMIT_COLUMNS = [
  "operator",
  "status",
  "legal_name",
  "bin",
  "permit_number",
  "scope",
  "suspend_reason",
  "suspended_until",
  "court_decision",
  "granted_block",
  "grant_tx_hash",
  "grant_log_index",
  "updated_block",
];
export const ASSET_TYPE_COLUMNS = [
  "code",
  "name",
  "category",
  "listed",
  "listed_block",
  "list_tx_hash",
  "list_log_index",
  "updated_block",
];

export function permitRow(p: PermitEntry): unknown[] {
  return [
    p.operator,
    p.status,
    p.legalName,
    p.bin,
    p.permitNumber,
    p.scope,
    p.suspendReason,
    p.suspendedUntil,
    p.courtDecision,
    p.grantedBlock,
    p.grantTxHash,
    p.grantLogIndex,
    p.updatedBlock,
  ];
}

/** `listed` as 0/1: an integer column reads the same on SQLite and PostgreSQL. */
export function assetTypeRow(t: AssetTypeEntry): unknown[] {
  return [t.code, t.name, t.category, t.listed ? 1 : 0, t.listedBlock, t.listTxHash, t.listLogIndex, t.updatedBlock];
}

type Row = Record<string, unknown>;
export function permitFromRow(r: Row): PermitEntry {
  const n = (v: unknown) => (v === null || v === undefined ? null : asText(v));
  return {
    operator: String(r.operator),
    status: String(r.status) as PermitEntry["status"],
    legalName: String(r.legal_name),
    bin: String(r.bin),
    permitNumber: String(r.permit_number),
    scope: String(r.scope),
    suspendReason: n(r.suspend_reason),
    suspendedUntil: n(r.suspended_until),
    courtDecision: n(r.court_decision),
    grantedBlock: Number(r.granted_block),
    grantTxHash: String(r.grant_tx_hash),
    grantLogIndex: Number(r.grant_log_index),
    updatedBlock: Number(r.updated_block),
  };
}
export function assetTypeFromRow(r: Row): AssetTypeEntry {
  return {
    code: String(r.code),
    name: String(r.name),
    category: String(r.category),
    listed: Number(r.listed) === 1,
    listedBlock: Number(r.listed_block),
    listTxHash: String(r.list_tx_hash),
    listLogIndex: Number(r.list_log_index),
    updatedBlock: Number(r.updated_block),
  };
}
