import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Piscina } from "piscina";
import { TypedDataEncoder, concat, keccak256 } from "ethers";
import type { TypedDataDomain, TypedDataField } from "ethers";

type Types = Record<string, TypedDataField[]>;
const WORKER_FILE = join(__dirname, "signature-worker.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const inline = (): WorkerModule => require(WORKER_FILE) as WorkerModule;
/** Signatures per message to a thread: enough to amortise the hand-off, few enough to spread over the threads. */
const MAX_PER_MESSAGE = 16;

/** The number of signature threads when not configured: every core but one, which the event loop keeps. */
export function defaultSignatureThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** A transaction to sign, without its data. */
export interface UnsignedTransaction {
  to: string;
  nonce: number;
  gasLimit: bigint;
  chainId: bigint;
  type: number;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

/** A transaction's data: given, or a `call` that the signing thread encodes (a batch's calldata is large). */
export type TransactionData = { data: string } | { call: { fragment: string; args: unknown[] } };

interface WorkerModule {
  (items: { digest: string; signature: string }[]): (string | null)[];
  signTransaction(task: { privateKey: string; tx: UnsignedTransaction; body: TransactionData }): Promise<{ raw: string; hash: string }>;
}

/**
 * Signature work for one domain, on a pool of worker threads (inline when `threads` is 0): EIP-712 digests (the
 * domain separator and each type's encoder computed once; ethers recomputes both on every `verifyTypedData`),
 * signer recovery, and the signing of the gateway's own transactions.
 */
export class SignatureThreads {
  private readonly separator: string;
  private readonly encoders = new Map<Types, TypedDataEncoder>();
  private readonly pool: Piscina | null;
  /** Recoveries asked for in this turn of the event loop, sent to the threads together. */
  private queue: { digest: string; signature: string; resolve: (signer: string | null) => void; reject: (err: unknown) => void }[] = [];

  constructor(domain: TypedDataDomain, threads: number) {
    this.separator = TypedDataEncoder.hashDomain(domain);
    this.pool = threads > 0
      ? new Piscina({ filename: WORKER_FILE, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 })
      : null;
  }

  /** The EIP-712 digest the signer signed (the same as `TypedDataEncoder.hash(domain, types, value)`). */
  digest(types: Types, value: Record<string, unknown>): string {
    let encoder = this.encoders.get(types);
    if (!encoder) {
      encoder = TypedDataEncoder.from(types);
      this.encoders.set(types, encoder);
    }
    return keccak256(concat(["0x1901", this.separator, encoder.hash(value)]));
  }

  /** The address that produced `signature` over `digest`; null when the signature is malformed. */
  async recover(digest: string, signature: string): Promise<string | null> {
    if (this.pool) {
      return new Promise((resolve, reject) => {
        if (this.queue.length === 0) setImmediate(() => this.flush());
        this.queue.push({ digest, signature, resolve, reject });
      });
    }
    return inline()([{ digest, signature }])[0];
  }

  private flush(): void {
    const queue = this.queue;
    this.queue = [];
    for (let i = 0; i < queue.length; i += MAX_PER_MESSAGE) {
      const part = queue.slice(i, i + MAX_PER_MESSAGE);
      this.pool!.run(part.map(({ digest, signature }) => ({ digest, signature }))).then(
        (signers: (string | null)[]) => part.forEach((t, j) => t.resolve(signers[j])),
        (err: unknown) => part.forEach((t) => t.reject(err)),
      );
    }
  }

  /** Signs a transaction with `privateKey`; a `call` body is encoded (`call.fragment` with `call.args`) first. */
  async signTransaction(privateKey: string, tx: UnsignedTransaction, body: TransactionData): Promise<{ raw: string; hash: string }> {
    const task = { privateKey, tx, body };
    if (this.pool) return (await this.pool.run(task, { name: "signTransaction" })) as { raw: string; hash: string };
    return inline().signTransaction(task);
  }

  async destroy(): Promise<void> {
    await this.pool?.destroy();
  }
}
