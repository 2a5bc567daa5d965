import { AbiCoder, keccak256, ZeroHash } from "ethers";

/** One transfer record as the ledger's RecordPosted event carries it (Art. 5.1.7, 6.6). */
export interface TransferRecord {
  assetId: bigint;
  sequence: bigint;
  from: string;
  to: string;
  amount: bigint;
  ref: string;
  postedAt: bigint;
  recordHash: string;
}

const coder = AbiCoder.defaultAbiCoder();
const RECORD_FIELDS = ["bytes32", "uint256", "uint256", "address", "address", "uint256", "bytes32", "uint256"];

/** The ledger's record hash: keccak256(abi.encode(previous, assetId, sequence, from, to, amount, ref, postedAt)). */
export function recordHash(previous: string, r: Omit<TransferRecord, "recordHash">): string {
  return keccak256(coder.encode(RECORD_FIELDS, [previous, r.assetId, r.sequence, r.from, r.to, r.amount, r.ref, r.postedAt]));
}

export type ChainVerdict =
  | { verified: true; count: bigint; head: string }
  | { verified: false; firstDivergentSequence: bigint; reason: string };

/**
 * Recomputes the hash chain of one asset's records, ordered by sequence, and compares it with the on-chain head
 * and count. Reports the first sequence number where the copy diverges.
 */
export function verifyRecordChain(records: TransferRecord[], onChainCount: bigint, onChainHead: string): ChainVerdict {
  let previous = ZeroHash;
  let expected = 1n;
  for (const r of records) {
    if (r.sequence !== expected) {
      return { verified: false, firstDivergentSequence: expected, reason: "record missing" };
    }
    const h = recordHash(previous, r);
    if (h !== r.recordHash.toLowerCase()) {
      return { verified: false, firstDivergentSequence: r.sequence, reason: "record altered" };
    }
    previous = h;
    expected += 1n;
  }
  const count = expected - 1n;
  if (count !== onChainCount) {
    return { verified: false, firstDivergentSequence: count + 1n, reason: "records missing at the end" };
  }
  if (previous !== onChainHead.toLowerCase()) {
    return { verified: false, firstDivergentSequence: count, reason: "head differs" };
  }
  return { verified: true, count, head: previous };
}
