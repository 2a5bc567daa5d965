import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Piscina } from "piscina";
import { TypedDataEncoder, concat, keccak256, recoverAddress } from "ethers";
import type { TypedDataDomain, TypedDataField } from "ethers";

type Types = Record<string, TypedDataField[]>;

/** The number of signature threads when not configured: every core but one, which the event loop keeps. */
export function defaultSignatureThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * EIP-712 digests and signer recovery for one domain. The domain separator and each type's encoder are computed
 * once (ethers recomputes both on every `verifyTypedData`); recovery runs on a pool of worker threads, or inline
 * when `threads` is 0.
 */
export class SignatureRecovery {
  private readonly separator: string;
  private readonly encoders = new Map<Types, TypedDataEncoder>();
  private readonly pool: Piscina | null;

  constructor(domain: TypedDataDomain, threads: number) {
    this.separator = TypedDataEncoder.hashDomain(domain);
    this.pool = threads > 0
      ? new Piscina({ filename: join(__dirname, "signature-worker.js"), minThreads: threads, maxThreads: threads, idleTimeout: 60_000 })
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
    if (this.pool) return (await this.pool.run({ digest, signature })) as string | null;
    try {
      return recoverAddress(digest, signature);
    } catch {
      return null;
    }
  }

  async destroy(): Promise<void> {
    await this.pool?.destroy();
  }
}
