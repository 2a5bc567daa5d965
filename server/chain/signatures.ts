import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Piscina } from "piscina";
import { TypedDataEncoder, Wallet, concat, keccak256 } from "ethers";
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

/** A function call for a thread to encode: its ABI signature (`FunctionFragment.format("full")`) and arguments. */
export interface EncodableCall {
  fragment: string;
  args: unknown[];
}

/** A transaction's data: given, or a `call` that the signing thread encodes (a batch's calldata is large). */
export type TransactionData = { data: string } | { call: EncodableCall };

/** A signed transaction: its serialisation (for eth_sendRawTransaction) and its hash. */
export interface SignedTransaction {
  raw: string;
  hash: string;
}

/** A signing task as posted to a thread: the signer's name, never its key (installed once per thread). */
export interface SignTask {
  signer: string;
  tx: UnsignedTransaction;
  body: TransactionData;
}

interface WorkerModule {
  (items: { digest: string; signature: string }[]): (string | null)[];
  signWith(wallet: Wallet, tx: UnsignedTransaction, body: TransactionData): Promise<SignedTransaction>;
  encodeCall(task: { call: EncodableCall }): string;
}

/**
 * Signature work for one domain, on a pool of worker threads (inline when `threads` is 0): EIP-712 digests (the
 * domain separator and each type's encoder computed once; ethers recomputes both on every `verifyTypedData`),
 * signer recovery, and the signing of the gateway's own transactions with local keys.
 *
 * Local keys are installed once, when each thread starts (piscina's `workerData`, given again to a thread that
 * replaces an idle one): a signing task names its signer, so no key crosses to a thread with each transaction.
 * Without local keys (remote signers) no key is installed; the threads only encode batch calldata.
 */
export class SignatureThreads {
  private readonly separator: string;
  private readonly encoders = new Map<Types, TypedDataEncoder>();
  private readonly pool: Piscina | null;
  /** Recoveries asked for in this turn of the event loop, sent to the threads together. */
  private queue: {
    digest: string;
    signature: string;
    resolve: (signer: string | null) => void;
    reject: (err: unknown) => void;
  }[] = [];
  /** Inline only (no threads): the local keys' wallets, on the event loop. */
  private readonly wallets = new Map<string, Wallet>();
  /** The signers whose keys are installed (in every thread, or inline): their names, never their keys. */
  readonly keySlots: readonly string[];

  /** `keys`: the local private keys by signer name (operator, authority); remote signers have none here. */
  constructor(domain: TypedDataDomain, threads: number, keys: Readonly<Record<string, string>> = {}) {
    this.separator = TypedDataEncoder.hashDomain(domain);
    this.keySlots = Object.keys(keys);
    this.pool =
      threads > 0
        ? new Piscina({
            filename: WORKER_FILE,
            minThreads: threads,
            maxThreads: threads,
            idleTimeout: 60_000,
            ...(this.keySlots.length ? { workerData: { keys: { ...keys } } } : {}),
          })
        : null;
    if (!this.pool) for (const [slot, key] of Object.entries(keys)) this.wallets.set(slot, new Wallet(key));
    // One ping per thread: destroy() waits for them, so no thread is stopped while it is still starting.
    const pool = this.pool;
    this.started = pool
      ? Promise.all(Array.from({ length: threads }, () => pool.run({}, { name: "ping" }))).then(
          () => undefined,
          () => undefined,
        )
      : Promise.resolve();
  }

  /** Settles once every thread has answered a ping (or failed to start). */
  private readonly started: Promise<void>;

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

  /**
   * Signs a transaction with the installed key of `signer` (see the constructor's `keys`); a `call` body is encoded
   * (`call.fragment` with `call.args`) first.
   */
  async signTransaction(signer: string, tx: UnsignedTransaction, body: TransactionData): Promise<SignedTransaction> {
    if (!this.keySlots.includes(signer)) throw new Error(`no local key installed for the ${signer}`);
    if (this.pool)
      return (await this.pool.run({ signer, tx, body } satisfies SignTask, {
        name: "signTransaction",
      })) as SignedTransaction;
    return inline().signWith(this.wallets.get(signer)!, tx, body);
  }

  /** The calldata of `call`, encoded on a thread (for a remote signer, which is sent the data). */
  async encodeCall(call: EncodableCall): Promise<string> {
    if (this.pool) return (await this.pool.run({ call }, { name: "encodeCall" })) as string;
    return inline().encodeCall({ call });
  }

  async destroy(): Promise<void> {
    // Seen once under load: a gateway stopped right after it started aborted the process with a Napi::Error, likely
    // a thread stopped while loading the native secp256k1 binding. Let the threads finish starting first.
    await Promise.race([this.started, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await this.pool?.destroy();
  }
}
