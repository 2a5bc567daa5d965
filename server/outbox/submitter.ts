import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import { In, IsNull, Not } from "typeorm";
import type { EntityManager } from "typeorm";
import type { Logger } from "pino";
import { Transaction } from "ethers";
import type { Config } from "../config";
import type { Database } from "../persistence/data-source";
import { ChainTransaction, Operation } from "../persistence/entities";
import type { SignerName } from "../domain/roles";
import type { LedgerClient, MinedReceipt } from "../chain/ledger";
import type { TransactionData } from "../chain/signatures";
import { SignerUnavailableError } from "../chain/signer";
import { LaneLease, LeaseLostError } from "./lane-lease";
import type { TransactionSigner } from "../chain/signer";
import { transferCheckCode } from "../errors";
import { TRANSFER_CHECKS } from "../domain/ledger-enums";
import { appendEvent } from "../persistence/event-log";
import { LogDecoder } from "../chain/decode";
import type { EventFault, ParsedEvent } from "../chain/events";
import { TRANSFER_KIND } from "../domain/operation-kinds";
import type { SignedTransfer } from "../domain/signed-transfer";

export type TransferPayload = SignedTransfer;
export interface CallPayload {
  method: string;
  args: unknown[];
}

/** What a settled operation learned from its receipt; hooks persist their side (issuance, participants, ...). */
export interface Outcome {
  status: "posted" | "failed";
  txHash?: string;
  blockNumber?: number;
  /** Decoded leniently: an event with ill-formed text has its `fault` set and readable values (reading never throws). */
  events: ParsedEvent[];
  /** A posted transfer's record (its sequence and the block time at which rights arose, Art. 6.6). */
  record?: { sequence: number; postedAt: number };
  errorCode?: string;
  errorDetail?: Record<string, unknown>;
}
export type OperationHook = (em: EntityManager, op: Operation, outcome: Outcome) => Promise<void>;

/** Told what the submitter did, once it is committed (metrics). */
export interface SubmitterObserver {
  batchSent(signer: SignerName, size: number): void;
  posted(op: Operation): void;
}

interface InFlight {
  tx: ChainTransaction;
  ops: Operation[];
  polls: number;
  /** The head block when its receipt was last looked for (none yet: undefined). */
  checkedAt?: number;
}

const now = () => new Date().toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Retry delays while a lane's signer cannot sign: doubling from the first to the last. */
const SIGNER_BACKOFF_MS = { first: 250, max: 10_000 };
/** Transactions in flight per signing key when the configuration does not say (MAX_IN_FLIGHT): a chain mining on an interval (QBFT). */
export const DEFAULT_MAX_IN_FLIGHT = 8;
/** How long a lane stays with an instance that stopped renewing it, when the configuration does not say. */
export const DEFAULT_LANE_LEASE_MS = 10_000;

/**
 * The outbox worker. For each signer (operator, authority) one lane: picks pending operations, assigns the
 * next nonce, has the transaction signed (a local key on the signature threads, or a remote signer), stores
 * nonce + hash + raw transaction with the operations in one database transaction, then broadcasts; polls receipts
 * and records outcomes. A signer that cannot sign leaves the operations pending; the lane retries with backoff.
 * Pending transfer authorizations are relayed in batches (transferBatchWithAuthorization). Up to `maxInFlight`
 * transactions (default 8) may be in flight with consecutive nonces; a node that mines each transaction at once
 * (Hardhat's automine) is best driven with 1.
 *
 * Several instances on one database: each role's lane is driven by one instance at a time, under a lease with a
 * fencing token (LaneLease); the others stand by and take over when the lease ends (a crash) or is released (a
 * clean stop). Whoever takes a lane first reconciles the role's unfinished transactions with the chain, whichever
 * key signed them, and every write of the lane is conditioned on still holding the lease.
 */
export class Submitter extends EventEmitter {
  private lanes: Lane[] = [];
  private stopping = false;
  private readonly hooks = new Map<string, OperationHook>();
  observer: SubmitterObserver | null = null;
  /** The highest block of an operation this process saw posted (reads from the mirror wait for it: read your writes). */
  lastPostedBlock = 0;
  /** This process among the instances sharing the database (the lanes' lease owner). */
  readonly instanceId = randomUUID();

  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    super();
    this.setMaxListeners(0);
  }

  onSettled(kind: string, hook: OperationHook): void {
    this.hooks.set(kind, hook);
  }

  async start(): Promise<void> {
    // Only standard JSON-RPC: the mining mode is not asked of the node, it is configured (unset or 0: the default).
    const maxInFlight = this.config.maxInFlight > 0 ? this.config.maxInFlight : DEFAULT_MAX_IN_FLIGHT;
    for (const name of ["operator", "authority"] as SignerName[]) {
      if (!this.chain.hasSigner(name)) continue;
      const lane = new Lane(
        name,
        this.chain.signer(name),
        this,
        this.db,
        this.chain,
        this.config,
        this.log.child({ lane: name }),
        maxInFlight,
        new LaneLease(this.db, `lane:${name}`, this.instanceId, this.config.laneLeaseMs ?? DEFAULT_LANE_LEASE_MS),
      );
      this.lanes.push(lane);
    }
    if (!this.config.submitterEnabled) return;
    // The lanes this instance can take now are reconciled before it serves; the others are taken when free. A node
    // too slow to answer at start does not stop the gateway: the lane's loop tries again.
    for (const lane of this.lanes)
      await lane
        .activate()
        .catch((err: unknown) =>
          this.log.warn({ err, lane: lane.name }, "lane not taken at start; retrying in its loop"),
        );
    for (const lane of this.lanes) lane.run();
  }

  /** The lanes this instance drives now, with their fencing epoch. */
  lanesHeld(): Array<{ signer: SignerName; epoch: number }> {
    return this.lanes.filter((l) => l.epoch !== null).map((l) => ({ signer: l.name, epoch: l.epoch! }));
  }

  /** Transactions in flight per lane (signing key). */
  inFlight(): Array<{ signer: SignerName; address: string; count: number }> {
    return this.lanes.map((l) => ({ signer: l.name, address: l.address, count: l.inFlightCount }));
  }

  /** Wakes the lanes: new work was written. */
  notify(signer?: SignerName): void {
    for (const lane of this.lanes) if (!signer || lane.name === signer) lane.wake();
  }

  /** Stops picking work and waits for the current step (its bookkeeping) to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.lanes.map((l) => l.stop()));
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  hook(kind: string): OperationHook | undefined {
    return this.hooks.get(kind);
  }

  /** Resolves with the operation once posted or failed, or with its current state after `timeoutMs`. */
  async waitFor(id: string, timeoutMs: number): Promise<Operation | null> {
    const repo = this.db.manager.getRepository(Operation);
    const settled = new Promise<void>((resolve) => {
      const listener = (opId: string) => {
        if (opId === id) done();
      };
      const timer = setTimeout(() => done(), timeoutMs);
      // Another instance may drive the lane: its settling is seen in the database, not as an event here.
      const poll = setInterval(
        () => {
          repo
            .findOneBy({ id })
            .then((op) => {
              if (op && (op.status === "posted" || op.status === "failed")) done();
            })
            .catch(() => undefined);
        },
        Math.max(250, this.config.pollIntervalMs * 5),
      );
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.off("settled", listener);
        resolve();
      };
      this.on("settled", listener);
    });
    const current = await repo.findOneBy({ id });
    if (!current || current.status === "posted" || current.status === "failed") return current;
    await settled;
    return repo.findOneBy({ id });
  }
}

class Lane {
  private inflight = new Map<string, InFlight>();
  /** This instance holds the lane's lease and has reconciled it. */
  private active = false;
  /** Next nonce per holder:asset after what is on chain or in flight (transfers). */
  private expectedNonce = new Map<string, bigint>();
  private nextNonce = 0;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private stopped = false;
  /** The next retry delay while the signer cannot sign (0: it signs). */
  private signerBackoffMs = 0;
  /** Ends a backoff pause early (stop). */
  private endPause: (() => void) | null = null;
  private feeCache: {
    at: number;
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };
  } | null = null;
  /** The batch relay's ABI signature, for the signing thread's encoder. */
  private readonly batchFragment: string;
  private readonly decoder: LogDecoder;
  /** Recipients' wallet kind from the participant register, with when it was read. */
  private readonly walletKinds = new Map<string, { contractWallet: boolean; at: number }>();

  constructor(
    readonly name: SignerName,
    private readonly signer: TransactionSigner,
    private readonly owner: Submitter,
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly maxInFlight: number,
    private readonly lease: LaneLease,
  ) {
    this.batchFragment = chain.iface.getFunction("transferBatchWithAuthorization")!.format("full");
    this.decoder = new LogDecoder(chain.iface);
  }

  get address(): string {
    return this.signer.address;
  }

  get inFlightCount(): number {
    return this.inflight.size;
  }

  /** The fencing epoch while this instance drives the lane, else null. */
  get epoch(): number | null {
    return this.active ? this.lease.epoch : null;
  }

  /**
   * Takes the lane's lease if it is free; then forgets what this instance knew of the lane (another may have
   * driven it since) and reconciles its unfinished transactions. False when another instance holds it.
   */
  async activate(): Promise<boolean> {
    if (!(await this.lease.acquire())) return false;
    this.forget();
    await this.reconcile();
    this.active = true;
    this.lease.keepAlive();
    this.log.info({ epoch: this.lease.epoch, nextNonce: this.nextNonce }, "driving the lane (lease taken)");
    return true;
  }

  private forget(): void {
    this.active = false;
    this.inflight.clear();
    this.expectedNonce.clear();
    this.nextNonce = 0;
    this.feeCache = null;
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * On taking the lane (a start, a takeover): every unfinished transaction of the role, whichever instance and key
   * signed it, is found on chain, re-broadcast (the stored raw transaction), or (nonce taken) re-queued.
   */
  private async reconcile(): Promise<void> {
    const address = this.signer.address;
    const repo = this.db.manager.getRepository(ChainTransaction);
    const open = await repo.find({
      where: { signer: this.name, status: In(["signed", "sent"]) },
      order: { signerAddress: "ASC", nonce: "ASC" },
    });
    const latestOf = new Map<string, number>();
    for (const tx of open) {
      const ops = await this.db.manager
        .getRepository(Operation)
        .find({ where: { txId: tx.id }, order: { batchIndex: "ASC" } });
      const receipt = await this.chain.receipt(tx.hash);
      if (!latestOf.has(tx.signerAddress))
        latestOf.set(tx.signerAddress, await this.chain.provider.getTransactionCount(tx.signerAddress, "latest"));
      if (receipt) {
        this.inflight.set(tx.id, { tx, ops, polls: 0 });
      } else if (tx.nonce < latestOf.get(tx.signerAddress)!) {
        await this.requeue(tx, "nonce taken by another transaction");
      } else {
        await this.broadcast(tx);
        this.inflight.set(tx.id, { tx, ops, polls: 0 });
      }
    }
    const last = await repo
      .createQueryBuilder("t")
      .select("MAX(t.nonce)", "max")
      .where("t.signer_address = :a", { a: address })
      .getRawOne<{ max: number | null }>();
    const pending = await this.chain.provider.getTransactionCount(address, "pending");
    this.nextNonce = Math.max(pending, last?.max == null ? 0 : Number(last.max) + 1);
    if (open.length)
      this.log.info({ reconciled: open.length, nextNonce: this.nextNonce }, "reconciled unfinished transactions");
  }

  run(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          if (!this.active) {
            // Standing by while another instance drives the lane; it is taken over when that lease ends.
            if (!(await this.activate())) {
              await this.pause(Math.min(1_000, this.config.pollIntervalMs * 5));
              continue;
            }
          } else if (this.lease.epoch === null) {
            throw new LeaseLostError(this.lease.name);
          }
          await this.step();
          if (this.signerBackoffMs)
            this.log.info({ signer: this.signer.address }, "lane steps again after signer errors");
          this.signerBackoffMs = 0;
        } catch (err) {
          if (err instanceof LeaseLostError) {
            // Another instance took the lane (this one stalled past its lease): nothing more is stored or sent here.
            this.log.warn({ lease: err.lease }, "lane lease lost; standing by");
            this.forget();
            continue;
          }
          if (err instanceof SignerUnavailableError) {
            // Nothing was stored or sent: the operations stay pending and are signed when the signer answers.
            this.signerBackoffMs = Math.min(
              SIGNER_BACKOFF_MS.max,
              this.signerBackoffMs ? this.signerBackoffMs * 2 : SIGNER_BACKOFF_MS.first,
            );
            this.log.warn(
              {
                signer: this.signer.address,
                kind: this.signer.kind,
                reason: err.reason,
                retryInMs: this.signerBackoffMs,
              },
              "signer unavailable; operations stay pending, retrying",
            );
            await this.pause(this.signerBackoffMs);
          } else {
            this.log.error({ err }, "submitter step failed; retrying");
            await sleep(500);
          }
        }
        if (this.stopped) break;
        await this.idle(this.inflight.size ? this.config.pollIntervalMs : this.config.pollIntervalMs * 5);
      }
    })();
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    this.endPause?.();
    await this.loop;
    // Handed over at once: a standby instance need not wait for the lease to end.
    await this.lease.release().catch(() => undefined);
    this.forget();
  }

  /** Waits `ms`, or until stop; new work does not end it (each request would otherwise ask the signer again). */
  private async pause(ms: number): Promise<void> {
    if (this.stopped) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      this.endPause = done;
      function done() {
        clearTimeout(t);
        resolve();
      }
    });
    this.endPause = null;
  }

  private async idle(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      if (this.config.batchWaitMs) await sleep(this.config.batchWaitMs);
      return;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      this.wakeUp = done;
      function done() {
        clearTimeout(t);
        resolve();
      }
    });
    this.wakeUp = null;
    if (this.woken && this.config.batchWaitMs && !this.stopped) await sleep(this.config.batchWaitMs);
    this.woken = false;
  }

  private async step(): Promise<void> {
    await this.confirm();
    while (!this.stopped && this.inflight.size < this.maxInFlight) {
      const sent = await this.submitNext();
      if (!sent) break;
      if (this.maxInFlight === 1) await this.confirm();
    }
  }

  // ------------------------------------------------------------------ submitting

  /** Takes the oldest pending work: a batch of transfers, or one call. Returns false when there is none. */
  private async submitNext(): Promise<boolean> {
    const repo = this.db.manager.getRepository(Operation);
    const oldest = await repo.findOne({
      where: { signer: this.name, status: "pending", txId: IsNull() },
      order: { createdAt: "ASC", id: "ASC" },
    });
    if (!oldest) return false;
    let next: Operation | null = oldest;
    if (oldest.kind === TRANSFER_KIND) {
      // A partial batch waits (up to batchHoldMs) while another transfer batch is in flight: one transaction per
      // block, plus full ones, costs far less to sign, send and confirm than one per request.
      const held = Date.now() - Date.parse(oldest.createdAt) < this.config.batchHoldMs;
      const fullOnly = held && this.transferBatchInFlight();
      const enough =
        !fullOnly ||
        (await repo.count({ where: { signer: this.name, status: "pending", kind: TRANSFER_KIND, txId: IsNull() } })) >=
          this.config.batchMax;
      const batch = enough ? await this.nextTransferBatch(fullOnly) : [];
      if (batch.length) {
        const payloads = batch.map((op) => JSON.parse(op.payload) as TransferPayload);
        const gasLimit = 150_000n + 110_000n * BigInt(batch.length);
        // Encoded on the signing thread with the transaction (a hundred authorizations are tens of kilobytes).
        try {
          await this.sendTx(
            batch,
            {
              call: {
                fragment: this.batchFragment,
                args: [payloads.map((p) => p.authorization), payloads.map((p) => p.signature)],
              },
            },
            gasLimit,
          );
        } catch (err) {
          // Not stored (signer or node unavailable): the batch's holders' next nonces were advanced past it;
          // forget them, or the retry would take these authorizations for used ones.
          for (const op of batch) this.expectedNonce.delete(`${op.fromAddress}:${op.assetId}`);
          throw err;
        }
        this.owner.observer?.batchSent(this.name, batch.length);
        return true;
      }
      // Transfers wait for a nonce gap to fill; calls behind them go on.
      next = await repo.findOne({
        where: { signer: this.name, status: "pending", kind: Not(TRANSFER_KIND), txId: IsNull() },
        order: { createdAt: "ASC", id: "ASC" },
      });
      if (!next) return false;
    }
    const op = next;
    const call = JSON.parse(op.payload) as CallPayload;
    const data = this.chain.iface.encodeFunctionData(call.method, call.args);
    let gasLimit: bigint;
    try {
      const estimate = await this.chain.provider.estimateGas({
        from: this.signer.address,
        to: this.chain.deployment.ledger,
        data,
      });
      gasLimit = (estimate * 13n) / 10n + 20_000n;
    } catch (err) {
      const revert = this.chain.decodeRevert(err);
      if (!revert) throw err;
      // Refused before sending: nothing goes on chain.
      await this.db.transaction(async (em) => {
        await this.lease.fence(em);
        await this.settle(em, op, {
          status: "failed",
          events: [],
          errorCode: revert.code,
          errorDetail: { error: revert.name, args: revert.args, ...revert.context },
        });
      });
      this.owner.emit("settled", op.id);
      return true;
    }
    await this.sendTx([op], { data }, gasLimit);
    return true;
  }

  /**
   * Pending transfer authorizations to choose a batch from, oldest first: at most a batch's worth per holder and
   * asset (the lowest nonces), so one holder's authorizations waiting behind a missing nonce can never fill the
   * window and hold up everyone else's.
   */
  private async transferCandidates(): Promise<Operation[]> {
    const perHolder = this.config.batchMax;
    const ranked = this.db.manager
      .getRepository(Operation)
      .createQueryBuilder("o")
      .select("o.id", "id")
      .addSelect("o.created_at", "created_at")
      // Nonces are decimal strings: shorter is smaller, then text order.
      .addSelect(
        "ROW_NUMBER() OVER (PARTITION BY o.from_address, o.asset_id ORDER BY LENGTH(o.nonce), o.nonce)",
        "rank",
      )
      .where("o.signer = :signer AND o.status = 'pending' AND o.kind = :kind AND o.tx_id IS NULL", {
        signer: this.name,
        kind: TRANSFER_KIND,
      });
    const rows = await this.db.manager
      .createQueryBuilder()
      .select("r.id", "id")
      .from(`(${ranked.getQuery()})`, "r")
      .setParameters(ranked.getParameters())
      .where("r.rank <= :perHolder", { perHolder })
      .orderBy("r.created_at", "ASC")
      .addOrderBy("r.id", "ASC")
      .limit(this.config.batchMax * 5)
      .getRawMany<{ id: string }>();
    if (!rows.length) return [];
    const ops = await this.db.manager.getRepository(Operation).findBy({ id: In(rows.map((r) => r.id)) });
    const order = new Map(rows.map((r, i) => [r.id, i]));
    return ops.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  /**
   * The next batch of transfer authorizations, in nonce order per holder and asset: an authorization is taken only
   * when its nonce is the holder's next one (on chain, or after one already in flight or in this batch). Ahead of
   * a gap it waits; expired or already-used ones fail without being sent.
   */
  private async nextTransferBatch(fullOnly: boolean): Promise<Operation[]> {
    const candidates = await this.transferCandidates();
    const groups = new Map<string, Operation[]>();
    for (const op of candidates) {
      const k = `${op.fromAddress}:${op.assetId}`;
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(op);
    }
    const unknown = [...groups.keys()].filter((k) => !this.expectedNonce.has(k));
    await Promise.all(
      unknown.map(async (k) => {
        const [from, assetId] = k.split(":");
        const onChain = await this.chain.ledger.nonceOf(from, BigInt(assetId));
        const inFlight = this.inFlightNext(k);
        this.expectedNonce.set(k, onChain > inFlight ? onChain : inFlight);
      }),
    );
    const contractWallets = await this.contractWalletRecipients(candidates);
    const now = BigInt(Math.floor(Date.now() / 1000));
    const batch: Operation[] = [];
    const dead: { op: Operation; code: string }[] = [];
    const expected = new Map<string, bigint>();
    for (const k of groups.keys()) expected.set(k, this.expectedNonce.get(k)!);
    // In arrival order (a payment received is relayed before the one it funds), each holder's next nonce first;
    // repeated while authorizations that arrived ahead of their turn become next.
    const waiting = new Set(candidates);
    // A contract wallet's ERC-1155 hook may refuse its units, which reverts the whole transaction: a transfer to
    // one goes in a batch of its own, so a refusal fails that transfer only.
    let closed = false;
    for (let progress = true; progress && !closed && batch.length < this.config.batchMax;) {
      progress = false;
      for (const op of candidates) {
        if (!waiting.has(op) || closed || batch.length >= this.config.batchMax) continue;
        const k = `${op.fromAddress}:${op.assetId}`;
        const nonce = BigInt(op.nonce!);
        const deadline = BigInt((JSON.parse(op.payload) as TransferPayload).authorization.deadline);
        if (nonce < expected.get(k)!) {
          dead.push({ op, code: "NONCE_USED" });
          waiting.delete(op);
        } else if (deadline < now) {
          dead.push({ op, code: "AUTHORIZATION_EXPIRED" });
          waiting.delete(op);
        } else if (nonce === expected.get(k)!) {
          const alone = contractWallets.has(op.toAddress ?? "");
          if (alone && batch.length > 0) continue;
          batch.push(op);
          waiting.delete(op);
          expected.set(k, nonce + 1n);
          progress = true;
          if (alone) closed = true;
        }
      }
    }
    const send = !fullOnly || batch.length >= this.config.batchMax;
    for (const [k, next] of expected) {
      // No progress (a gap): read the chain again next time, in case something else moved the nonce.
      if (next === this.expectedNonce.get(k)) this.expectedNonce.delete(k);
      else if (send) this.expectedNonce.set(k, next);
    }
    if (dead.length) {
      await this.db.transaction(async (em) => {
        await this.lease.fence(em);
        for (const d of dead)
          await this.settle(em, d.op, {
            status: "failed",
            events: [],
            errorCode: d.code,
            errorDetail: { nonce: d.op.nonce },
          });
      });
      for (const d of dead) this.owner.emit("settled", d.op.id);
    }
    return send ? batch : [];
  }

  /** The candidates' recipients that are contract wallets in the participant register (flags cached a minute). */
  private async contractWalletRecipients(candidates: Operation[]): Promise<Set<string>> {
    const at = Date.now();
    const recipients = [...new Set(candidates.map((op) => op.toAddress).filter((a): a is string => !!a))];
    const stale = recipients.filter((a) => (this.walletKinds.get(a)?.at ?? 0) < at - 60_000);
    await Promise.all(
      stale.map(async (a) => {
        const p = await this.chain.ledger.participant(a);
        this.walletKinds.set(a, { contractWallet: p.contractWallet, at });
      }),
    );
    return new Set(recipients.filter((a) => this.walletKinds.get(a)!.contractWallet));
  }

  private transferBatchInFlight(): boolean {
    for (const { ops } of this.inflight.values()) if (ops.length && ops[0].kind === TRANSFER_KIND) return true;
    return false;
  }

  /** The holder's next nonce after the transfers of transactions in flight (0 if none). */
  private inFlightNext(key: string): bigint {
    let next = 0n;
    for (const { ops } of this.inflight.values()) {
      for (const op of ops) {
        if (op.kind === TRANSFER_KIND && `${op.fromAddress}:${op.assetId}` === key && BigInt(op.nonce!) + 1n > next)
          next = BigInt(op.nonce!) + 1n;
      }
    }
    return next;
  }

  private async fees() {
    if (this.feeCache && Date.now() - this.feeCache.at < 2_000) return this.feeCache.fees;
    const f = await this.chain.provider.getFeeData();
    const fees =
      f.maxFeePerGas != null && f.maxPriorityFeePerGas != null
        ? { maxFeePerGas: f.maxFeePerGas * 2n, maxPriorityFeePerGas: f.maxPriorityFeePerGas }
        : { gasPrice: f.gasPrice ?? 0n };
    this.feeCache = { at: Date.now(), fees };
    return fees;
  }

  /** Signs, persists (transaction + operations, atomically), then broadcasts. */
  private async sendTx(ops: Operation[], body: TransactionData, gasLimit: bigint): Promise<void> {
    const fees = await this.fees();
    const nonce = this.nextNonce;
    // A signer that cannot sign throws here, before anything is stored: the nonce is not taken, the operations wait.
    const { raw, hash } = await this.signer.signTransaction(
      {
        to: this.chain.deployment.ledger,
        nonce,
        gasLimit,
        chainId: this.chain.chainId,
        ...("gasPrice" in fees ? { gasPrice: fees.gasPrice, type: 0 } : { ...fees, type: 2 }),
      },
      body,
    );
    const tx = Object.assign(new ChainTransaction(), {
      id: randomUUID(),
      signer: this.name,
      signerAddress: this.signer.address,
      nonce,
      hash,
      raw,
      status: "signed",
      blockNumber: null,
      createdAt: now(),
      updatedAt: now(),
    } satisfies ChainTransaction);
    await this.db.transaction(async (em) => {
      await this.lease.fence(em);
      await em.insert(ChainTransaction, tx);
      for (const [i, op] of ops.entries()) {
        op.status = "submitted";
        op.txId = tx.id;
        op.signerAddress = tx.signerAddress;
        op.batchIndex = i;
        op.updatedAt = now();
        await em.update(
          Operation,
          { id: op.id },
          { status: "submitted", txId: tx.id, signerAddress: tx.signerAddress, batchIndex: i, updatedAt: op.updatedAt },
        );
      }
    });
    this.nextNonce = nonce + 1;
    this.inflight.set(tx.id, { tx, ops, polls: 0 });
    await this.broadcast(tx);
    this.log.debug({ nonce, hash, ops: ops.length }, "transaction sent");
  }

  private async broadcast(tx: ChainTransaction): Promise<void> {
    try {
      await this.chain.provider.send("eth_sendRawTransaction", [tx.raw]);
    } catch (err) {
      const msg = String((err as Error).message ?? err);
      if (/nonce too low|nonce has already been used/i.test(msg)) {
        // Either ours was mined, or another transaction took the nonce: then ours can never be mined.
        const receipt = await this.chain.receipt(tx.hash);
        if (!receipt) {
          if (tx.signerAddress === this.signer.address)
            this.nextNonce = Math.max(
              this.nextNonce,
              await this.chain.provider.getTransactionCount(this.signer.address, "pending"),
            );
          await this.requeue(tx, "nonce taken by another transaction");
          return;
        }
      } else if (!/already known|known transaction|already imported|AlreadyKnown/i.test(msg)) {
        // The stored raw transaction is re-broadcast by recover() later.
        this.log.warn({ err: msg, hash: tx.hash }, "broadcast failed; will retry");
        return;
      }
    }
    if (tx.status === "signed") {
      tx.status = "sent";
      await this.db.transaction((em) =>
        em.update(ChainTransaction, { id: tx.id }, { status: "sent", updatedAt: now() }),
      );
    }
  }

  /** Re-queues the operations of a transaction that can never be mined (its nonce was used by another). */
  private async requeue(tx: ChainTransaction, reason: string): Promise<void> {
    this.log.warn({ hash: tx.hash, nonce: tx.nonce, reason }, "transaction replaced; operations re-queued");
    this.expectedNonce.clear();
    await this.db.transaction(async (em) => {
      await this.lease.fence(em);
      await em.update(ChainTransaction, { id: tx.id }, { status: "replaced", updatedAt: now() });
      await em.update(
        Operation,
        { txId: tx.id },
        { status: "pending", txId: null, signerAddress: null, batchIndex: null, updatedAt: now() },
      );
    });
    this.inflight.delete(tx.id);
  }

  // ------------------------------------------------------------------ confirming

  /** Looks for receipts when the chain has a new block since the last look (a batch receipt is large). */
  private async confirm(): Promise<void> {
    if (!this.inflight.size) return;
    const head = Number(BigInt(await this.chain.rpc.send<string>("eth_blockNumber", [])));
    const entries = [...this.inflight.values()];
    const due = entries.filter((e) => e.checkedAt === undefined || head > e.checkedAt);
    const receipts = new Map(
      await Promise.all(due.map(async (e) => [e, await this.chain.receipt(e.tx.hash)] as const)),
    );
    for (const entry of entries) {
      const receipt = receipts.get(entry) ?? null;
      if (!receipt) {
        if (receipts.has(entry)) entry.checkedAt = head;
        entry.polls += 1;
        if (entry.polls % 25 === 0) await this.recover(entry);
        continue;
      }
      if (head - receipt.blockNumber + 1 < this.config.confirmations) {
        entry.checkedAt = head; // confirmations only grow with new blocks
        continue;
      }
      await this.record(entry, receipt);
    }
  }

  /** A transaction without receipt for a while: re-broadcast if the node lost it, re-queue if its nonce was taken. */
  private async recover(entry: InFlight): Promise<void> {
    const known = await this.chain.provider.getTransaction(entry.tx.hash);
    if (known) return;
    const latest = await this.chain.provider.getTransactionCount(entry.tx.signerAddress, "latest");
    if (entry.tx.nonce < latest) {
      const receipt = await this.chain.receipt(entry.tx.hash);
      if (receipt) return this.record(entry, receipt);
      return this.requeue(entry.tx, "nonce taken by another transaction");
    }
    this.log.warn({ hash: entry.tx.hash }, "node lost the transaction; re-broadcasting the stored raw transaction");
    await this.broadcast(entry.tx);
  }

  private async record(entry: InFlight, receipt: MinedReceipt): Promise<void> {
    const { tx, ops } = entry;
    const isTransferBatch = ops.length > 0 && ops[0].kind === TRANSFER_KIND;
    const ledgerLogs = receipt.logs.filter(
      (log) => log.address.toLowerCase() === this.chain.deployment.ledger.toLowerCase(),
    );
    const events: ParsedEvent[] = [];
    const posted: { sequence: number; postedAt: number }[] = [];
    const rejected = new Map<number, number>();
    // Logs not readable as declared. Ill-formed text is decoded leniently and the operation still posts; a log that
    // does not decode at all leaves its outcome unknown, and the operation fails with EVENT_UNDECODABLE. Either
    // way it settles: an exception here would retry the receipt for ever and hold up the lane.
    const faults: (EventFault & { logIndex: number })[] = [];
    if (isTransferBatch) {
      // The mirror's decoder: RecordPosted read from its fixed words (a batch has a hundred), the rest by the ABI.
      const decoded = this.decoder.decode(ledgerLogs);
      for (const r of decoded.records) posted.push({ sequence: r.sequence, postedAt: r.postedAt });
      for (const c of decoded.changes)
        if (c.kind === "AuthorizationRejected") rejected.set(Number(c.args.index), Number(c.args.reason));
      faults.push(...decoded.faults);
    } else {
      for (const log of ledgerLogs) {
        const decoded = this.chain.events.decode(log);
        if (decoded?.event) events.push(decoded.event);
        if (decoded?.fault) faults.push({ ...decoded.fault, logIndex: parseInt(log.logIndex, 16) });
      }
    }
    for (const f of faults) {
      this.log.warn(
        {
          txHash: receipt.hash,
          blockNumber: receipt.blockNumber,
          logIndex: f.logIndex,
          event: f.event,
          fault: f.kind,
          detail: f.detail,
          operations: ops.map((op) => op.id),
        },
        f.kind === "undecodable"
          ? "mined transaction's log does not decode; its operations fail with EVENT_UNDECODABLE"
          : "mined transaction's log has ill-formed text; decoded leniently",
      );
    }
    const undecodable = faults.find((f) => f.kind === "undecodable");
    let failure: { code: string; detail: Record<string, unknown> } | null = null;
    if (receipt.status !== 1) {
      failure = await this.revertReason(tx, receipt);
    } else if (undecodable) {
      // A batch's logs map to its transfers by position: one unreadable log leaves every transfer's outcome unknown.
      failure = {
        code: "EVENT_UNDECODABLE",
        detail: {
          txHash: receipt.hash,
          blockNumber: receipt.blockNumber,
          logIndex: undecodable.logIndex,
          event: undecodable.event,
          topic: undecodable.topic,
          reason: undecodable.detail,
        },
      };
    }
    const base = { txHash: receipt.hash, blockNumber: receipt.blockNumber };
    await this.db.transaction(async (em) => {
      await this.lease.fence(em);
      await em.update(
        ChainTransaction,
        { id: tx.id },
        { status: "mined", blockNumber: receipt.blockNumber, updatedAt: now() },
      );
      if (isTransferBatch) {
        let k = 0;
        for (const op of [...ops].sort((a, b) => (a.batchIndex ?? 0) - (b.batchIndex ?? 0))) {
          if (failure) {
            this.expectedNonce.delete(`${op.fromAddress}:${op.assetId}`);
            await this.settle(em, op, {
              ...base,
              status: "failed",
              events: [],
              errorCode: failure.code,
              errorDetail: failure.detail,
            });
          } else if (rejected.has(op.batchIndex ?? -1)) {
            const reason = rejected.get(op.batchIndex ?? -1)!;
            this.expectedNonce.delete(`${op.fromAddress}:${op.assetId}`);
            await this.settle(em, op, {
              ...base,
              status: "failed",
              events: [],
              errorCode: transferCheckCode(reason),
              errorDetail: { reason: TRANSFER_CHECKS[Number(reason)] ?? Number(reason) },
            });
          } else {
            await this.settle(em, op, { ...base, status: "posted", events: [], record: posted[k++] });
          }
        }
      } else {
        for (const op of ops) {
          await this.settle(
            em,
            op,
            failure
              ? { ...base, status: "failed", events: [], errorCode: failure.code, errorDetail: failure.detail }
              : { ...base, status: "posted", events },
          );
        }
      }
    });
    this.inflight.delete(tx.id);
    for (const op of ops) {
      if (op.status === "posted") this.owner.observer?.posted(op);
      this.owner.emit("settled", op.id);
    }
  }

  private async revertReason(
    tx: ChainTransaction,
    receipt: MinedReceipt,
  ): Promise<{ code: string; detail: Record<string, unknown> }> {
    const parsed = Transaction.from(tx.raw);
    if (receipt.gasUsed >= (parsed.gasLimit * 98n) / 100n) {
      return { code: "TRANSACTION_REVERTED", detail: { error: "OutOfGas", gasUsed: receipt.gasUsed.toString() } };
    }
    try {
      await this.chain.provider.call({
        from: tx.signerAddress,
        to: parsed.to!,
        data: parsed.data,
        blockTag: receipt.blockNumber - 1,
      });
    } catch (err) {
      const decoded = this.chain.decodeRevert(err);
      if (decoded)
        return { code: decoded.code, detail: { error: decoded.name, args: decoded.args, ...decoded.context } };
    }
    return { code: "TRANSACTION_REVERTED", detail: { txHash: receipt.hash } };
  }

  /** Final state of one operation, with its hook's bookkeeping, in the caller's database transaction. */
  private async settle(em: EntityManager, op: Operation, outcome: Outcome): Promise<void> {
    const result: Record<string, unknown> = {};
    if (outcome.txHash) Object.assign(result, { txHash: outcome.txHash, blockNumber: outcome.blockNumber });
    if (op.kind === TRANSFER_KIND && outcome.status === "posted" && outcome.record) {
      Object.assign(result, {
        recordSequence: String(outcome.record.sequence),
        rightsArisenAt: new Date(outcome.record.postedAt * 1000).toISOString(),
      });
    } else if (outcome.status === "posted") {
      // Art. 6.6: rights arise when the record is posted, for an issuance or a redemption as for a transfer.
      const posted = outcome.events.find((e) => e.name === "RecordPosted");
      if (posted) {
        Object.assign(result, {
          recordSequence: String(posted.args.getValue("sequence")),
          rightsArisenAt: new Date(Number(posted.args.getValue("postedAt")) * 1000).toISOString(),
        });
      }
      result.events = outcome.events.map((e) => ({
        name: e.name,
        args: Object.fromEntries(e.fragment.inputs.map((inp, i) => [inp.name, stringify(e.args[i])])),
        // The readable text is in args; the exact bytes on chain are kept here.
        ...(e.fault ? { fault: { kind: e.fault.kind, texts: e.fault.texts } } : {}),
      }));
    }
    op.status = outcome.status;
    if (outcome.status === "posted" && outcome.blockNumber)
      this.owner.lastPostedBlock = Math.max(this.owner.lastPostedBlock, outcome.blockNumber);
    op.result = JSON.stringify(result);
    op.errorCode = outcome.errorCode ?? null;
    op.errorDetail = outcome.errorDetail ? JSON.stringify(outcome.errorDetail) : null;
    op.updatedAt = now();
    // Settled only while it is still this claim's: live, and carried by the transaction this lane knows it by (none
    // for an operation refused before sending). Settled by someone else, or re-queued meanwhile: nothing more here.
    const settled = await em.update(
      Operation,
      { id: op.id, status: In(["pending", "submitted"]), txId: op.txId ?? IsNull() },
      {
        status: op.status,
        result: op.result,
        errorCode: op.errorCode,
        errorDetail: op.errorDetail,
        updatedAt: op.updatedAt,
        ...(outcome.status === "failed" ? { dedupeKey: null } : {}),
      },
    );
    if (!settled.affected) {
      this.log.warn({ operation: op.id, txId: op.txId }, "operation no longer this claim's: not settled again");
      return;
    }
    await this.owner.hook(op.kind)?.(em, op, outcome);
    // Announced in the same transaction as the outcome (webhook subscribers: operation.succeeded / operation.failed).
    await appendEvent(em, {
      type: outcome.status === "posted" ? "operation.succeeded" : "operation.failed",
      assetId: op.assetId,
      account: op.fromAddress,
      payload: {
        operationId: op.id,
        kind: op.kind,
        status: op.status,
        clientId: op.clientId,
        ...result,
        ...(op.errorCode ? { errorCode: op.errorCode, errorDetail: outcome.errorDetail ?? null } : {}),
      },
    });
  }
}

function stringify(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(stringify);
  return v;
}
