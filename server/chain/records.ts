import { AbiCoder, keccak256, ZeroHash } from "ethers";

/** One transfer record as the ledger's RecordPosted event carries it (Art. 5.1.7, 6.6). */
export interface TransferRecord {
  assetId: bigint;
  sequence: bigint;
  from: string;
  to: string;
  amount: bigint;
  ref: string;
  /** Block time of the posting: the moment rights arise (Art. 6.6). */
  postedAt: bigint;
}

/** A record together with the hash a mirror stored for it when it ingested the record. */
export interface StoredRecord extends TransferRecord {
  recordHash: string;
}

/** The hash that precedes the first record of an asset: 24 zero bytes. */
export const GENESIS_RECORD_HASH = "0x" + "00".repeat(24);

const coder = AbiCoder.defaultAbiCoder();
const RECORD_FIELDS = ["bytes24", "uint256", "uint256", "address", "address", "uint256", "bytes32", "uint256"];

/**
 * The ledger's record hash (TransferRecords.sol): the first 24 bytes of
 * keccak256(abi.encode(previous, assetId, sequence, from, to, amount, ref, postedAt)), as 0x + 48 hex digits.
 */
export function recordHash(previous: string, r: TransferRecord): string {
  const full = keccak256(
    coder.encode(RECORD_FIELDS, [previous, r.assetId, r.sequence, r.from, r.to, r.amount, r.ref, r.postedAt]),
  );
  return full.slice(0, 2 + 48);
}

/** Hashes of a whole chain, in order, starting from the genesis hash. */
export function chainHashes(records: TransferRecord[]): string[] {
  const out: string[] = [];
  let previous = GENESIS_RECORD_HASH;
  for (const r of records) {
    previous = recordHash(previous, r);
    out.push(previous);
  }
  return out;
}

export type ChainVerdict =
  | { verified: true; count: bigint; head: string }
  | { verified: false; firstDivergentSequence: bigint; reason: string };

/**
 * Recomputes the hash chain of one asset's records (ordered by sequence) and compares it with the on-chain head
 * and count. With stored per-record hashes (a mirror's copy), an altered record is located exactly: the first
 * record whose recomputed hash differs from the stored one.
 */
export function verifyRecordChain(
  records: Array<TransferRecord | StoredRecord>,
  onChainCount: bigint,
  onChainHead: string,
): ChainVerdict {
  let previous = GENESIS_RECORD_HASH;
  let expected = 1n;
  for (const r of records) {
    if (r.sequence !== expected) {
      return { verified: false, firstDivergentSequence: expected, reason: "record missing" };
    }
    const h = recordHash(previous, r);
    if ("recordHash" in r && r.recordHash.toLowerCase() !== h) {
      return { verified: false, firstDivergentSequence: r.sequence, reason: "record altered" };
    }
    previous = h;
    expected += 1n;
  }
  const count = expected - 1n;
  if (count < onChainCount) {
    return { verified: false, firstDivergentSequence: count + 1n, reason: "records missing at the end" };
  }
  if (count > onChainCount) {
    return { verified: false, firstDivergentSequence: onChainCount + 1n, reason: "records not on chain" };
  }
  if (previous !== onChainHead.toLowerCase()) {
    return { verified: false, firstDivergentSequence: count === 0n ? 1n : count, reason: "head differs" };
  }
  return { verified: true, count, head: previous };
}

/** Ethers' ZeroHash is 32 bytes; the ledger's record hashes are 24. */
export const isGenesis = (h: string): boolean => h === GENESIS_RECORD_HASH || h === ZeroHash;
