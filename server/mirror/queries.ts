import { getAddress, JsonRpcApiProvider, toBeHex } from "ethers";
import type { Writable } from "node:stream";
import { once } from "node:events";
import type { Database } from "../persistence/data-source";
import type { SecuredAssetLedger } from "../../typechain-types";
import type { Deployment } from "../chain/deployment";
import { AppError } from "../errors";
import { GENESIS_RECORD_HASH, RecordChainHasher, recordHash } from "../chain/records";
import type { ChainVerdict } from "../chain/records";
import { readCursor } from "./store";
import type { MirrorFaultKind } from "./entities";
import { LogDecoder, ZERO_ADDRESS } from "../chain/decode";
import type { DecodedRecord, RawLog } from "../chain/decode";
import { Sql } from "../persistence/sql";
import { keysetSql, pageOf } from "../persistence/keyset";
import type { KeyValue, KeysetPage } from "../persistence/keyset";
import { assetTypeOf, assetTypePage, permitOf, permitPage } from "./register-queries";
import { assetOf } from "./asset-queries";
import { participantStatusOf } from "./participant-queries";
import { mirroredRoles } from "./role-queries";
import type { MirroredRoles } from "./role-queries";
import type { MirroredParticipantStatus } from "./participant-queries";
import type { MirroredAssetView } from "./asset-queries";
import type { MirroredAssetTypeView, MirroredPermitView } from "./register-queries";

/** A mirrored record as the API shows it: the record, the moment rights arose, and its proof. */
export interface RecordView {
  assetId: string;
  sequence: string;
  from: string;
  to: string;
  amount: string;
  ref: string;
  /** Block time of the posting, ISO 8601 UTC (the block is proof.blockNumber). */
  postedAt: string;
  /** The same block time: the moment rights arose (Art. 6.6). */
  rightsArisenAt: string;
  proof: {
    txHash: string;
    blockNumber: number;
    blockHash: string;
    logIndex: number;
    recordHash: string;
    previousHash: string;
  };
}

export interface RecordFilter {
  assetId?: string;
  /** Sender or recipient. */
  participant?: string;
  /** Posting time range (unix seconds, inclusive from, exclusive to). */
  from?: number;
  to?: number;
}

interface RecordRow {
  tx_hash: string;
  log_index: number;
  block_number: number;
  block_hash: string;
  asset_id: string;
  sequence: number;
  from_address: string;
  to_address: string;
  amount: string;
  ref: string;
  posted_at: number | string;
  record_hash: string;
  previous_hash: string;
}

/** The columns the hash-chain check reads. */
interface HashRow {
  sequence: number;
  block_number: number;
  from_address: string;
  to_address: string;
  amount: string;
  ref: string;
  posted_at: number | string;
  record_hash: string;
  previous_hash: string;
}

/** Rows per page of the hash-chain check: few round trips, a page's rows a few megabytes. */
const HASH_PAGE = 20_000;

const COLUMNS =
  "tx_hash, log_index, block_number, block_hash, asset_id, sequence, from_address, to_address, amount, ref, posted_at, record_hash, previous_hash";

/** Blocks per eth_getLogs call when comparing with the chain's events (Besu refuses more than 5,000 by default). */
const LOG_CHUNK_BLOCKS = 2_000;

/** Whether a mirrored row holds the chain event's contents (what the record hash covers). */
function sameContents(r: RecordRow, e: DecodedRecord): boolean {
  return (
    r.from_address.toLowerCase() === e.from.toLowerCase() &&
    r.to_address.toLowerCase() === e.to.toLowerCase() &&
    r.amount === e.amount.toString() &&
    r.ref.toLowerCase() === e.ref.toLowerCase() &&
    Number(r.posted_at) === e.postedAt
  );
}

/** Whether a mirrored row is where the chain has the event: its proof, which the record hash does not cover. */
function sameProof(r: RecordRow, e: DecodedRecord): boolean {
  return (
    r.tx_hash.toLowerCase() === e.txHash.toLowerCase() &&
    Number(r.log_index) === e.logIndex &&
    Number(r.block_number) === e.blockNumber &&
    r.block_hash.toLowerCase() === e.blockHash.toLowerCase()
  );
}

/** Whether a mirrored row is the chain's event, sequence aside: same place on chain, same contents. */
function sameEvent(r: RecordRow, e: DecodedRecord): boolean {
  return sameContents(r, e) && sameProof(r, e);
}

/** Verification of one asset at the mirror's cursor block. */
export type MirrorVerdict =
  | { verified: true; count: bigint; head: string; block: number }
  | {
      verified: false;
      firstDivergentSequence: bigint;
      reason: string;
      block: number;
      /**
       * What differs: the records (repaired by a re-sync from the last good one), or only what the mirror derives
       * from verified records, balances and supply (repaired by rebuilding the asset from them). For a balance, the
       * sequence is the holder's last record (the asset's last when the records never name the holder).
       */
      scope: "records" | "derived";
      /** The holder whose balance differs. */
      holder?: string;
    };

/** What the verified records add up to: each holder's balance (and last record naming it), the supply, the count. */
class RecordTotals {
  readonly balances = new Map<string, { balance: bigint; sequence: number }>();
  supply = 0n;
  count = 0;

  add(r: DecodedRecord): void {
    if (r.from === ZERO_ADDRESS) this.supply += r.amount;
    else this.move(r.from, -r.amount, r.sequence);
    if (r.to === ZERO_ADDRESS) this.supply -= r.amount;
    else this.move(r.to, r.amount, r.sequence);
    this.count = r.sequence;
  }

  private move(holder: string, amount: bigint, sequence: number): void {
    const b = this.balances.get(holder);
    this.balances.set(holder, { balance: (b?.balance ?? 0n) + amount, sequence });
  }
}

/** A stored amount as a number, or null when it is not one (a forger may write anything). */
function amountOf(v: string | null | undefined): bigint | null {
  if (v === null || v === undefined || !/^-?\d+$/.test(v)) return null;
  return BigInt(v);
}

/** Items of a paged async source, one at a time, with a look at the next few. */
class Lookahead<T> {
  private buffer: T[] = [];
  private position = 0;
  private done = false;

  constructor(private readonly pages: AsyncGenerator<T[]>) {}

  /** The item `k` places ahead, or undefined past the end. */
  async at(k: number): Promise<T | undefined> {
    while (this.buffer.length - this.position <= k && !this.done) {
      const next = await this.pages.next();
      if (next.done) this.done = true;
      else {
        this.buffer = this.buffer.slice(this.position).concat(next.value);
        this.position = 0;
      }
    }
    return this.buffer[this.position + k];
  }

  shift(): void {
    this.position++;
  }

  async close(): Promise<void> {
    await this.pages.return(undefined);
  }
}

/** Checksummed addresses, cached: an export repeats the same holders many times. */
const checksums = new Map<string, string>();
function checksum(a: string): string {
  let c = checksums.get(a);
  if (c === undefined) {
    c = getAddress(a);
    if (checksums.size > 50_000) checksums.clear();
    checksums.set(a, c);
  }
  return c;
}

function view(r: RecordRow): RecordView {
  const postedAt = new Date(Number(r.posted_at) * 1000).toISOString();
  return {
    assetId: r.asset_id,
    sequence: String(r.sequence),
    from: checksum(r.from_address),
    to: checksum(r.to_address),
    amount: r.amount,
    ref: r.ref,
    postedAt,
    rightsArisenAt: postedAt,
    proof: {
      txHash: r.tx_hash,
      blockNumber: Number(r.block_number),
      blockHash: r.block_hash,
      logIndex: Number(r.log_index),
      recordHash: r.record_hash,
      previousHash: r.previous_hash,
    },
  };
}

/** Opaque cursor: the chain position (block, log index) of the last record of a page. */
export const CSV_HEADER =
  "asset_id,sequence,from,to,amount,ref,posted_at,rights_arisen_at,tx_hash,block_number,block_hash,log_index,record_hash,previous_hash\n";
export function csvLine(v: RecordView): string {
  const p = v.proof;
  return `${v.assetId},${v.sequence},${v.from},${v.to},${v.amount},${v.ref},${v.postedAt},${v.rightsArisenAt},${p.txHash},${p.blockNumber},${p.blockHash},${p.logIndex},${p.recordHash},${p.previousHash}\n`;
}

/** One record of an asset's page (GET /v1/assets/{id}/records), as mirrored. */
export interface AssetRecordView {
  sequence: string;
  from: string;
  to: string;
  amount: string;
  ref: string;
  postedAt: string;
  recordHash: string;
  blockNumber: number;
  txHash: string;
  kind: "issue" | "transfer" | "redemption";
}

/** A holder's balance in an asset, and the units frozen (ERC-7943), as mirrored. */
export interface BalanceView {
  assetId: string;
  holder: string;
  balance: string;
  frozen: string;
}

/**
 * The asset's record chain as the mirror holds it: count and head (the last record's hash), and whether that head
 * links to its predecessor (an O(1) check of the tail; the full proof against the ledger is `verify`).
 */
export interface ChainSummary {
  verified: boolean;
  count: string;
  head: string;
}

/** A ledger log the mirror could not read as declared (see MirrorFault). */
export interface FaultView {
  blockNumber: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
  event: string | null;
  topic: string | null;
  kind: MirrorFaultKind;
  /** message; for ill-formed text each argument's exact bytes (hex) and readable form. */
  detail: { message: string; texts?: { arg: string; hex: string; text: string }[] };
  createdAt: string;
}

interface FaultRow {
  tx_hash: string;
  log_index: number;
  block_number: number;
  block_hash: string;
  event: string | null;
  topic: string | null;
  kind: MirrorFaultKind;
  detail: string;
  created_at: string;
}

function balanceView(r: { asset_id: string; holder: string; balance: string; frozen: string }): BalanceView {
  return { assetId: r.asset_id, holder: checksum(r.holder), balance: r.balance, frozen: r.frozen };
}

/** Reads the mirror: record pages in chain order, streamed exports, and the proof of completeness per asset. */
export class MirrorQueries {
  private decoder: LogDecoder | undefined;

  constructor(
    private readonly db: Database,
    private readonly ledger: SecuredAssetLedger,
    private readonly deployment: Deployment,
  ) {}

  /**
   * The WHERE clause of a record filter. `first` are conditions already written with their placeholders (numbered
   * from `offset + 1`), whose values are `firstParams`; the filter's own come after.
   */
  private where(
    f: RecordFilter,
    after: [number, number] | null,
    sql: Sql,
    first: string[] = [],
    firstParams: unknown[] = [],
    offset = 0,
  ): { clause: string; params: unknown[] } {
    const parts: string[] = [...first];
    const params: unknown[] = [...firstParams];
    const p = (v: unknown) => {
      params.push(v);
      return sql.p(offset + params.length);
    };
    if (f.assetId !== undefined) parts.push(`asset_id = ${p(f.assetId)}`);
    if (f.participant !== undefined) {
      const a = f.participant.toLowerCase();
      parts.push(`(from_address = ${p(a)} OR to_address = ${p(a)})`);
    }
    if (f.from !== undefined) parts.push(`posted_at >= ${p(f.from)}`);
    if (f.to !== undefined) parts.push(`posted_at < ${p(f.to)}`);
    if (after) parts.push(keysetSql(["block_number", "log_index"], "ASC", after, p));
    return { clause: parts.length ? `WHERE ${parts.join(" AND ")}` : "", params };
  }

  private async page(f: RecordFilter, after: [number, number] | null, limit: number): Promise<RecordRow[]> {
    const sql = Sql.of(this.db.manager);
    const n = Math.floor(limit);
    if (f.participant !== undefined) {
      // Sent or received: each side read in chain order from its own index (from_address or to_address, then block
      // and log index), at most a page each, then merged. An OR over both would collect and sort every record of the
      // participant, whose cost grows with its history.
      const a = f.participant.toLowerCase();
      const rest = { ...f, participant: undefined };
      const sent = this.where(rest, after, sql, [`from_address = ${sql.p(1)}`], [a]);
      const received = this.where(
        rest,
        after,
        sql,
        [`to_address = ${sql.p(sent.params.length + 1)}`, `from_address <> ${sql.p(sent.params.length + 2)}`],
        [a, a],
        sent.params.length,
      );
      const side = (w: { clause: string }) =>
        `SELECT * FROM (SELECT ${COLUMNS} FROM mirror_records ${w.clause} ORDER BY block_number, log_index LIMIT ${n})`;
      return this.db.manager.query(
        `SELECT * FROM (${side(sent)} s UNION ALL ${side(received)} r) u ORDER BY block_number, log_index LIMIT ${n}`,
        [...sent.params, ...received.params],
      );
    }
    const { clause, params } = this.where(f, after, sql);
    return this.db.manager.query(
      `SELECT ${COLUMNS} FROM mirror_records ${clause} ORDER BY block_number, log_index LIMIT ${n}`,
      params,
    );
  }

  /** One page of records in chain order (keyset on block number, log index), with the last key when more follow. */
  async list(f: RecordFilter, after: KeyValue[] | null, limit: number): Promise<KeysetPage<RecordView>> {
    const rows = await this.page(f, after as [number, number] | null, limit + 1);
    return pageOf(rows, limit, (r) => [Number(r.block_number), Number(r.log_index)], view);
  }

  /** Async iteration over all matching records, page by page (keyset), never holding more than a page. */
  async *iterate(f: RecordFilter, pageSize = 2_000): AsyncGenerator<RecordView[]> {
    let after: [number, number] | null = null;
    for (;;) {
      const rows = await this.page(f, after, pageSize);
      if (rows.length === 0) return;
      yield rows.map(view);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1];
      after = [Number(last.block_number), Number(last.log_index)];
    }
  }

  /** Streams an export to `out` (CSV or a JSON array), honouring backpressure; stops if the client goes away. */
  async export(f: RecordFilter, format: "csv" | "json", out: Writable): Promise<number> {
    let n = 0;
    const write = async (s: string) => {
      if (!out.write(s)) await Promise.race([once(out, "drain"), once(out, "close")]);
    };
    if (format === "csv") await write(CSV_HEADER);
    else await write("[");
    for await (const page of this.iterate(f)) {
      if (out.destroyed || (out as Writable & { writableEnded: boolean }).writableEnded) return n;
      let chunk = "";
      for (const v of page) {
        chunk += format === "csv" ? csvLine(v) : (n === 0 ? "\n" : ",\n") + JSON.stringify(v);
        n++;
      }
      await write(chunk);
    }
    if (format === "json") await write("\n]\n");
    return n;
  }

  /**
   * Proof of completeness of one asset at the mirror's cursor block: "verified" means the mirror is the chain's.
   * 1. The cheap check, first: the mirrored records' hash chain (recomputed, page by page in sequence order)
   *    against the ledger's record head and count. It fails fast on a careless edit, but the record hash covers
   *    neither where a record is on chain (its proof: tx hash, log index, block number and hash) nor what the mirror
   *    derives from the records, and someone who rewrites records and recomputes the stored hashes after them leaves
   *    a consistent chain whose head alone disagrees, which does not say where the rewrite starts.
   * 2. Always: the mirrored records compared one by one, proof included, with the chain's RecordPosted events
   *    (streamed, eth_getLogs by asset topic in chunks), which locates the first record that differs.
   * 3. When both hold: the asset's mirrored balances and its supply and record count against what those verified
   *    records add up to (no chain reads, except for a balance the indexer updated during the verification).
   */
  async verify(assetId: string): Promise<MirrorVerdict> {
    const cursor = await readCursor(this.db.manager);
    const block = cursor ? cursor.blockNumber : this.deployment.deployBlock;
    const info = await this.ledger.assetInfo(assetId, { blockTag: block });
    if (Number(info.status) === 0) throw new AppError("ASSET_NOT_FOUND", { assetId, block });
    // The node answers the first eth_getLogs while the hash chain is checked.
    const chain = new Lookahead(this.chainRecords(assetId, block));
    const prefetch = chain.at(0);
    prefetch.catch(() => undefined); // awaited below, unless the hash check throws first
    let hashes: ChainVerdict;
    let events: { sequence: bigint; reason: string } | null;
    let totals: RecordTotals | null;
    try {
      hashes = await this.checkHashes(assetId, block, BigInt(info.recordCount), String(info.recordHead).toLowerCase());
      await prefetch;
      totals = hashes.verified ? new RecordTotals() : null;
      events = await this.compareWithEvents(assetId, block, totals, chain);
    } finally {
      await chain.close();
    }
    if (hashes.verified) {
      if (events)
        return {
          verified: false,
          firstDivergentSequence: events.sequence,
          reason: events.reason,
          block,
          scope: "records",
        };
      const stray = await this.recordBeyondCursor(assetId, block);
      if (stray !== null)
        return {
          verified: false,
          firstDivergentSequence: BigInt(stray),
          reason: "record not on chain",
          block,
          scope: "records",
        };
      const derived = await this.checkDerived(assetId, block, totals!);
      if (derived) return { verified: false, ...derived, block, scope: "derived" };
      return { ...hashes, block };
    }
    // The earlier finding wins. The events see a rewrite with recomputed hashes; the hashes see a stored hash
    // edited alone (contents still the chain's). On the same record the hash check's reason is kept ("record
    // altered", "record missing"...), unless all it says is that the head differs.
    if (
      events &&
      (events.sequence < hashes.firstDivergentSequence ||
        (events.sequence === hashes.firstDivergentSequence && hashes.reason === "head differs"))
    ) {
      return {
        verified: false,
        firstDivergentSequence: events.sequence,
        reason: events.reason,
        block,
        scope: "records",
      };
    }
    return { ...hashes, block, scope: "records" };
  }

  /** The mirror's cursor block now (the indexer goes on while a verification runs). */
  private async cursorBlock(fallback: number): Promise<number> {
    return (await readCursor(this.db.manager))?.blockNumber ?? fallback;
  }

  /**
   * The sequence of a record of the asset placed beyond the mirror's cursor, or null. The checks read up to
   * `block`, while the API serves every row: a row claiming a block the mirror has not reached is not the chain's
   * (the indexer writes rows and cursor together). Rows first, then the cursor, so that one written meanwhile is not
   * taken for a stray.
   */
  private async recordBeyondCursor(assetId: string, block: number): Promise<number | null> {
    const sql = Sql.of(this.db.manager);
    const rows: Array<{ sequence: number; block_number: number }> = await this.db.manager.query(
      `SELECT sequence, block_number FROM mirror_records WHERE asset_id = ${sql.p(1)} AND block_number > ${sql.p(2)} ORDER BY block_number DESC LIMIT 1`,
      [assetId, block],
    );
    if (rows.length === 0 || Number(rows[0].block_number) <= (await this.cursorBlock(block))) return null;
    return Number(rows[0].sequence);
  }

  /**
   * The asset's mirrored balances, supply and record count against what its verified records (up to `block`) add
   * up to. A balance row the indexer wrote after `block` (it went on during the verification) is checked against
   * the ledger's balance at the block it was written for, which must not be beyond the mirror's cursor.
   */
  private async checkDerived(
    assetId: string,
    block: number,
    totals: RecordTotals,
  ): Promise<{ firstDivergentSequence: bigint; reason: string; holder?: string } | null> {
    const sql = Sql.of(this.db.manager);
    const last = BigInt(totals.count);
    const balanceDiffers = (holder: string, sequence?: number) => ({
      firstDivergentSequence: sequence === undefined ? last : BigInt(sequence),
      reason: "balance differs from the records",
      holder,
    });
    const later: Array<{ holder: string; balance: bigint; block: number; sequence?: number }> = [];
    let after = "";
    for (;;) {
      const rows: Array<{ holder: string; balance: string; updated_block: number | string }> =
        await this.db.manager.query(
          `SELECT holder, balance, updated_block FROM mirror_balances WHERE asset_id = ${sql.p(1)} AND holder > ${sql.p(2)} ORDER BY holder LIMIT 5000`,
          [assetId, after],
        );
      for (const r of rows) {
        const expected = totals.balances.get(r.holder);
        totals.balances.delete(r.holder); // what is left at the end has no row
        const balance = amountOf(r.balance);
        if (balance === null) return balanceDiffers(r.holder, expected?.sequence);
        if (Number(r.updated_block) > block)
          later.push({ holder: r.holder, balance, block: Number(r.updated_block), sequence: expected?.sequence });
        else if (balance !== (expected?.balance ?? 0n)) return balanceDiffers(r.holder, expected?.sequence);
      }
      if (rows.length < 5000) break;
      after = rows[rows.length - 1].holder;
    }
    for (const [holder, b] of totals.balances) if (b.balance !== 0n) return balanceDiffers(holder, b.sequence);

    const asset: Array<{ supply: string; record_count: number | string; updated_block: number | string }> =
      await this.db.manager.query(
        `SELECT supply, record_count, updated_block FROM mirror_assets WHERE asset_id = ${sql.p(1)}`,
        [assetId],
      );
    // Rows written after `block` are as the ledger had them at their block, which the cursor has reached by now.
    let now: number | undefined;
    const cursorNow = async () => (now ??= await this.cursorBlock(block));
    for (const l of later) {
      if (
        l.block > (await cursorNow()) ||
        l.balance !== (await this.ledger.balanceOf(l.holder, assetId, { blockTag: l.block }))
      )
        return balanceDiffers(l.holder, l.sequence);
    }
    if (asset.length === 0) return { firstDivergentSequence: last, reason: "asset missing from the mirror" };
    const a = asset[0];
    let [supply, count] = [totals.supply, BigInt(totals.count)];
    const updated = Number(a.updated_block);
    if (updated > block) {
      if (updated > (await cursorNow()))
        return { firstDivergentSequence: last, reason: "supply differs from the records" };
      const then = await this.ledger.assetInfo(assetId, { blockTag: updated });
      [supply, count] = [BigInt(then.supply), BigInt(then.recordCount)];
    }
    if (amountOf(a.supply) !== supply)
      return { firstDivergentSequence: last, reason: "supply differs from the records" };
    if (BigInt(Number(a.record_count)) !== count)
      return { firstDivergentSequence: last, reason: "record count differs from the records" };
    return null;
  }

  /**
   * The first stage of `verify` on its own: the asset's mirrored hash chain up to `block` recomputed record by record
   * and compared with a head and count (the ledger's, or a benchmark's). Reads every record of the asset once.
   */
  verifyHashChain(assetId: string, block: number, count: bigint, head: string): Promise<ChainVerdict> {
    return this.checkHashes(assetId, block, count, head.toLowerCase());
  }

  /** The cheap check: the mirrored rows' hash chain (recomputed, and as stored) against the ledger's head and count. */
  private async checkHashes(
    assetId: string,
    block: number,
    onChainCount: bigint,
    onChainHead: string,
  ): Promise<ChainVerdict> {
    const sql = Sql.of(this.db.manager);
    // An id that is no uint256 encodes no record: its first record, if it has any, is one that does not encode.
    let assetNumber: bigint | null;
    try {
      assetNumber = BigInt(assetId);
    } catch {
      assetNumber = null;
    }
    if (assetNumber !== null && (assetNumber < 0n || assetNumber >= 1n << 256n)) assetNumber = null;
    const chain = new RecordChainHasher(assetNumber ?? 0n);
    let expected = 1;
    let afterSeq = 0;
    const diverge = (seq: number, reason: string) => ({
      verified: false as const,
      firstDivergentSequence: BigInt(seq),
      reason,
    });
    for (;;) {
      // Only the columns the hash and its checks read, in large keyset pages: no entity, no unused column per row.
      const rows: HashRow[] = await this.db.manager.query(
        // Rows beyond `block` are passed over here rather than in SQL, so the planner walks (asset_id, sequence).
        `SELECT sequence, block_number, from_address, to_address, amount, ref, posted_at, record_hash, previous_hash FROM mirror_records WHERE asset_id = ${sql.p(1)} AND sequence > ${sql.p(2)} ORDER BY sequence, block_number LIMIT ${HASH_PAGE}`,
        [assetId, afterSeq],
      );
      for (const r of rows) {
        if (Number(r.block_number) > block) continue;
        const seq = Number(r.sequence);
        if (seq < expected) return diverge(seq, "record duplicated");
        if (seq > expected) return diverge(expected, "record missing");
        if (assetNumber === null || !chain.isPrevious(r.previous_hash)) return diverge(seq, "record altered");
        let amount: bigint;
        let postedAt: number;
        try {
          amount = BigInt(r.amount);
          postedAt = typeof r.posted_at === "number" ? r.posted_at : Number(BigInt(r.posted_at));
        } catch {
          return diverge(seq, "record altered"); // not even a well-formed record (an amount or time that does not encode)
        }
        if (!chain.next(seq, r.from_address, r.to_address, amount, r.ref, postedAt)) {
          // A field the fast path does not encode (a checksummed address, a large amount): the general encoder.
          try {
            const h = recordHash(chain.head(), {
              assetId: assetNumber,
              sequence: BigInt(seq),
              from: r.from_address,
              to: r.to_address,
              amount,
              ref: r.ref,
              postedAt: BigInt(r.posted_at),
            });
            chain.setPrevious(h);
          } catch {
            return diverge(seq, "record altered"); // not even a well-formed record (an address or amount that does not encode)
          }
        }
        if (!chain.isPrevious(r.record_hash)) return diverge(seq, "record altered");
        expected++;
      }
      if (rows.length < HASH_PAGE) break;
      afterSeq = Number(rows[rows.length - 1].sequence);
    }
    const head = chain.head();
    const count = BigInt(expected - 1);
    if (count < onChainCount) return diverge(expected, "records missing at the end");
    if (count > onChainCount) return diverge(Number(onChainCount) + 1, "records not on chain");
    if (head !== onChainHead) return diverge(Math.max(expected - 1, 1), "head differs");
    return { verified: true, count, head };
  }

  /**
   * Walks the mirrored records (sequence order) alongside the chain's RecordPosted events of the asset up to
   * `block` (`chain`: eth_getLogs by asset topic, in chunks, the next chunk fetched while one is compared; the
   * caller closes it) and returns the
   * first sequence where they part, or null if every record is the chain's, contents and proof. Stops at the first
   * difference, so an early forgery costs only the chunks up to it. Each matching record is added to `totals`.
   */
  private async compareWithEvents(
    assetId: string,
    block: number,
    totals: RecordTotals | null,
    chain: Lookahead<DecodedRecord>,
  ): Promise<{ sequence: bigint; reason: string } | null> {
    const mirror = new Lookahead(this.mirrorRows(assetId, block));
    const at = (sequence: number, reason: string) => ({ sequence: BigInt(sequence), reason });
    let lastMatched = 0;
    try {
      for (;;) {
        const [c, m] = [await chain.at(0), await mirror.at(0)];
        if (!c && !m) return null;
        if (!m) return at(c!.sequence, "records missing at the end");
        const ms = Number(m.sequence);
        if (!c) return at(ms, ms === lastMatched ? "record duplicated" : "records not on chain");
        if (ms === c.sequence && sameEvent(m, c)) {
          totals?.add(c);
          lastMatched = ms;
          chain.shift();
          mirror.shift();
          continue;
        }
        if (ms > c.sequence) return at(c.sequence, "record missing");
        if (ms < c.sequence) return at(ms, ms === lastMatched ? "record duplicated" : "record not on chain");
        // Same sequence, another record: one deleted (or inserted) and the rest renumbered shows as the next one
        // matching; otherwise the record itself was changed, its contents or only where it says it is on chain.
        const [c1, m1] = [await chain.at(1), await mirror.at(1)];
        if (c1 && sameEvent(m, c1)) return at(ms, "record missing");
        if (m1 && sameEvent(m1, c)) return at(ms, "record not on chain");
        return at(ms, sameContents(m, c) ? "proof differs from the chain" : "record differs from the chain's event");
      }
    } finally {
      await mirror.close();
    }
  }

  /** The chain's RecordPosted events of one asset from the deployment block to `toBlock`, chunk by chunk. */
  private async *chainRecords(assetId: string, toBlock: number): AsyncGenerator<DecodedRecord[]> {
    const provider = this.ledger.runner?.provider;
    if (!(provider instanceof JsonRpcApiProvider)) throw new Error("the ledger's provider cannot send eth_getLogs");
    this.decoder ??= new LogDecoder(this.ledger.interface);
    const topics = [this.decoder.recordTopic, toBeHex(BigInt(assetId), 32)];
    const hex = (n: number) => "0x" + n.toString(16);
    const fetch = (from: number): Promise<RawLog[]> =>
      provider.send("eth_getLogs", [
        {
          address: this.deployment.ledger,
          fromBlock: hex(from),
          toBlock: hex(Math.min(from + LOG_CHUNK_BLOCKS - 1, toBlock)),
          topics,
        },
      ]);
    let from = this.deployment.deployBlock;
    let next = from <= toBlock ? fetch(from) : null;
    while (next) {
      const logs = await next;
      from += LOG_CHUNK_BLOCKS;
      next = from <= toBlock ? fetch(from) : null;
      next?.catch(() => undefined); // awaited on the next turn, or abandoned when a difference ends the walk
      yield this.decoder.decode(logs).records;
    }
  }

  /** The asset's mirrored rows up to `block` in sequence order (duplicates by chain position), page by page. */
  private async *mirrorRows(assetId: string, block: number): AsyncGenerator<RecordRow[]> {
    const sql = Sql.of(this.db.manager);
    let after: [number, number, number] = [0, 0, 0];
    for (;;) {
      const [s, b, l] = after;
      // Keyset on (sequence, block, log index) from the (asset_id, sequence) index; rows beyond `block` are passed
      // over here rather than in SQL, which could steer the planner to the (asset_id, block_number) index and a sort.
      const rows: RecordRow[] = await this.db.manager.query(
        `SELECT ${COLUMNS} FROM mirror_records WHERE asset_id = ${sql.p(1)}
           AND sequence >= ${sql.p(2)} AND (sequence, block_number, log_index) > (${sql.p(3)}, ${sql.p(4)}, ${sql.p(5)})
         ORDER BY sequence, block_number, log_index LIMIT 5000`,
        [assetId, s, s, b, l],
      );
      const kept = rows.filter((r) => Number(r.block_number) <= block);
      if (kept.length > 0) yield kept;
      if (rows.length < 5000) return;
      const last = rows[rows.length - 1];
      after = [Number(last.sequence), Number(last.block_number), Number(last.log_index)];
    }
  }

  /** Whether the mirror knows the asset (its issuance, or any record of it, is mirrored). */
  async hasAsset(assetId: string): Promise<boolean> {
    const sql = Sql.of(this.db.manager);
    const rows: unknown[] = await this.db.manager.query(`SELECT 1 FROM mirror_assets WHERE asset_id = ${sql.p(1)}`, [
      assetId,
    ]);
    return rows.length > 0;
  }

  /** One page of an asset's records in sequence order (keyset on the sequence; index (asset_id, sequence)). */
  async assetRecords(assetId: string, after: KeyValue[] | null, limit: number): Promise<KeysetPage<AssetRecordView>> {
    const sql = Sql.of(this.db.manager);
    const params: KeyValue[] = [assetId];
    const p = (v: KeyValue) => {
      params.push(v);
      return sql.p(params.length);
    };
    const where = after ? ` AND ${keysetSql(["sequence"], "ASC", after, p)}` : "";
    const rows: RecordRow[] = await this.db.manager.query(
      `SELECT ${COLUMNS} FROM mirror_records WHERE asset_id = ${sql.p(1)}${where} ORDER BY sequence LIMIT ${Math.floor(limit) + 1}`,
      params,
    );
    return pageOf(
      rows,
      limit,
      (r) => [Number(r.sequence)],
      (r): AssetRecordView => ({
        sequence: String(r.sequence),
        from: checksum(r.from_address),
        to: checksum(r.to_address),
        amount: r.amount,
        ref: r.ref,
        postedAt: new Date(Number(r.posted_at) * 1000).toISOString(),
        recordHash: r.record_hash,
        blockNumber: Number(r.block_number),
        txHash: r.tx_hash,
        kind: r.from_address === ZERO_ADDRESS ? "issue" : r.to_address === ZERO_ADDRESS ? "redemption" : "transfer",
      }),
    );
  }

  /** The asset's record chain as mirrored: count, head, and whether the head links to its predecessor (two rows). */
  async chainSummary(assetId: string): Promise<ChainSummary> {
    const sql = Sql.of(this.db.manager);
    const asset: Array<{ record_count: number | string }> = await this.db.manager.query(
      `SELECT record_count FROM mirror_assets WHERE asset_id = ${sql.p(1)}`,
      [assetId],
    );
    const count = asset.length ? Number(asset[0].record_count) : 0;
    if (count === 0) return { verified: true, count: "0", head: GENESIS_RECORD_HASH };
    const tail: Array<{ sequence: number; record_hash: string; previous_hash: string }> = await this.db.manager.query(
      `SELECT sequence, record_hash, previous_hash FROM mirror_records WHERE asset_id = ${sql.p(1)} AND sequence >= ${sql.p(2)} AND sequence <= ${sql.p(3)} ORDER BY sequence`,
      [assetId, count - 1, count],
    );
    const last = tail.filter((r) => Number(r.sequence) === count);
    const before = tail.filter((r) => Number(r.sequence) === count - 1);
    const head = last.length === 1 ? last[0].record_hash.toLowerCase() : GENESIS_RECORD_HASH;
    const expectedPrevious = count === 1 ? GENESIS_RECORD_HASH : before.length === 1 ? before[0].record_hash : null;
    const verified =
      last.length === 1 &&
      expectedPrevious !== null &&
      last[0].previous_hash.toLowerCase() === expectedPrevious.toLowerCase();
    return { verified, count: String(count), head };
  }

  /**
   * The asset as its mirrored events describe it, with the mirrored chain's head; null when the mirror does not hold
   * its issuance (see assetOf).
   */
  async asset(assetId: string): Promise<(MirroredAssetView & { recordHead: string }) | null> {
    const view = await assetOf(this.db.manager, assetId);
    if (!view) return null;
    return { ...view, recordHead: (await this.chainSummary(assetId)).head };
  }

  /** One operator's permit (mirror_permits), or null when the mirror holds none. */
  permit(operator: string): Promise<MirroredPermitView | null> {
    return permitOf(this.db.manager, operator);
  }

  /** One page of the permit register in operator address order (mirror_permits; the key is the lower-case address). */
  permits(after: KeyValue[] | null, limit: number): Promise<KeysetPage<MirroredPermitView>> {
    return permitPage(this.db.manager, after, limit);
  }

  /** The ledger's roles: their holders and admins, from the mirrored role events. */
  roles(): Promise<MirroredRoles> {
    return mirroredRoles(this.db.manager);
  }

  /** One participant's slot in the ledger's register (mirror_participants) and the current disclosure version. */
  participantStatus(account: string): Promise<MirroredParticipantStatus> {
    return participantStatusOf(this.db.manager, account);
  }

  /** One asset type (mirror_asset_types; `code` bytes32), or null when the mirror never saw it listed. */
  assetType(code: string): Promise<MirroredAssetTypeView | null> {
    return assetTypeOf(this.db.manager, code);
  }

  /** One page of the asset type register (listed and delisted) in code order (mirror_asset_types). */
  assetTypes(after: KeyValue[] | null, limit: number): Promise<KeysetPage<MirroredAssetTypeView>> {
    return assetTypePage(this.db.manager, after, limit);
  }

  /** One page of an asset's holders with a non-zero balance, in address order (keyset on the holder; primary key). */

  async holders(assetId: string, after: KeyValue[] | null, limit: number): Promise<KeysetPage<BalanceView>> {
    const sql = Sql.of(this.db.manager);
    const params: KeyValue[] = [assetId];
    const p = (v: KeyValue) => {
      params.push(v);
      return sql.p(params.length);
    };
    const where = after ? ` AND ${keysetSql(["holder"], "ASC", [String(after[0]).toLowerCase()], p)}` : "";
    const rows: Array<{ asset_id: string; holder: string; balance: string; frozen: string }> =
      await this.db.manager.query(
        `SELECT asset_id, holder, balance, frozen FROM mirror_balances WHERE asset_id = ${sql.p(1)} AND balance <> '0'${where} ORDER BY holder LIMIT ${Math.floor(limit) + 1}`,
        params,
      );
    return pageOf(rows, limit, (r) => [r.holder], balanceView);
  }

  /**
   * One page of a holder's non-zero balances in asset id order (numeric: by the id's length, then its digits; index
   * (holder, asset_id)). The key is the asset id as a number.
   */
  async holdings(holder: string, after: KeyValue[] | null, limit: number): Promise<KeysetPage<BalanceView>> {
    const sql = Sql.of(this.db.manager);
    const params: KeyValue[] = [holder.toLowerCase()];
    const p = (v: KeyValue) => {
      params.push(v);
      return sql.p(params.length);
    };
    let where = "";
    if (after) {
      const id = String(after[0]);
      where = ` AND (LENGTH(asset_id) > ${p(id.length)} OR (LENGTH(asset_id) = ${p(id.length)} AND asset_id > ${p(id)}))`;
    }
    const rows: Array<{ asset_id: string; holder: string; balance: string; frozen: string }> =
      await this.db.manager.query(
        `SELECT asset_id, holder, balance, frozen FROM mirror_balances WHERE holder = ${sql.p(1)} AND balance <> '0'${where} ORDER BY LENGTH(asset_id), asset_id LIMIT ${Math.floor(limit) + 1}`,
        params,
      );
    return pageOf(rows, limit, (r) => [Number(r.asset_id)], balanceView);
  }

  /** All of a holder's non-zero balances (a participant's own view), page by page. */
  async allHoldings(holder: string): Promise<BalanceView[]> {
    const out: BalanceView[] = [];
    let after: KeyValue[] | null = null;
    do {
      const page = await this.holdings(holder, after, 500);
      out.push(...page.items);
      after = page.last;
    } while (after);
    return out;
  }

  /** Assets known to the mirror. */
  async assetIds(): Promise<string[]> {
    const rows: Array<{ asset_id: string }> = await this.db.manager.query("SELECT asset_id FROM mirror_assets");
    return rows.map((r) => r.asset_id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  }

  /** Block of the record of an asset at a sequence (for repairs from the last good record). */
  async blockOf(assetId: string, sequence: number): Promise<number | null> {
    const sql = Sql.of(this.db.manager);
    // The earliest of the rows of that sequence (one, unless forged), taken here: see store.ts on sorting in SQL.
    const rows: Array<{ block_number: number }> = await this.db.manager.query(
      `SELECT block_number FROM mirror_records WHERE asset_id = ${sql.p(1)} AND sequence = ${sql.p(2)}`,
      [assetId, sequence],
    );
    return rows.length ? Math.min(...rows.map((r) => Number(r.block_number))) : null;
  }

  /** Where the mirror stands. */
  async status(): Promise<{
    block: number | null;
    blockHash: string | null;
    records: number;
    assets: number;
    faults: number;
  }> {
    const cursor = await readCursor(this.db.manager);
    const [{ n }]: Array<{ n: string | number }> = await this.db.manager.query(
      "SELECT COUNT(*) AS n FROM mirror_records",
    );
    const [{ a }]: Array<{ a: string | number }> = await this.db.manager.query(
      "SELECT COUNT(*) AS a FROM mirror_assets",
    );
    const [{ f }]: Array<{ f: string | number }> = await this.db.manager.query(
      "SELECT COUNT(*) AS f FROM mirror_faults",
    );
    return {
      block: cursor?.blockNumber ?? null,
      blockHash: cursor?.blockHash ?? null,
      records: Number(n),
      assets: Number(a),
      faults: Number(f),
    };
  }

  /** Ledger logs the mirror could not read as declared (mirror_faults), in chain order. */
  async faults(q: { limit: number; after: KeyValue[] | null }): Promise<KeysetPage<FaultView>> {
    const sql = Sql.of(this.db.manager);
    const params: KeyValue[] = [];
    const p = (v: KeyValue) => {
      params.push(v);
      return sql.p(params.length);
    };
    const where = q.after ? `WHERE ${keysetSql(["block_number", "log_index"], "ASC", q.after, p)}` : "";
    const rows: FaultRow[] = await this.db.manager.query(
      `SELECT tx_hash, log_index, block_number, block_hash, event, topic, kind, detail, created_at FROM mirror_faults ${where} ORDER BY block_number, log_index LIMIT ${Math.floor(q.limit) + 1}`,
      params,
    );
    return pageOf(
      rows,
      q.limit,
      (r) => [Number(r.block_number), Number(r.log_index)],
      (r): FaultView => ({
        blockNumber: Number(r.block_number),
        blockHash: r.block_hash,
        txHash: r.tx_hash,
        logIndex: Number(r.log_index),
        event: r.event,
        topic: r.topic,
        kind: r.kind,
        detail: JSON.parse(r.detail) as FaultView["detail"],
        createdAt: r.created_at,
      }),
    );
  }
}
