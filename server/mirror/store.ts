import type { EntityManager } from "typeorm";
import { appendEvents } from "../persistence/event-log";
import type { NewEvent } from "../persistence/event-log";
import { GENESIS_RECORD_HASH, recordHashFromWords, ZERO_ADDRESS } from "../chain/decode";
import type { DecodedChange, DecodedFault, DecodedRecord } from "../chain/decode";
import { MIRROR_BLOCK_TABLES, MirrorCursor } from "./entities";
import { Sql } from "../persistence/sql";
import { raiseEventFaultAlert, resolveOrphanedEventFaultAlerts } from "../supervision/event-faults";
import {
  ASSET_TYPE_COLUMNS,
  ASSET_TYPE_EVENT_KINDS,
  PERMIT_COLUMNS,
  assetTypeEventCode,
  assetTypeFromRow,
  assetTypeRow,
  foldAssetType,
  foldPermit,
  permitFromRow,
  permitRow,
} from "../domain/register-state";
import type { AssetTypeEntry, PermitEntry } from "../domain/register-state";
import {
  AuthorityHistory,
  PARTICIPANT_COLUMNS,
  PARTICIPANT_EVENT_KINDS,
  PARTICIPANT_STATE_KINDS,
  foldParticipants,
  participantFromRow,
  participantRow,
} from "../domain/participant-state";
import type { ParticipantEntry, ParticipantEvent } from "../domain/participant-state";

export const CURSOR_ID = "ledger";

/** A fetched block range, ready to be written in one transaction. */
export interface RangeBatch {
  from: number;
  to: number;
  /** Hash of block `to` (the cursor after this range). */
  toHash: string;
  records: DecodedRecord[];
  changes: DecodedChange[];
  /** Logs not readable as declared: recorded, alerted, and passed over (the others are written). */
  faults: DecodedFault[];
  /**
   * Block times (unix seconds) of the blocks with a permit grant, a role grant or a participant's registration (the
   * `grantedAt` and `registeredAt` no event carries).
   */
  blockTimes?: Map<number, number>;
}

export interface RangeResult {
  inserted: number;
  skipped: number;
  /** Faults recorded for the first time (a replay records none again). */
  faults: DecodedFault[];
}

const RECORD_COLUMNS = [
  "tx_hash",
  "log_index",
  "block_number",
  "block_hash",
  "asset_id",
  "sequence",
  "from_address",
  "to_address",
  "amount",
  "ref",
  "posted_at",
  "record_hash",
  "previous_hash",
];
const CHANGE_TABLES: Record<DecodedChange["table"], string> = {
  changes: "mirror_changes",
  permits: "mirror_permit_changes",
  participants: "mirror_participant_changes",
  acknowledgements: "mirror_acknowledgements",
};
const FAULT_COLUMNS = [
  "tx_hash",
  "log_index",
  "block_number",
  "block_hash",
  "event",
  "topic",
  "kind",
  "detail",
  "created_at",
];
const key = (txHash: string, logIndex: number) => `${txHash}:${logIndex}`;

export async function readCursor(em: EntityManager, lock = false): Promise<MirrorCursor | null> {
  const sql = Sql.of(em);
  const rows: Array<{ block_number: number; block_hash: string; announced_block: number; updated_at: string }> =
    await em.query(
      `SELECT block_number, block_hash, announced_block, updated_at FROM mirror_cursor WHERE id = ${sql.p(1)}${lock && sql.postgres ? " FOR UPDATE" : ""}`,
      [CURSOR_ID],
    );
  if (rows.length === 0) return null;
  const c = new MirrorCursor();
  c.id = CURSOR_ID;
  c.blockNumber = Number(rows[0].block_number);
  c.blockHash = rows[0].block_hash;
  c.announcedBlock = Number(rows[0].announced_block);
  c.updatedAt = rows[0].updated_at;
  return c;
}

export async function writeCursor(
  em: EntityManager,
  blockNumber: number,
  blockHash: string,
  announcedBlock: number,
): Promise<void> {
  const sql = Sql.of(em);
  await sql.insert(
    em,
    "mirror_cursor",
    ["id", "block_number", "block_hash", "announced_block", "updated_at"],
    [[CURSOR_ID, blockNumber, blockHash, announcedBlock, new Date().toISOString()]],
    sql.upsert(["id"], ["block_number", "block_hash", "announced_block", "updated_at"]),
  );
}

/** Existing keys (and record hashes) in a block range, so a replayed range inserts nothing twice. */
async function existingKeys(
  em: EntityManager,
  table: string,
  from: number,
  to: number,
  withHash: boolean,
): Promise<Map<string, { assetId: string; sequence: number; recordHash: string } | null>> {
  const sql = Sql.of(em);
  const cols = withHash ? "tx_hash, log_index, asset_id, sequence, record_hash" : "tx_hash, log_index";
  const rows: Array<{
    tx_hash: string;
    log_index: number;
    asset_id?: string;
    sequence?: number;
    record_hash?: string;
  }> = await em.query(
    `SELECT ${cols} FROM ${table} WHERE block_number >= ${sql.p(1)} AND block_number <= ${sql.p(2)}`,
    [from, to],
  );
  const out = new Map<string, { assetId: string; sequence: number; recordHash: string } | null>();
  for (const r of rows)
    out.set(
      key(r.tx_hash, Number(r.log_index)),
      withHash ? { assetId: r.asset_id!, sequence: Number(r.sequence), recordHash: r.record_hash! } : null,
    );
  return out;
}

/**
 * Writes one range: records (with their hashes chained from the previous stored record), register changes,
 * balances, assets, block hashes, the cursor, and the platform events for what is new. Rows already present
 * (a replay) are skipped, so writing a range twice changes nothing.
 */
export async function writeRange(em: EntityManager, batch: RangeBatch, announcedBlock: number): Promise<RangeResult> {
  const sql = Sql.of(em);
  const events: NewEvent[] = [];
  let inserted = 0;
  let skipped = 0;

  // --- records
  const newRecords: DecodedRecord[] = [];
  const hashes: string[] = [];
  const previous: string[] = [];
  if (batch.records.length > 0) {
    const existing = await existingKeys(em, "mirror_records", batch.from, batch.to, true);
    const last = new Map<string, { sequence: number; hash: string }>();
    const needPrev = new Map<string, number>();
    for (const r of batch.records) {
      const ex = existing.get(key(r.txHash, r.logIndex));
      if (ex) {
        last.set(r.assetId, { sequence: r.sequence, hash: ex.recordHash });
        continue;
      }
      const l = last.get(r.assetId);
      if (!l && !needPrev.has(r.assetId)) needPrev.set(r.assetId, r.sequence - 1);
      last.set(r.assetId, { sequence: r.sequence, hash: "" });
    }
    // The stored predecessor of each asset's first new record in this range.
    const stored = new Map<string, { sequence: number; hash: string }>();
    for (const [assetId, seq] of needPrev) {
      if (seq < 1) continue;
      // The rows of that sequence (one, unless forged), the latest taken here: sorting in SQL would let the planner
      // walk the asset's (asset, block) index instead of looking the sequence up, a cost that grows with the asset.
      const rows: Array<{ record_hash: string; block_number: number | string }> = await em.query(
        `SELECT record_hash, block_number FROM mirror_records WHERE asset_id = ${sql.p(1)} AND sequence = ${sql.p(2)}`,
        [assetId, seq],
      );
      const latest = rows.reduce<(typeof rows)[number] | null>(
        (a, r) => (a === null || Number(r.block_number) > Number(a.block_number) ? r : a),
        null,
      );
      if (latest) stored.set(assetId, { sequence: seq, hash: latest.record_hash });
    }
    last.clear();
    for (const [assetId, s] of stored) last.set(assetId, s);
    for (const r of batch.records) {
      const ex = existing.get(key(r.txHash, r.logIndex));
      if (ex) {
        skipped++;
        last.set(r.assetId, { sequence: r.sequence, hash: ex.recordHash });
        continue;
      }
      const l = last.get(r.assetId);
      // A gap (a missing predecessor) chains from genesis: the verification reports the missing record.
      const prev = l && l.sequence === r.sequence - 1 ? l.hash : GENESIS_RECORD_HASH;
      const h = recordHashFromWords(prev, r.assetWord, r.dataWords);
      last.set(r.assetId, { sequence: r.sequence, hash: h });
      newRecords.push(r);
      hashes.push(h);
      previous.push(prev);
    }
    await sql.insert(
      em,
      "mirror_records",
      RECORD_COLUMNS,
      newRecords.map((r, i) => [
        r.txHash,
        r.logIndex,
        r.blockNumber,
        r.blockHash,
        r.assetId,
        r.sequence,
        r.from,
        r.to,
        r.amount.toString(),
        r.ref,
        r.postedAt,
        hashes[i],
        previous[i],
      ]),
      "ON CONFLICT (tx_hash, log_index) DO NOTHING",
    );
    inserted += newRecords.length;
    newRecords.forEach((r, i) => {
      if (r.blockNumber > announcedBlock) {
        events.push({
          type: "record.posted",
          assetId: r.assetId,
          account: r.from,
          counterparty: r.to,
          payload: {
            assetId: r.assetId,
            sequence: String(r.sequence),
            from: r.from,
            to: r.to,
            amount: r.amount.toString(),
            ref: r.ref,
            // ISO 8601 UTC like every time the platform shows (events before this version carry unix seconds).
            postedAt: new Date(r.postedAt * 1000).toISOString(),
            rightsArisenAt: new Date(r.postedAt * 1000).toISOString(),
            txHash: r.txHash,
            blockNumber: r.blockNumber,
            logIndex: r.logIndex,
            recordHash: hashes[i],
            previousHash: previous[i],
          },
        });
      }
    });
  }

  // --- register changes
  const newChanges: DecodedChange[] = [];
  if (batch.changes.length > 0) {
    for (const table of new Set(batch.changes.map((c) => c.table))) {
      const existing = await existingKeys(em, CHANGE_TABLES[table], batch.from, batch.to, false);
      const rows = batch.changes.filter((c) => c.table === table && !existing.has(key(c.txHash, c.logIndex)));
      skipped += batch.changes.filter((c) => c.table === table).length - rows.length;
      newChanges.push(...rows);
      const base = (c: DecodedChange) => [c.txHash, c.logIndex, c.blockNumber, c.blockHash];
      const timed = (c: DecodedChange, kind: string) =>
        c.kind === kind ? (batch.blockTimes?.get(c.blockNumber) ?? null) : null;
      const conflict = "ON CONFLICT (tx_hash, log_index) DO NOTHING";
      if (table === "changes") {
        await sql.insert(
          em,
          "mirror_changes",
          ["tx_hash", "log_index", "block_number", "block_hash", "kind", "payload", "asset_id", "block_time"],
          rows.map((c) => [...base(c), c.kind, JSON.stringify(c.args), c.assetId, timed(c, "RoleGranted")]),
          conflict,
        );
      } else if (table === "permits") {
        await sql.insert(
          em,
          "mirror_permit_changes",
          ["tx_hash", "log_index", "block_number", "block_hash", "kind", "payload", "operator", "block_time"],
          rows.map((c) => [...base(c), c.kind, JSON.stringify(c.args), c.account, timed(c, "PermitGranted")]),
          conflict,
        );
      } else if (table === "participants") {
        await sql.insert(
          em,
          "mirror_participant_changes",
          [
            "tx_hash",
            "log_index",
            "block_number",
            "block_hash",
            "kind",
            "payload",
            "account",
            "asset_id",
            "block_time",
          ],
          rows.map((c) => [
            ...base(c),
            c.kind,
            JSON.stringify(c.args),
            c.account,
            c.assetId,
            timed(c, "ParticipantRegistered"),
          ]),
          conflict,
        );
      } else {
        await sql.insert(
          em,
          "mirror_acknowledgements",
          ["tx_hash", "log_index", "block_number", "block_hash", "account", "version", "relayed_by"],
          rows.map((c) => [...base(c), c.account, Number(c.args.version), String(c.args.relayedBy)]),
          conflict,
        );
      }
    }
    newChanges.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    inserted += newChanges.length;
    // ERC-7943's Frozen is followed in the same transaction by FrozenUnitsOrdered, which says who ordered the
    // freeze and whether it was the authority: tokens.frozen carries both (a forced transfer's release has none).
    const orders = new Map<string, DecodedChange>();
    for (const c of newChanges)
      if (c.kind === "FrozenUnitsOrdered") orders.set(`${c.txHash}:${c.account}:${c.assetId}`, c);
    for (const c of newChanges) {
      if (c.blockNumber <= announcedBlock) continue;
      const at = { txHash: c.txHash, blockNumber: c.blockNumber, logIndex: c.logIndex };
      if (c.table === "permits")
        events.push({ type: "permit.changed", account: c.account, payload: { change: c.kind, ...c.args, ...at } });
      else if (c.kind === "ParticipantFrozen")
        events.push({
          type: "participant.frozen",
          account: c.account,
          counterparty: String(c.args.by),
          payload: { ...c.args, ...at },
        });
      else if (c.kind === "ParticipantUnfrozen")
        events.push({
          type: "participant.unfrozen",
          account: c.account,
          counterparty: String(c.args.by),
          payload: { ...c.args, ...at },
        });
      else if (c.kind === "Frozen") {
        const order = orders.get(`${c.txHash}:${c.account}:${c.assetId}`);
        const by = order
          ? { orderedBy: String(order.args.orderedBy), byAuthority: order.args.byAuthority === true }
          : {};
        events.push({
          type: "tokens.frozen",
          assetId: c.assetId,
          account: c.account,
          ...(order ? { counterparty: by.orderedBy } : {}),
          payload: { account: c.account, assetId: c.assetId, amount: c.args.amount, ...by, ...at },
        });
      }
    }
  }

  // --- the permit and asset type registers, the participant register
  await applyRegisters(em, newChanges);
  await applyParticipants(em, newChanges);

  // --- balances (and frozen units), assets
  await applyBalances(
    em,
    newRecords,
    newChanges.filter((c) => c.kind === "Frozen" && c.assetId && c.account),
    batch.to,
  );
  const touched = new Set<string>([
    ...newRecords.map((r) => r.assetId),
    ...newChanges.filter((c) => c.table === "changes" && c.assetId).map((c) => c.assetId!),
  ]);
  if (touched.size > 0)
    await applyAssets(
      em,
      [...touched],
      newRecords,
      newChanges.filter((c) => c.table === "changes"),
      batch.to,
    );

  // --- events, faults, block hashes, cursor
  if (events.length > 0) await appendEvents(em, events);
  const newFaults: DecodedFault[] = [];
  if (batch.faults.length > 0) {
    const existing = await existingKeys(em, "mirror_faults", batch.from, batch.to, false);
    newFaults.push(...batch.faults.filter((f) => !existing.has(key(f.txHash, f.logIndex))));
    skipped += batch.faults.length - newFaults.length;
    const at = new Date().toISOString();
    await sql.insert(
      em,
      "mirror_faults",
      FAULT_COLUMNS,
      newFaults.map((f) => [
        f.txHash,
        f.logIndex,
        f.blockNumber,
        f.blockHash,
        f.event,
        f.topic,
        f.kind,
        JSON.stringify({ message: f.detail, ...(f.texts.length ? { texts: f.texts } : {}) }),
        at,
      ]),
      "ON CONFLICT (tx_hash, log_index) DO NOTHING",
    );
  }
  // Before raising: an alert of a log this range no longer holds (orphaned) is resolved and its key freed.
  await resolveOrphanedEventFaultAlerts(em, batch.from, batch.to);
  for (const f of newFaults) await raiseEventFaultAlert(em, f);
  const blocks = new Map<number, string>();
  for (const r of batch.records) blocks.set(r.blockNumber, r.blockHash);
  for (const c of batch.changes) blocks.set(c.blockNumber, c.blockHash);
  for (const f of batch.faults) blocks.set(f.blockNumber, f.blockHash);
  blocks.set(batch.to, batch.toHash);
  await sql.insert(
    em,
    "mirror_blocks",
    ["number", "hash"],
    [...blocks].map(([n, h]) => [n, h]),
    sql.upsert(["number"], ["hash"]),
  );
  await em.query(`DELETE FROM mirror_blocks WHERE number < ${sql.p(1)}`, [batch.to - 20_000]);
  await writeCursor(em, batch.to, batch.toHash, Math.max(announcedBlock, batch.to));
  return { inserted, skipped, faults: newFaults };
}

/**
 * Adds the new records' movements to the stored balances and sets the units frozen from the range's `Frozen` events
 * (each carries the new total; the last one per holder and asset wins): one read and one upsert per range.
 */
async function applyBalances(
  em: EntityManager,
  records: DecodedRecord[],
  frozen: DecodedChange[],
  block: number,
): Promise<void> {
  if (records.length === 0 && frozen.length === 0) return;
  const sql = Sql.of(em);
  const deltas = new Map<string, Map<string, { delta: bigint; frozen?: string }>>();
  const entry = (assetId: string, holder: string) => {
    let m = deltas.get(assetId);
    if (!m) deltas.set(assetId, (m = new Map<string, { delta: bigint; frozen?: string }>()));
    let e = m.get(holder);
    if (!e) m.set(holder, (e = { delta: 0n }));
    return e;
  };
  for (const r of records) {
    if (r.from !== ZERO_ADDRESS) entry(r.assetId, r.from).delta -= r.amount;
    if (r.to !== ZERO_ADDRESS) entry(r.assetId, r.to).delta += r.amount;
  }
  // newChanges are in chain order: the last Frozen of a holder and asset is its amount now.
  for (const c of frozen) entry(c.assetId!, c.account!.toLowerCase()).frozen = String(c.args.amount ?? "0");
  const rows: unknown[][] = [];
  for (const [assetId, m] of deltas) {
    const holders = [...m.keys()];
    for (let i = 0; i < holders.length; i += 500) {
      const chunk = holders.slice(i, i + 500);
      const current: Array<{ holder: string; balance: string; frozen: string }> = await em.query(
        `SELECT holder, balance, frozen FROM mirror_balances WHERE asset_id = ${sql.p(1)} AND holder IN (${sql.params(chunk.length, 1)})`,
        [assetId, ...chunk],
      );
      const have = new Map(current.map((c) => [c.holder, c]));
      for (const h of chunk) {
        const e = m.get(h)!;
        const was = have.get(h);
        rows.push([
          assetId,
          h,
          (BigInt(was?.balance ?? "0") + e.delta).toString(),
          e.frozen ?? was?.frozen ?? "0",
          block,
        ]);
      }
    }
  }
  await sql.insert(
    em,
    "mirror_balances",
    BALANCE_COLUMNS,
    rows,
    sql.upsert(["asset_id", "holder"], ["balance", "frozen", "updated_block"]),
  );
}

const BALANCE_COLUMNS = ["asset_id", "holder", "balance", "frozen", "updated_block"];

interface AssetState {
  assetId: string;
  status: string;
  issuer: string | null;
  assetType: string | null;
  units: string | null;
  decisionHash: string | null;
  decisionUri: string | null;
  rightsType: string | null;
  rightsExtent: string | null;
  issuerDetailsHash: string | null;
  issuerDetails: string | null;
  supply: bigint;
  recordCount: number;
  issuedBlock: number | null;
  updatedBlock: number;
}

const ASSET_COLUMNS = [
  "asset_id",
  "status",
  "issuer",
  "asset_type",
  "units",
  "decision_hash",
  "decision_uri",
  "rights_type",
  "rights_extent",
  "issuer_details_hash",
  "issuer_details",
  "supply",
  "record_count",
  "issued_block",
  "updated_block",
];

function emptyAsset(assetId: string): AssetState {
  return {
    assetId,
    status: "Unknown",
    issuer: null,
    assetType: null,
    units: null,
    decisionHash: null,
    decisionUri: null,
    rightsType: null,
    rightsExtent: null,
    issuerDetailsHash: null,
    issuerDetails: null,
    supply: 0n,
    recordCount: 0,
    issuedBlock: null,
    updatedBlock: 0,
  };
}

/** Applies one asset lifecycle event to an asset's state. */
function foldChange(a: AssetState, kind: string, args: Record<string, unknown>, block: number): void {
  const s = (k: string) => {
    const v = args[k] as string | bigint | number | undefined; // decoded event arguments
    return v === undefined ? null : String(v);
  };
  switch (kind) {
    case "AssetIssued":
      a.status = "Active";
      a.issuer = s("owner");
      a.assetType = s("assetType");
      a.units = s("units");
      a.issuedBlock = block;
      break;
    case "IssuanceDecisionRecorded":
      a.decisionHash = s("documentHash");
      a.decisionUri = s("uri");
      a.rightsType = s("rightsType");
      a.rightsExtent = s("rightsExtent");
      break;
    case "IssuerDetailsRecorded":
      a.issuerDetailsHash = s("detailsHash");
      a.issuerDetails = JSON.stringify({
        legalName: s("legalName"),
        bin: s("bin"),
        registeredAddress: s("registeredAddress"),
      });
      break;
    case "DecisionDocumentChanged":
      a.decisionHash = s("newHash");
      a.decisionUri = s("newUri");
      break;
    case "AssetSuspended":
      a.status = "Suspended";
      break;
    case "AssetResumed":
      a.status = "Active";
      break;
    case "ObligationsFulfilled":
      a.status = "Closed";
      break;
    default:
      return;
  }
  a.updatedBlock = block;
}

function assetRow(a: AssetState): unknown[] {
  return [
    a.assetId,
    a.status,
    a.issuer,
    a.assetType,
    a.units,
    a.decisionHash,
    a.decisionUri,
    a.rightsType,
    a.rightsExtent,
    a.issuerDetailsHash,
    a.issuerDetails,
    a.supply.toString(),
    a.recordCount,
    a.issuedBlock,
    a.updatedBlock,
  ];
}

async function loadAssets(em: EntityManager, ids: string[]): Promise<Map<string, AssetState>> {
  const sql = Sql.of(em);
  const out = new Map<string, AssetState>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows: Array<Record<string, string | number | null>> = await em.query(
      `SELECT ${ASSET_COLUMNS.join(", ")} FROM mirror_assets WHERE asset_id IN (${sql.params(chunk.length)})`,
      chunk,
    );
    for (const r of rows) {
      out.set(String(r.asset_id), {
        assetId: String(r.asset_id),
        status: String(r.status),
        issuer: r.issuer as string | null,
        assetType: r.asset_type as string | null,
        units: r.units as string | null,
        decisionHash: r.decision_hash as string | null,
        decisionUri: r.decision_uri as string | null,
        rightsType: r.rights_type as string | null,
        rightsExtent: r.rights_extent as string | null,
        issuerDetailsHash: r.issuer_details_hash as string | null,
        issuerDetails: r.issuer_details as string | null,
        supply: BigInt(String(r.supply)),
        recordCount: Number(r.record_count),
        issuedBlock: r.issued_block === null ? null : Number(r.issued_block),
        updatedBlock: Number(r.updated_block),
      });
    }
  }
  return out;
}

async function applyAssets(
  em: EntityManager,
  ids: string[],
  records: DecodedRecord[],
  changes: DecodedChange[],
  block: number,
): Promise<void> {
  const sql = Sql.of(em);
  const assets = await loadAssets(em, ids);
  const get = (id: string) => {
    let a = assets.get(id);
    if (!a) assets.set(id, (a = emptyAsset(id)));
    return a;
  };
  for (const c of changes) if (c.assetId) foldChange(get(c.assetId), c.kind, c.args, c.blockNumber);
  for (const r of records) {
    const a = get(r.assetId);
    if (r.from === ZERO_ADDRESS) a.supply += r.amount;
    if (r.to === ZERO_ADDRESS) a.supply -= r.amount;
    if (r.sequence > a.recordCount) a.recordCount = r.sequence;
    a.updatedBlock = Math.max(a.updatedBlock, block);
  }
  await sql.insert(
    em,
    "mirror_assets",
    ASSET_COLUMNS,
    [...assets.values()].map(assetRow),
    sql.upsert(["asset_id"], ASSET_COLUMNS.slice(1)),
  );
}

type ChangeRow = {
  tx_hash: string;
  log_index: number | string;
  block_number: number | string;
  kind: string;
  payload: string;
};
const ASSET_TYPE_KINDS_SQL = ASSET_TYPE_EVENT_KINDS.map((k) => `'${k}'`).join(", ");
const atOf = (c: ChangeRow) => ({
  blockNumber: Number(c.block_number),
  txHash: c.tx_hash,
  logIndex: Number(c.log_index),
});

/**
 * Folds a range's new permit and asset type events (in chain order) onto the stored entries they are about: one
 * read and one upsert per register, in the range's transaction.
 */
async function applyRegisters(em: EntityManager, changes: DecodedChange[]): Promise<void> {
  const permitChanges = changes.filter((c) => c.table === "permits" && c.account);
  const typeChanges = changes.filter((c) => c.table === "changes" && assetTypeEventCode(c.kind, c.args) !== null);
  if (permitChanges.length === 0 && typeChanges.length === 0) return;
  const sql = Sql.of(em);
  const at = (c: DecodedChange) => ({ blockNumber: c.blockNumber, txHash: c.txHash, logIndex: c.logIndex });
  if (permitChanges.length > 0) {
    const operators = [...new Set(permitChanges.map((c) => c.account!.toLowerCase()))];
    const permits = new Map<string, PermitEntry | null>();
    for (let i = 0; i < operators.length; i += 500) {
      const chunk = operators.slice(i, i + 500);
      const rows: Array<Record<string, unknown>> = await em.query(
        `SELECT ${PERMIT_COLUMNS.join(", ")} FROM mirror_permits WHERE operator IN (${sql.params(chunk.length)})`,
        chunk,
      );
      for (const r of rows) permits.set(String(r.operator), permitFromRow(r));
    }
    for (const c of permitChanges) {
      const op = c.account!.toLowerCase();
      permits.set(op, foldPermit(permits.get(op) ?? null, op, c.kind, c.args, at(c)));
    }
    await upsertPermits(em, permits);
  }
  if (typeChanges.length > 0) {
    const codes = [...new Set(typeChanges.map((c) => assetTypeEventCode(c.kind, c.args)!))];
    const types = new Map<string, AssetTypeEntry | null>();
    for (let i = 0; i < codes.length; i += 500) {
      const chunk = codes.slice(i, i + 500);
      const rows: Array<Record<string, unknown>> = await em.query(
        `SELECT ${ASSET_TYPE_COLUMNS.join(", ")} FROM mirror_asset_types WHERE code IN (${sql.params(chunk.length)})`,
        chunk,
      );
      for (const r of rows) types.set(String(r.code), assetTypeFromRow(r));
    }
    for (const c of typeChanges) {
      const code = assetTypeEventCode(c.kind, c.args)!;
      types.set(code, foldAssetType(types.get(code) ?? null, c.kind, c.args, at(c)));
    }
    await upsertAssetTypes(em, types);
  }
}

async function upsertPermits(em: EntityManager, permits: Map<string, PermitEntry | null>): Promise<void> {
  const sql = Sql.of(em);
  const rows = [...permits.values()].flatMap((p) => (p ? [permitRow(p)] : []));
  await sql.insert(em, "mirror_permits", PERMIT_COLUMNS, rows, sql.upsert(["operator"], PERMIT_COLUMNS.slice(1)));
}

async function upsertAssetTypes(em: EntityManager, types: Map<string, AssetTypeEntry | null>): Promise<void> {
  const sql = Sql.of(em);
  const rows = [...types.values()].flatMap((t) => (t ? [assetTypeRow(t)] : []));
  await sql.insert(
    em,
    "mirror_asset_types",
    ASSET_TYPE_COLUMNS,
    rows,
    sql.upsert(["code"], ASSET_TYPE_COLUMNS.slice(1)),
  );
}

/** Operators and asset type codes with register events at or above a block (what a rollback from it changes). */
async function registersFrom(em: EntityManager, fromBlock: number): Promise<{ operators: string[]; codes: string[] }> {
  const sql = Sql.of(em);
  const ops: Array<{ operator: string }> = await em.query(
    `SELECT DISTINCT operator FROM mirror_permit_changes WHERE block_number >= ${sql.p(1)}`,
    [fromBlock],
  );
  const types: Array<{ kind: string; payload: string }> = await em.query(
    `SELECT kind, payload FROM mirror_changes WHERE block_number >= ${sql.p(1)} AND kind IN (${ASSET_TYPE_KINDS_SQL})`,
    [fromBlock],
  );
  return {
    operators: [...new Set(ops.map((o) => o.operator.toLowerCase()))],
    codes: [
      ...new Set(types.map((t) => assetTypeEventCode(t.kind, JSON.parse(t.payload) as Record<string, unknown>)!)),
    ],
  };
}

/**
 * Recomputes the given permits and asset types from the mirrored change rows that remain (after a reorganisation
 * or a re-sync deleted some): an entry none of whose events remain is deleted.
 */
export async function rebuildRegisters(em: EntityManager, operators: string[], codes: string[]): Promise<void> {
  const sql = Sql.of(em);
  for (const op of operators) {
    const rows: Array<ChangeRow> = await em.query(
      `SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_permit_changes WHERE operator = ${sql.p(1)} ORDER BY block_number, log_index`,
      [op],
    );
    let p: PermitEntry | null = null;
    for (const c of rows) p = foldPermit(p, op, c.kind, JSON.parse(c.payload) as Record<string, unknown>, atOf(c));
    await em.query(`DELETE FROM mirror_permits WHERE operator = ${sql.p(1)}`, [op]);
    if (p) await upsertPermits(em, new Map([[op, p]]));
  }
  if (codes.length === 0) return;
  // Asset type events are few (the authority's list): read them all rather than index the changes by code.
  const rows: Array<ChangeRow> = await em.query(
    `SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_changes WHERE kind IN (${ASSET_TYPE_KINDS_SQL}) ORDER BY block_number, log_index`,
  );
  const types = new Map<string, AssetTypeEntry | null>(codes.map((c) => [c, null]));
  for (const c of rows) {
    const args = JSON.parse(c.payload) as Record<string, unknown>;
    const code = assetTypeEventCode(c.kind, args);
    if (code && types.has(code)) types.set(code, foldAssetType(types.get(code)!, c.kind, args, atOf(c)));
  }
  for (const code of codes) await em.query(`DELETE FROM mirror_asset_types WHERE code = ${sql.p(1)}`, [code]);
  await upsertAssetTypes(em, types);
}

const ROLE_KINDS_SQL = "'RoleGranted', 'RoleRevoked'";
const PARTICIPANT_STATE_KINDS_SQL = PARTICIPANT_STATE_KINDS.map((k) => `'${k}'`).join(", ");
const eventOf = (c: ChangeRow, account: string | null): ParticipantEvent => ({
  ...atOf(c),
  kind: c.kind,
  args: JSON.parse(c.payload) as Record<string, unknown>,
  account,
});

/** Who held AUTHORITY when: the mirrored role changes (the authority's rare acts), read through the kind index. */
async function authorityHistory(em: EntityManager): Promise<AuthorityHistory> {
  const rows: ChangeRow[] = await em.query(
    `SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_changes WHERE kind IN (${ROLE_KINDS_SQL})`,
  );
  return new AuthorityHistory(rows.map((r) => eventOf(r, null)));
}

async function upsertParticipants(em: EntityManager, entries: Map<string, ParticipantEntry | null>): Promise<void> {
  const sql = Sql.of(em);
  const rows = [...entries.values()].flatMap((p) => (p ? [participantRow(p)] : []));
  await sql.insert(
    em,
    "mirror_participants",
    PARTICIPANT_COLUMNS,
    rows,
    sql.upsert(["account"], PARTICIPANT_COLUMNS.slice(1)),
  );
}

/**
 * Folds a range's new participant events (registrations, deregistrations, wallet kinds, freezes, acknowledgements,
 * migrations) onto the stored entries, in chain order: one read and one upsert, in the range's transaction.
 */
async function applyParticipants(em: EntityManager, changes: DecodedChange[]): Promise<void> {
  const events: ParticipantEvent[] = changes
    .filter((c) => (PARTICIPANT_EVENT_KINDS as readonly string[]).includes(c.kind))
    .map((c) => ({
      blockNumber: c.blockNumber,
      txHash: c.txHash,
      logIndex: c.logIndex,
      kind: c.kind,
      args: c.args,
      account: (c.account ?? String(c.args.account)).toLowerCase(),
    }));
  if (events.length === 0) return;
  const sql = Sql.of(em);
  const accounts = [...new Set(events.map((e) => e.account!))];
  const entries = new Map<string, ParticipantEntry | null>();
  for (let i = 0; i < accounts.length; i += 500) {
    const chunk = accounts.slice(i, i + 500);
    const rows: Array<Record<string, unknown>> = await em.query(
      `SELECT ${PARTICIPANT_COLUMNS.join(", ")} FROM mirror_participants WHERE account IN (${sql.params(chunk.length)})`,
      chunk,
    );
    for (const r of rows) entries.set(String(r.account), participantFromRow(r));
  }
  // The role changes of this range are already written: the history covers every freeze in it.
  const authority = events.some((e) => e.kind === "ParticipantFrozen")
    ? await authorityHistory(em)
    : new AuthorityHistory([]);
  await upsertParticipants(em, foldParticipants(entries, events, authority));
}

/** Participants with events at or above a block (what a rollback from it changes). */
async function participantsFrom(em: EntityManager, fromBlock: number): Promise<string[]> {
  const sql = Sql.of(em);
  const rows: Array<{ account: string }> = await em.query(
    `SELECT DISTINCT account FROM mirror_participant_changes WHERE block_number >= ${sql.p(1)} AND kind IN (${PARTICIPANT_STATE_KINDS_SQL}) UNION SELECT DISTINCT account FROM mirror_acknowledgements WHERE block_number >= ${sql.p(2)}`,
    [fromBlock, fromBlock],
  );
  const migrated: Array<{ payload: string }> = await em.query(
    `SELECT payload FROM mirror_changes WHERE kind = 'ParticipantMigrated' AND block_number >= ${sql.p(1)}`,
    [fromBlock],
  );
  return [
    ...new Set([
      ...rows.map((r) => r.account.toLowerCase()),
      ...migrated.map((r) => String((JSON.parse(r.payload) as { account?: string }).account ?? "").toLowerCase()),
    ]),
  ].filter((a) => a !== "");
}

/**
 * Recomputes the given participants from the mirrored rows that remain (after a reorganisation or a re-sync deleted
 * some): their own events through the account indexes; an entry none of whose events remain is deleted.
 */
export async function rebuildParticipants(em: EntityManager, accounts: string[]): Promise<void> {
  if (accounts.length === 0) return;
  const sql = Sql.of(em);
  const authority = await authorityHistory(em);
  const migrations: ChangeRow[] = await em.query(
    "SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_changes WHERE kind = 'ParticipantMigrated'",
  );
  for (const account of accounts) {
    const own: ChangeRow[] = await em.query(
      `SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_participant_changes WHERE account = ${sql.p(1)} AND kind IN (${PARTICIPANT_STATE_KINDS_SQL})`,
      [account],
    );
    const acks: Array<{ tx_hash: string; log_index: number | string; block_number: number | string; version: number }> =
      await em.query(
        `SELECT tx_hash, log_index, block_number, version FROM mirror_acknowledgements WHERE account = ${sql.p(1)}`,
        [account],
      );
    const events: ParticipantEvent[] = [
      ...own.map((c) => eventOf(c, account)),
      ...acks.map((k) => ({
        blockNumber: Number(k.block_number),
        txHash: k.tx_hash,
        logIndex: Number(k.log_index),
        kind: "DisclosureAcknowledged",
        args: { account, version: String(k.version) },
        account,
      })),
      ...migrations
        .map((c) => eventOf(c, null))
        .filter((e) => typeof e.args.account === "string" && e.args.account.toLowerCase() === account)
        .map((e) => ({ ...e, account })),
    ];
    const entries = foldParticipants(new Map([[account, null]]), events, authority);
    await em.query(`DELETE FROM mirror_participants WHERE account = ${sql.p(1)}`, [account]);
    await upsertParticipants(em, entries);
  }
}

/** Asset ids with rows at or above a block. */
async function assetsFrom(em: EntityManager, fromBlock: number): Promise<string[]> {
  const sql = Sql.of(em);
  const rows: Array<{ asset_id: string }> = await em.query(
    `SELECT DISTINCT asset_id FROM mirror_records WHERE block_number >= ${sql.p(1)} UNION SELECT DISTINCT asset_id FROM mirror_changes WHERE block_number >= ${sql.p(2)} AND asset_id IS NOT NULL UNION SELECT DISTINCT asset_id FROM mirror_participant_changes WHERE block_number >= ${sql.p(3)} AND kind = 'Frozen' AND asset_id IS NOT NULL`,
    [fromBlock, fromBlock, fromBlock],
  );
  return rows.map((r) => r.asset_id);
}

/**
 * Deletes every mirrored row from `fromBlock` on (orphaned blocks, or a range to re-sync), recomputes the
 * balances and assets they touched from the rows that remain, and moves the cursor back to `fromBlock - 1`.
 * Returns the number of records deleted and the assets recomputed.
 */
export async function rollbackFrom(
  em: EntityManager,
  fromBlock: number,
  cursorHash: string,
  announcedBlock: number,
): Promise<{ records: number; assets: string[] }> {
  const sql = Sql.of(em);
  const assets = await assetsFrom(em, fromBlock);
  const registers = await registersFrom(em, fromBlock);
  const participants = await participantsFrom(em, fromBlock);
  const [{ n }]: Array<{ n: string | number }> = await em.query(
    `SELECT COUNT(*) AS n FROM mirror_records WHERE block_number >= ${sql.p(1)}`,
    [fromBlock],
  );
  for (const t of MIRROR_BLOCK_TABLES)
    await em.query(`DELETE FROM ${t} WHERE block_number >= ${sql.p(1)}`, [fromBlock]);
  await em.query(`DELETE FROM mirror_blocks WHERE number >= ${sql.p(1)}`, [fromBlock]);
  await rebuildAssets(em, assets);
  await rebuildRegisters(em, registers.operators, registers.codes);
  await rebuildParticipants(em, participants);
  await writeCursor(em, fromBlock - 1, cursorHash, announcedBlock);
  return { records: Number(n), assets };
}

/**
 * Deletes an asset's mirrored records from `sequence` on, wherever they claim to be on chain, and recomputes the
 * asset from the rest: a repair re-syncs from the block of the last good record, and a row whose block number was
 * forged below that block would otherwise survive the re-sync (its key is taken, so the chain's row is not written).
 */
export async function discardRecordsFrom(em: EntityManager, assetId: string, sequence: number): Promise<number> {
  const sql = Sql.of(em);
  const [{ n }]: Array<{ n: string | number }> = await em.query(
    `SELECT COUNT(*) AS n FROM mirror_records WHERE asset_id = ${sql.p(1)} AND sequence >= ${sql.p(2)}`,
    [assetId, sequence],
  );
  await em.query(`DELETE FROM mirror_records WHERE asset_id = ${sql.p(1)} AND sequence >= ${sql.p(2)}`, [
    assetId,
    sequence,
  ]);
  await rebuildAssets(em, [assetId]);
  return Number(n);
}

/** Recomputes balances, supply, record count and lifecycle of the given assets from the mirrored rows. */
export async function rebuildAssets(em: EntityManager, ids: string[]): Promise<void> {
  const sql = Sql.of(em);
  for (const assetId of ids) {
    const balances = new Map<string, bigint>();
    const a = emptyAsset(assetId);
    let after: [number, number] = [-1, -1];
    for (;;) {
      const page: Array<{
        block_number: number;
        log_index: number;
        sequence: number;
        from_address: string;
        to_address: string;
        amount: string;
      }> = await em.query(
        `SELECT block_number, log_index, sequence, from_address, to_address, amount FROM mirror_records WHERE asset_id = ${sql.p(1)} AND (block_number > ${sql.p(2)} OR (block_number = ${sql.p(3)} AND log_index > ${sql.p(4)})) ORDER BY block_number, log_index LIMIT 10000`,
        [assetId, after[0], after[0], after[1]],
      );
      for (const r of page) {
        const amount = BigInt(r.amount);
        if (r.from_address === ZERO_ADDRESS) a.supply += amount;
        else balances.set(r.from_address, (balances.get(r.from_address) ?? 0n) - amount);
        if (r.to_address === ZERO_ADDRESS) a.supply -= amount;
        else balances.set(r.to_address, (balances.get(r.to_address) ?? 0n) + amount);
        a.recordCount = Math.max(a.recordCount, Number(r.sequence));
        a.updatedBlock = Math.max(a.updatedBlock, Number(r.block_number));
      }
      if (page.length < 10000) break;
      const lastRow = page[page.length - 1];
      after = [Number(lastRow.block_number), Number(lastRow.log_index)];
    }
    const changes: Array<{ kind: string; payload: string; block_number: number }> = await em.query(
      `SELECT kind, payload, block_number FROM mirror_changes WHERE asset_id = ${sql.p(1)} ORDER BY block_number, log_index`,
      [assetId],
    );
    for (const c of changes)
      foldChange(a, c.kind, JSON.parse(c.payload) as Record<string, unknown>, Number(c.block_number));
    const freezes: Array<{ account: string; payload: string }> = await em.query(
      `SELECT account, payload FROM mirror_participant_changes WHERE asset_id = ${sql.p(1)} AND kind = 'Frozen' ORDER BY block_number, log_index`,
      [assetId],
    );
    const frozen = new Map<string, string>();
    for (const f of freezes)
      frozen.set(f.account.toLowerCase(), String((JSON.parse(f.payload) as { amount?: string }).amount ?? "0"));
    await em.query(`DELETE FROM mirror_balances WHERE asset_id = ${sql.p(1)}`, [assetId]);
    const holders = new Set([...balances.keys(), ...frozen.keys()]);
    await sql.insert(
      em,
      "mirror_balances",
      BALANCE_COLUMNS,
      [...holders].map((h) => [assetId, h, (balances.get(h) ?? 0n).toString(), frozen.get(h) ?? "0", a.updatedBlock]),
    );
    if (a.recordCount === 0 && changes.length === 0)
      await em.query(`DELETE FROM mirror_assets WHERE asset_id = ${sql.p(1)}`, [assetId]);
    else
      await sql.insert(
        em,
        "mirror_assets",
        ASSET_COLUMNS,
        [assetRow(a)],
        sql.upsert(["asset_id"], ASSET_COLUMNS.slice(1)),
      );
  }
}
