import { getAddress } from "ethers";
import type { EntityManager } from "typeorm";
import { Sql } from "../persistence/sql";
import { faultTexts } from "./register-queries";
import type { TextFaultView } from "./register-queries";

/** An asset as the mirror holds it (GET /v1/assets/{assetId}): what its issuance and lifecycle events say. */
export interface MirroredAssetView {
  assetId: string;
  status: "Active" | "Suspended" | "Closed";
  issuer: string;
  assetType: string;
  decision: {
    documentHash: string;
    uri: string;
    rightsType: string | null;
    rightsExtent: string | null;
    changes: Array<{ oldHash: string; newHash: string; newUri: string; reason: string; blockNumber: number }>;
  };
  issuerDetails: { legalName: string; bin: string; registeredAddress: string; detailsHash: string } | null;
  collateral: { evidenceHash: string; verifier: string; operator: string } | null;
  issuedUnits: string;
  supply: string;
  /** Block time of the issuance, unix seconds (its issue record's `postedAt`, posted in the same transaction). */
  issuedAt: number;
  recordCount: string;
  issuedBlock: number;
  updatedBlock: number;
  textFaults: TextFaultView[];
}

const KINDS = ["AssetIssued", "IssuanceDecisionRecorded", "IssuerDetailsRecorded", "DecisionDocumentChanged"];
const STATUSES = new Set(["Active", "Suspended", "Closed"]);

type Row = Record<string, string | number | null>;
type Args = Record<string, unknown>;
const text = (args: Args, k: string): string => {
  const v = args[k];
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";
};
const address = (v: string) => (/^0x[0-9a-fA-F]{40}$/.test(v) ? getAddress(v) : v);

/**
 * The asset from mirror_assets, its issuance and decision events from mirror_changes (the asset's index: its
 * lifecycle events, a handful), its issuance time from its first record, and the ill-formed texts of those events
 * from mirror_faults. Null when the mirror does not hold the asset's issuance (not mirrored yet, or an asset
 * migrated from a predecessor ledger, whose issuance is the predecessor's).
 */
export async function assetOf(em: EntityManager, assetId: string): Promise<MirroredAssetView | null> {
  const sql = Sql.of(em);
  const assets: Row[] = await em.query(
    `SELECT status, issuer, asset_type, units, decision_hash, decision_uri, rights_type, rights_extent, issuer_details_hash, issuer_details, supply, record_count, issued_block, updated_block FROM mirror_assets WHERE asset_id = ${sql.p(1)}`,
    [assetId],
  );
  const a = assets[0];
  if (!a || !STATUSES.has(String(a.status)) || a.issuer === null || a.issued_block === null) return null;
  type ChangeRow = {
    tx_hash: string;
    log_index: number | string;
    block_number: number | string;
    kind: string;
    payload: string;
  };
  const [changes, first] = (await Promise.all([
    em.query(
      `SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_changes WHERE asset_id = ${sql.p(1)} AND kind IN (${KINDS.map((k) => `'${k}'`).join(", ")}) ORDER BY block_number, log_index`,
      [assetId],
    ),
    em.query(`SELECT posted_at FROM mirror_records WHERE asset_id = ${sql.p(1)} AND sequence = 1`, [assetId]),
  ])) as [ChangeRow[], Array<{ posted_at: number | string }>];
  if (first.length === 0) return null;
  const faults = await faultTexts(
    em,
    changes.map((c) => ({ txHash: c.tx_hash, logIndex: Number(c.log_index) })),
  );
  const textFaults: TextFaultView[] = [];
  const fault = (c: (typeof changes)[number], arg: string, field: string) => {
    const t = faults.get(`${c.tx_hash}:${Number(c.log_index)}`)?.find((f) => f.arg === arg);
    if (t) textFaults.push({ field, hex: t.hex });
  };
  let issued: Args | null = null;
  let issuerDetails: MirroredAssetView["issuerDetails"] = null;
  /** The event whose URI is the decision's now (the issuance's, or the last change's). */
  let uriAt: { change: (typeof changes)[number]; arg: string } | null = null;
  const decisionChanges: MirroredAssetView["decision"]["changes"] = [];
  for (const c of changes) {
    const args = JSON.parse(c.payload) as Args;
    switch (c.kind) {
      case "AssetIssued":
        issued = args;
        break;
      case "IssuanceDecisionRecorded":
        uriAt = { change: c, arg: "uri" };
        fault(c, "rightsExtent", "decision.rightsExtent");
        break;
      case "IssuerDetailsRecorded":
        issuerDetails = {
          legalName: text(args, "legalName"),
          bin: text(args, "bin"),
          registeredAddress: text(args, "registeredAddress"),
          detailsHash: text(args, "detailsHash"),
        };
        for (const k of ["legalName", "bin", "registeredAddress"]) fault(c, k, `issuerDetails.${k}`);
        break;
      case "DecisionDocumentChanged": {
        const n = decisionChanges.length;
        decisionChanges.push({
          oldHash: text(args, "oldHash"),
          newHash: text(args, "newHash"),
          newUri: text(args, "newUri"),
          reason: text(args, "reason"),
          blockNumber: Number(c.block_number),
        });
        uriAt = { change: c, arg: "newUri" };
        for (const k of ["oldHash", "newHash", "newUri", "reason", "operator"])
          fault(c, k, `decision.changes[${n}].${k}`);
        break;
      }
    }
  }
  if (uriAt) fault(uriAt.change, uriAt.arg, "decision.uri");
  return {
    assetId,
    status: String(a.status) as MirroredAssetView["status"],
    issuer: address(String(a.issuer)),
    assetType: String(a.asset_type),
    decision: {
      documentHash: String(a.decision_hash ?? ""),
      uri: String(a.decision_uri ?? ""),
      rightsType: a.rights_type === null ? null : String(a.rights_type),
      rightsExtent: a.rights_extent === null ? null : String(a.rights_extent),
      changes: decisionChanges,
    },
    issuerDetails,
    collateral: issued
      ? {
          evidenceHash: text(issued, "collateralEvidenceHash"),
          verifier: address(text(issued, "verifier")),
          operator: address(text(issued, "operator")),
        }
      : null,
    issuedUnits: String(a.units ?? "0"),
    supply: String(a.supply),
    issuedAt: Number(first[0].posted_at),
    recordCount: String(a.record_count),
    issuedBlock: Number(a.issued_block),
    updatedBlock: Number(a.updated_block),
    textFaults: [
      ...textFaults.filter((f) => f.field === "decision.uri"),
      ...textFaults.filter((f) => f.field !== "decision.uri"),
    ],
  };
}
