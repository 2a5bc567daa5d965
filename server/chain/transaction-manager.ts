import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { Transaction } from "ethers";
import type { LedgerClient, MinedReceipt } from "./ledger";
import type { TransactionData } from "./signatures";
import type { TransactionSigner } from "./signer";
import type { SignedTransaction, TransactionStore } from "./transaction-store";

export type { SignedTransaction, TransactionStore } from "./transaction-store";

/** A transaction in flight: sent (or stored), its receipt not yet recorded. */
export interface InFlight<W> {
  tx: SignedTransaction;
  work: W;
  polls: number;
  /** The head block when its receipt was last looked for (none yet: undefined). */
  checkedAt?: number;
}

/** What the transaction manager tells its owner (the outbox dispatcher). */
export interface TransactionEvents<W> {
  /**
   * A transaction is mined with enough confirmations: the owner records the outcome of its work and marks it
   * mined (one database transaction). It stays in flight, and is asked again, until this resolves.
   */
  mined(entry: InFlight<W>, receipt: MinedReceipt): Promise<void>;
  /** A transaction was replaced (its nonce taken by another): its work is pending again. */
  requeued(work: W): void;
}

type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

/**
 * One signing key's transactions (as FireFly's transaction manager): assigns nonces, prices, has them signed,
 * stores them through its port (TransactionStore) before broadcasting, polls receipts, re-broadcasts a transaction
 * the node lost, re-queues one whose nonce was taken, and reconciles the unfinished ones after a takeover. It
 * knows nothing of what the transactions carry (`W`): the outbox claims, batches and settles.
 */
export class TransactionManager<W> {
  private readonly inflight = new Map<string, InFlight<W>>();
  private nextNonce = 0;
  private feeCache: { at: number; fees: Fees } | null = null;

  constructor(
    private readonly signer: TransactionSigner,
    private readonly chain: LedgerClient,
    private readonly store: TransactionStore<W>,
    private readonly events: TransactionEvents<W>,
    private readonly options: { maxInFlight: number; confirmations: number },
    private readonly log: Logger,
  ) {}

  get address(): string {
    return this.signer.address;
  }

  get inFlightCount(): number {
    return this.inflight.size;
  }

  /** The next nonce this key will use. */
  get nonce(): number {
    return this.nextNonce;
  }

  /** Room for another transaction in flight. */
  get hasRoom(): boolean {
    return this.inflight.size < this.options.maxInFlight;
  }

  /** The work of the transactions in flight. */
  inFlightWork(): W[] {
    return [...this.inflight.values()].map((e) => e.work);
  }

  /** Forgets what this process knew (another instance may have driven the key since). */
  reset(): void {
    this.inflight.clear();
    this.nextNonce = 0;
    this.feeCache = null;
  }

  /**
   * After taking the key over (a start, a takeover): every unfinished transaction of the store, whichever instance
   * and key signed it, is found on chain, re-broadcast (the stored raw transaction), or (nonce taken) re-queued.
   * Then the next nonce is the chain's pending count or past the highest stored one.
   */
  async reconcile(): Promise<void> {
    const open = await this.store.open();
    const latestOf = new Map<string, number>();
    for (const { tx, work } of open) {
      const receipt = await this.chain.receipt(tx.hash);
      if (!latestOf.has(tx.signerAddress))
        latestOf.set(tx.signerAddress, await this.chain.provider.getTransactionCount(tx.signerAddress, "latest"));
      if (receipt) {
        this.inflight.set(tx.id, { tx, work, polls: 0 });
      } else if (tx.nonce < latestOf.get(tx.signerAddress)!) {
        await this.requeue({ tx, work, polls: 0 }, "nonce taken by another transaction");
      } else {
        this.inflight.set(tx.id, { tx, work, polls: 0 });
        await this.broadcast(tx);
      }
    }
    const last = await this.store.maxNonce(this.signer.address);
    const pending = await this.chain.provider.getTransactionCount(this.signer.address, "pending");
    this.nextNonce = Math.max(pending, last == null ? 0 : last + 1);
    if (open.length)
      this.log.info({ reconciled: open.length, nextNonce: this.nextNonce }, "reconciled unfinished transactions");
  }

  /**
   * Signs with the next nonce, stores (the store also claims the work, atomically), then broadcasts. A signer that
   * cannot sign, or a store that refuses, throws before the nonce is taken: nothing is sent.
   */
  async send(work: W, body: TransactionData, gasLimit: bigint): Promise<void> {
    const fees = await this.fees();
    const nonce = this.nextNonce;
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
    const tx: SignedTransaction = {
      id: randomUUID(),
      signerAddress: this.signer.address,
      nonce,
      hash,
      raw,
      status: "signed",
    };
    await this.store.store(tx, work);
    this.nextNonce = nonce + 1;
    this.inflight.set(tx.id, { tx, work, polls: 0 });
    await this.broadcast(tx);
    this.log.debug({ nonce, hash }, "transaction sent");
  }

  private async fees(): Promise<Fees> {
    if (this.feeCache && Date.now() - this.feeCache.at < 2_000) return this.feeCache.fees;
    const f = await this.chain.provider.getFeeData();
    const fees: Fees =
      f.maxFeePerGas != null && f.maxPriorityFeePerGas != null
        ? { maxFeePerGas: f.maxFeePerGas * 2n, maxPriorityFeePerGas: f.maxPriorityFeePerGas }
        : { gasPrice: f.gasPrice ?? 0n };
    this.feeCache = { at: Date.now(), fees };
    return fees;
  }

  private async broadcast(tx: SignedTransaction): Promise<void> {
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
          const entry = this.inflight.get(tx.id);
          if (entry) await this.requeue(entry, "nonce taken by another transaction");
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
      await this.store.markSent(tx);
    }
  }

  /** Re-queues the work of a transaction that can never be mined (its nonce was used by another). */
  private async requeue(entry: InFlight<W>, reason: string): Promise<void> {
    this.log.warn({ hash: entry.tx.hash, nonce: entry.tx.nonce, reason }, "transaction replaced; work re-queued");
    await this.store.requeue(entry.tx, reason);
    this.inflight.delete(entry.tx.id);
    this.events.requeued(entry.work);
  }

  /** Looks for receipts when the chain has a new block since the last look (a batch receipt is large). */
  async confirm(): Promise<void> {
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
      if (head - receipt.blockNumber + 1 < this.options.confirmations) {
        entry.checkedAt = head; // confirmations only grow with new blocks
        continue;
      }
      await this.mined(entry, receipt);
    }
  }

  private async mined(entry: InFlight<W>, receipt: MinedReceipt): Promise<void> {
    await this.events.mined(entry, receipt);
    this.inflight.delete(entry.tx.id);
  }

  /** A transaction without receipt for a while: re-broadcast if the node lost it, re-queue if its nonce was taken. */
  private async recover(entry: InFlight<W>): Promise<void> {
    const known = await this.chain.provider.getTransaction(entry.tx.hash);
    if (known) return;
    const latest = await this.chain.provider.getTransactionCount(entry.tx.signerAddress, "latest");
    if (entry.tx.nonce < latest) {
      const receipt = await this.chain.receipt(entry.tx.hash);
      if (receipt) return this.mined(entry, receipt);
      return this.requeue(entry, "nonce taken by another transaction");
    }
    this.log.warn({ hash: entry.tx.hash }, "node lost the transaction; re-broadcasting the stored raw transaction");
    await this.broadcast(entry.tx);
  }

  /** Why a mined transaction reverted: out of gas, or the ledger's error replayed at the block before. */
  async revertReason(
    tx: SignedTransaction,
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
}
