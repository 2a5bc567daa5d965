import type { Logger } from "pino";
import type { Config } from "../config";
import type { Operation } from "../persistence/entities";
import type { SignerName } from "../domain/roles";
import { TRANSFER_KIND } from "../domain/operation-kinds";
import type { LedgerClient } from "../chain/ledger";
import { SignerUnavailableError } from "../chain/signer";
import type { TransactionSigner } from "../chain/signer";
import { TransactionManager } from "../chain/transaction-manager";
import { LeaseLostError } from "./lane-lease";
import type { LaneLease } from "./lane-lease";
import { ClaimLostError, OutboxStore } from "./outbox-store";
import type { Database } from "../persistence/data-source";
import { Settlement } from "./settlement";
import { selectBatch } from "./batch-selection";
import type { CallPayload, DispatcherHost, TransferPayload } from "./types";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Retry delays while a lane's signer cannot sign: doubling from the first to the last. */
const SIGNER_BACKOFF_MS = { first: 250, max: 10_000 };

/**
 * One signer role's outbox lane (the application side of FireFly's split): holds the lane lease, picks and claims
 * pending operations (the oldest call, or a batch of transfer authorizations chosen by selectBatch), hands them to
 * the signing key's transaction manager, and settles what it reports (Settlement). Driven by one instance at a
 * time; whoever takes the lane first reconciles the role's unfinished transactions.
 */
export class Dispatcher {
  private readonly store: OutboxStore;
  private readonly tm: TransactionManager<Operation[]>;
  private readonly settlement: Settlement;
  /** This instance holds the lane's lease and has reconciled it. */
  private active = false;
  /** Next nonce per holder:asset after what is on chain or in flight (transfers). */
  private expectedNonce = new Map<string, bigint>();
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private stopped = false;
  /** The next retry delay while the signer cannot sign (0: it signs). */
  private signerBackoffMs = 0;
  /** Ends a backoff pause early (stop). */
  private endPause: (() => void) | null = null;
  /** The batch relay's ABI signature, for the signing thread's encoder. */
  private readonly batchFragment: string;
  /** Recipients' wallet kind from the participant register, with when it was read. */
  private readonly walletKinds = new Map<string, { contractWallet: boolean; at: number }>();

  constructor(
    readonly name: SignerName,
    private readonly signer: TransactionSigner,
    private readonly host: DispatcherHost,
    db: Database,
    private readonly chain: LedgerClient,
    private readonly config: Config,
    private readonly log: Logger,
    private readonly maxInFlight: number,
    private readonly lease: LaneLease,
  ) {
    this.batchFragment = chain.iface.getFunction("transferBatchWithAuthorization")!.format("full");
    this.store = new OutboxStore(db, name, lease);
    this.settlement = new Settlement(chain, this.store, host, log);
    this.tm = new TransactionManager<Operation[]>(
      signer,
      chain,
      this.store,
      {
        mined: async (entry, receipt) => {
          for (const k of await this.settlement.mined(entry, receipt, this.tm)) this.expectedNonce.delete(k);
        },
        requeued: () => this.expectedNonce.clear(),
      },
      { maxInFlight, confirmations: config.confirmations },
      log,
    );
  }

  get address(): string {
    return this.signer.address;
  }

  get inFlightCount(): number {
    return this.tm.inFlightCount;
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
    await this.tm.reconcile();
    this.active = true;
    this.lease.keepAlive();
    this.log.info({ epoch: this.lease.epoch, nextNonce: this.tm.nonce }, "driving the lane (lease taken)");
    return true;
  }

  private forget(): void {
    this.active = false;
    this.tm.reset();
    this.expectedNonce.clear();
  }

  // ------------------------------------------------------------------ lifecycle

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
          if (err instanceof ClaimLostError) {
            // Nothing was stored or sent: the operations were taken or settled meanwhile; pick again.
            this.log.warn({ operations: err.operations }, "operations no longer pending; not sent");
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
        await this.idle(this.tm.inFlightCount ? this.config.pollIntervalMs : this.config.pollIntervalMs * 5);
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
    await this.tm.confirm();
    while (!this.stopped && this.tm.hasRoom) {
      const sent = await this.submitNext();
      if (!sent) break;
      if (this.maxInFlight === 1) await this.tm.confirm();
    }
  }

  // ------------------------------------------------------------------ submitting

  /** Takes the oldest pending work: a batch of transfers, or one call. Returns false when there is none. */
  private async submitNext(): Promise<boolean> {
    const oldest = await this.store.oldestPending();
    if (!oldest) return false;
    let next: Operation | null = oldest;
    if (oldest.kind === TRANSFER_KIND) {
      // A partial batch waits (up to batchHoldMs) while another transfer batch is in flight: one transaction per
      // block, plus full ones, costs far less to sign, send and confirm than one per request.
      const held = Date.now() - Date.parse(oldest.createdAt) < this.config.batchHoldMs;
      const fullOnly = held && this.transferBatchInFlight();
      const enough = !fullOnly || (await this.store.countPendingTransfers()) >= this.config.batchMax;
      const batch = enough ? await this.nextTransferBatch(fullOnly) : [];
      if (batch.length) {
        const payloads = batch.map((op) => JSON.parse(op.payload) as TransferPayload);
        const gasLimit = 150_000n + 110_000n * BigInt(batch.length);
        // Encoded on the signing thread with the transaction (a hundred authorizations are tens of kilobytes).
        try {
          await this.tm.send(
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
          // Not stored (signer or node unavailable, claim lost): the batch's holders' next nonces were advanced
          // past it; forget them, or the retry would take these authorizations for used ones.
          for (const op of batch) this.expectedNonce.delete(`${op.fromAddress}:${op.assetId}`);
          throw err;
        }
        this.host.observer?.batchSent(this.name, batch.length);
        return true;
      }
      // Transfers wait for a nonce gap to fill; calls behind them go on.
      next = await this.store.oldestPending(true);
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
      await this.settlement.refuse([
        {
          op,
          outcome: {
            status: "failed",
            events: [],
            errorCode: revert.code,
            errorDetail: { error: revert.name, args: revert.args, ...revert.context },
          },
        },
      ]);
      return true;
    }
    await this.tm.send([op], { data }, gasLimit);
    return true;
  }

  /**
   * The next batch of transfer authorizations (selectBatch): in nonce order per holder and asset, after what is on
   * chain or in flight. Ahead of a gap they wait; expired or already-used ones fail without being sent.
   */
  private async nextTransferBatch(fullOnly: boolean): Promise<Operation[]> {
    const candidates = await this.store.transferCandidates(this.config.batchMax, this.config.batchMax * 5);
    const keyOf = (op: Operation) => `${op.fromAddress}:${op.assetId}`;
    const keys = [...new Set(candidates.map(keyOf))];
    await Promise.all(
      keys
        .filter((k) => !this.expectedNonce.has(k))
        .map(async (k) => {
          const [from, assetId] = k.split(":");
          const onChain = await this.chain.ledger.nonceOf(from, BigInt(assetId));
          const inFlight = this.inFlightNext(k);
          this.expectedNonce.set(k, onChain > inFlight ? onChain : inFlight);
        }),
    );
    const contractWallets = await this.contractWalletRecipients(candidates);
    const expected = new Map(keys.map((k) => [k, this.expectedNonce.get(k)!]));
    const selection = selectBatch(
      candidates.map((op) => ({
        op,
        key: keyOf(op),
        nonce: BigInt(op.nonce!),
        deadline: BigInt((JSON.parse(op.payload) as TransferPayload).authorization.deadline),
        alone: contractWallets.has(op.toAddress ?? ""),
      })),
      expected,
      { now: BigInt(Math.floor(Date.now() / 1000)), batchMax: this.config.batchMax },
    );
    const send = !fullOnly || selection.batch.length >= this.config.batchMax;
    for (const [k, next] of selection.next) {
      // No progress (a gap): read the chain again next time, in case something else moved the nonce.
      if (next === this.expectedNonce.get(k)) this.expectedNonce.delete(k);
      else if (send) this.expectedNonce.set(k, next);
    }
    await this.settlement.refuse(
      selection.dead.map(({ candidate, code }) => ({
        op: candidate.op,
        outcome: { status: "failed", events: [], errorCode: code, errorDetail: { nonce: candidate.op.nonce } },
      })),
    );
    return send ? selection.batch.map((c) => c.op) : [];
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
    return this.tm.inFlightWork().some((ops) => ops.length > 0 && ops[0].kind === TRANSFER_KIND);
  }

  /** The holder's next nonce after the transfers of transactions in flight (0 if none). */
  private inFlightNext(key: string): bigint {
    let next = 0n;
    for (const ops of this.tm.inFlightWork()) {
      for (const op of ops) {
        if (op.kind === TRANSFER_KIND && `${op.fromAddress}:${op.assetId}` === key && BigInt(op.nonce!) + 1n > next)
          next = BigInt(op.nonce!) + 1n;
      }
    }
    return next;
  }
}
