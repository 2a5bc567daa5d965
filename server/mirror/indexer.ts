import type { Logger } from "pino";
import type { Database } from "../persistence/data-source";
import type { Deployment } from "../chain/deployment";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { appendEvent } from "../persistence/event-log";
import { LogDecoder } from "../chain/decode";
import type { RawLog } from "../chain/decode";
import { readCursor, rollbackFrom, writeRange } from "./store";
import type { RangeBatch } from "./store";
import { Sql } from "../persistence/sql";

/** What the indexer needs of a JSON-RPC connection (the gateway's JsonRpcClient, or an ethers provider). */
export interface RpcSender {
  send(method: string, params: unknown[]): Promise<unknown>;
}

export interface IndexerOptions {
  /** Blocks a block must be buried under before it is mirrored; 1 = the head block itself, 0 behaves as 1. */
  confirmations: number;
  /** Blocks per eth_getLogs call. */
  chunkBlocks?: number;
  /** Interval between polls when running inside the gateway. */
  intervalMs?: number;
}

export interface SyncProgress {
  /** First block of this sync pass, the block reached, and the target. */
  startBlock: number;
  block: number;
  target: number;
  records: number;
}

export interface SyncResult {
  fromBlock: number;
  toBlock: number;
  records: number;
  reorganised: boolean;
  /** Faulty logs recorded for the first time in this pass (see mirror_faults). */
  faults: number;
}

/** The events whose block time the mirror keeps (see Indexer.grantTimes). */
const TIMED_KINDS = new Set(["PermitGranted", "RoleGranted", "ParticipantRegistered"]);

interface BlockHeader {
  number: string;
  hash: string;
  timestamp: string;
}

/**
 * Follows the ledger's events from the deployment block into the mirror tables: eth_getLogs over chunks of
 * blocks, one database transaction per chunk, the next chunk fetched while the current one is written. Keeps a
 * cursor (block and hash); before each pass it checks the cursor's block is still on the chain, and if not
 * (a reorganisation) it finds the last mirrored block that is, deletes what came after and replays.
 */
export class Indexer {
  private readonly decoder = new LogDecoder(SecuredAssetLedger__factory.createInterface());
  private readonly chunk: number;
  private readonly interval: number;
  private timer: NodeJS.Timeout | null = null;
  private exclusive: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private failures = 0;
  /** Whether the grants and registrations mirrored without a block time (before this version) have been given one. */
  private grantTimesFilled = false;
  private lastLog = 0;
  /** The last pass: the block the mirror reached, its target (the safe head) and the chain head (metrics: lag). */
  lastSync: { at: string; block: number; target: number; head: number } | null = null;
  /** Cumulative time spent waiting for the chain and writing to the database (for the benchmark and logs). */
  readonly stats = { fetchWaitMs: 0, decodeMs: 0, writeMs: 0, ranges: 0 };

  constructor(
    private readonly db: Database,
    private readonly provider: RpcSender,
    private readonly deployment: Deployment,
    readonly options: IndexerOptions,
    private readonly log?: Logger,
  ) {
    this.chunk = options.chunkBlocks ?? 2_000;
    this.interval = options.intervalMs ?? 1_000;
  }

  /** Runs passes on an interval until stop(). */
  start(): void {
    this.stopping = false;
    const tick = async () => {
      if (this.stopping) return;
      try {
        await this.sync({ onProgress: (p) => this.logProgress(p) });
        this.failures = 0;
      } catch (err) {
        this.failures++;
        this.log?.warn({ err, failures: this.failures }, "mirror sync failed; retrying");
      }
      if (!this.stopping)
        this.timer = setTimeout(() => void tick(), Math.min(this.interval * 2 ** Math.min(this.failures, 5), 30_000));
    };
    // Passes run in the background: tick catches and logs its own failures, and stop() waits for the pass in
    // progress through this.exclusive, so nothing awaits tick itself.
    this.timer = setTimeout(() => void tick(), 0);
  }

  /** Stops polling and waits for the current chunk to be written. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.exclusive.catch(() => undefined);
  }

  /** Serialises passes and repairs (one writer per process; several processes are fenced by the cursor row). */
  private run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(work);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  /** The block the mirror may reach: the head less the confirmations. */
  async safeHead(): Promise<number> {
    const head = Number(await this.provider.send("eth_blockNumber", []));
    return head - Math.max(this.options.confirmations - 1, 0);
  }

  /** One pass: undo a reorganisation if there was one, then mirror up to the safe head (or `untilBlock`). */
  sync(opts: { untilBlock?: number; onProgress?: (p: SyncProgress) => void } = {}): Promise<SyncResult> {
    return this.run(() => this.syncNow(opts));
  }

  /**
   * Deletes the mirrored rows from `fromBlock` on and mirrors them again (repair after tampering, or a forced
   * re-sync); events already announced are not announced twice.
   */
  resync(
    fromBlock?: number,
    opts: { onProgress?: (p: SyncProgress) => void } = {},
  ): Promise<SyncResult & { deleted: number }> {
    return this.run(async () => {
      const from = Math.max(fromBlock ?? this.deployment.deployBlock, this.deployment.deployBlock);
      const prev = await this.header(from - 1);
      const { records } = await this.db.transaction(async (em) => {
        const cursor = await readCursor(em, true);
        const announced = cursor?.announcedBlock ?? from - 1;
        return rollbackFrom(em, from, prev?.hash ?? "", announced);
      });
      this.log?.info({ fromBlock: from, deleted: records }, "mirror re-sync: rows deleted, replaying");
      const result = await this.syncNow({ onProgress: opts.onProgress });
      return { ...result, deleted: records };
    });
  }

  private async header(n: number): Promise<BlockHeader | null> {
    if (n < 0) return null;
    return (await this.provider.send("eth_getBlockByNumber", ["0x" + n.toString(16), false])) as BlockHeader | null;
  }

  private async fetchRange(from: number, to: number): Promise<RangeBatch> {
    const filter = {
      address: this.deployment.ledger,
      fromBlock: "0x" + from.toString(16),
      toBlock: "0x" + to.toString(16),
    };
    const [logs, header] = await Promise.all([
      this.provider.send("eth_getLogs", [filter]) as Promise<RawLog[]>,
      this.header(to),
    ]);
    if (!header) throw new Error(`block ${to} not found`);
    const t = performance.now();
    const { records, changes, faults } = this.decoder.decode(logs);
    this.stats.decodeMs += performance.now() - t;
    return {
      from,
      to,
      toHash: header.hash,
      records,
      changes,
      faults,
      blockTimes: await this.grantTimes(records, changes),
    };
  }

  /**
   * Block times of the blocks with a permit grant, a role grant or a registration (the `grantedAt` and `registeredAt`
   * no event carries): a record in the same block says it (its postedAt), otherwise one header per such block.
   */
  private async grantTimes(
    records: RangeBatch["records"],
    changes: RangeBatch["changes"],
  ): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    for (const r of records) out.set(r.blockNumber, r.postedAt);
    const blocks = [
      ...new Set(changes.filter((c) => TIMED_KINDS.has(c.kind) && !out.has(c.blockNumber)).map((c) => c.blockNumber)),
    ];
    const headers = await Promise.all(blocks.map((b) => this.header(b)));
    blocks.forEach((b, i) => {
      const h = headers[i];
      if (!h) throw new Error(`block ${b} not found`);
      out.set(b, Number(h.timestamp));
    });
    return out;
  }

  /**
   * Fills the block time of mirrored grants and registrations that have none (mirrored before the gateway kept it):
   * once per process, before its first pass, a few headers at a time. A row whose block is no longer the chain's is
   * left to the reorganisation's replay.
   */
  private async fillGrantTimes(): Promise<void> {
    const sql = Sql.of(this.db.manager);
    for (const [table, kind] of [
      ["mirror_permit_changes", "PermitGranted"],
      ["mirror_changes", "RoleGranted"],
      ["mirror_participant_changes", "ParticipantRegistered"],
    ]) {
      const rows: Array<{ tx_hash: string; log_index: number; block_number: number | string; block_hash: string }> =
        await this.db.manager.query(
          `SELECT tx_hash, log_index, block_number, block_hash FROM ${table} WHERE kind = ${sql.p(1)} AND block_time IS NULL`,
          [kind],
        );
      const blocks = [...new Set(rows.map((r) => Number(r.block_number)))];
      const headers = new Map<number, BlockHeader | null>();
      for (let i = 0; i < blocks.length; i += 16) {
        const chunk = blocks.slice(i, i + 16);
        const got = await Promise.all(chunk.map((n) => this.header(n)));
        chunk.forEach((n, j) => headers.set(n, got[j]));
      }
      for (const r of rows) {
        const h = headers.get(Number(r.block_number));
        if (!h || h.hash !== r.block_hash) continue;
        await this.db.manager.query(
          `UPDATE ${table} SET block_time = ${sql.p(1)} WHERE tx_hash = ${sql.p(2)} AND log_index = ${sql.p(3)}`,
          [Number(h.timestamp), r.tx_hash, Number(r.log_index)],
        );
      }
    }
  }

  /** Checks the cursor's block against the chain; on a mismatch rolls back to the last common block. */
  private async undoReorg(): Promise<boolean> {
    const cursor = await readCursor(this.db.manager);
    if (!cursor || cursor.blockNumber < this.deployment.deployBlock) return false;
    const onChain = await this.header(cursor.blockNumber);
    if (onChain && onChain.hash === cursor.blockHash) return false;
    // Walk back through the mirrored block hashes to the newest one the chain still has.
    const sql = Sql.of(this.db.manager);
    let ancestor = this.deployment.deployBlock - 1;
    let below = cursor.blockNumber + 1;
    search: for (;;) {
      const rows: Array<{ number: number; hash: string }> = await this.db.manager.query(
        `SELECT number, hash FROM mirror_blocks WHERE number < ${sql.p(1)} ORDER BY number DESC LIMIT 50`,
        [below],
      );
      if (rows.length === 0) break;
      const headers = await Promise.all(rows.map((r) => this.header(Number(r.number))));
      for (let i = 0; i < rows.length; i++) {
        if (headers[i] && headers[i]!.hash === rows[i].hash) {
          ancestor = Number(rows[i].number);
          break search;
        }
      }
      below = Number(rows[rows.length - 1].number);
    }
    const ancestorHeader = await this.header(ancestor);
    const result = await this.db.transaction(async (em) => {
      const current = await readCursor(em, true);
      if (!current || current.blockNumber !== cursor.blockNumber || current.blockHash !== cursor.blockHash) return null; // another instance handled it
      const r = await rollbackFrom(
        em,
        ancestor + 1,
        ancestorHeader?.hash ?? "",
        Math.min(current.announcedBlock, ancestor),
      );
      await appendEvent(em, {
        type: "mirror.reorganised",
        payload: {
          orphanedFromBlock: ancestor + 1,
          orphanedToBlock: cursor.blockNumber,
          orphanedHash: cursor.blockHash,
          recordsRemoved: r.records,
          assets: r.assets,
        },
      });
      return r;
    });
    if (result)
      this.log?.warn(
        { orphanedFrom: ancestor + 1, orphanedTo: cursor.blockNumber, recordsRemoved: result.records },
        "chain reorganisation: orphaned blocks removed from the mirror; replaying",
      );
    return result !== null;
  }

  private async syncNow(opts: { untilBlock?: number; onProgress?: (p: SyncProgress) => void }): Promise<SyncResult> {
    const reorganised = await this.undoReorg();
    if (!this.grantTimesFilled) {
      await this.fillGrantTimes();
      this.grantTimesFilled = true;
    }
    const cursor = await readCursor(this.db.manager);
    const startBlock = cursor ? cursor.blockNumber + 1 : this.deployment.deployBlock;
    let target = await this.safeHead();
    const head = target + Math.max(this.options.confirmations - 1, 0);
    if (opts.untilBlock !== undefined) target = Math.min(target, opts.untilBlock);
    let records = 0;
    let faults = 0;
    if (target < startBlock) {
      this.lastSync = { at: new Date().toISOString(), block: startBlock - 1, target, head };
      return { fromBlock: startBlock, toBlock: startBlock - 1, records, reorganised, faults };
    }
    let announced = cursor?.announcedBlock ?? startBlock - 1;
    const from = startBlock;
    let next: Promise<RangeBatch> | null = this.fetchRange(from, Math.min(from + this.chunk - 1, target));
    let reached = startBlock - 1;
    while (next) {
      const waitStart = performance.now();
      const batch: RangeBatch = await next;
      this.stats.fetchWaitMs += performance.now() - waitStart;
      // Fetch the next chunk while this one is written.
      const nextFrom = batch.to + 1;
      next =
        nextFrom <= target && !this.stopping
          ? this.fetchRange(nextFrom, Math.min(nextFrom + this.chunk - 1, target))
          : null;
      next?.catch(() => undefined);
      const writeStart = performance.now();
      const written = await this.db.transaction(async (em) => {
        const current = await readCursor(em, true);
        const expected = batch.from - 1;
        if (current ? current.blockNumber !== expected : batch.from !== this.deployment.deployBlock) return null; // another writer moved the cursor
        return writeRange(em, batch, current?.announcedBlock ?? announced);
      });
      this.stats.writeMs += performance.now() - writeStart;
      this.stats.ranges++;
      if (!written) {
        this.log?.info({ from: batch.from }, "mirror cursor moved by another instance; pass ends");
        break;
      }
      for (const f of written.faults) {
        this.log?.warn(
          {
            txHash: f.txHash,
            blockNumber: f.blockNumber,
            logIndex: f.logIndex,
            event: f.event,
            fault: f.kind,
            detail: f.detail,
          },
          "ledger log not readable as declared: fault recorded (alert chain.event.faulty); the mirror goes on",
        );
      }
      faults += written.faults.length;
      announced = Math.max(announced, batch.to);
      records += batch.records.length;
      reached = batch.to;
      opts.onProgress?.({ startBlock, block: batch.to, target, records });
    }
    this.lastSync = { at: new Date().toISOString(), block: reached, target, head };
    return { fromBlock: startBlock, toBlock: reached, records, reorganised, faults };
  }

  private logProgress(p: SyncProgress): void {
    const now = Date.now();
    const done = p.block >= p.target;
    if (!this.log) return;
    if (done && p.target - p.startBlock < this.chunk) {
      this.log.debug({ block: p.block, records: p.records }, "mirror synced");
      return;
    }
    if (done || now - this.lastLog > 2_000) {
      this.lastLog = now;
      const total = Math.max(p.target - p.startBlock + 1, 1);
      const percent = Math.round(((p.block - p.startBlock + 1) / total) * 1000) / 10;
      this.log.info(
        { block: p.block, target: p.target, percent, records: p.records },
        done ? "mirror caught up" : "mirror catching up",
      );
    }
  }
}
