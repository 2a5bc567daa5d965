import { getAddress, ZeroHash } from "ethers";
import { keccak256Hex } from "./keccak";

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

const MAX_UINT256 = (1n << 256n) - 1n;
const BYTES24 = /^0x[0-9a-fA-F]{48}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const LOWER_ADDRESS = /^0x[0-9a-f]{40}$/;

function uintWord(v: bigint, field: string): string {
  if (v < 0n || v > MAX_UINT256) throw new RangeError(`${field} is not a uint256: ${v}`);
  return v.toString(16).padStart(64, "0");
}

/** Lower-case addresses (the mirror's form) as they are; any other spelling through getAddress, which checks an EIP-55 checksum. */
function addressWord(a: string): string {
  return (LOWER_ADDRESS.test(a) ? a : getAddress(a).toLowerCase()).slice(2).padStart(64, "0");
}

/**
 * The ledger's record hash (TransferRecords.sol): the first 24 bytes of
 * keccak256(abi.encode(previous, assetId, sequence, from, to, amount, ref, postedAt)), as 0x + 48 hex digits.
 * The eight static words are laid out by hand: the generic ABI coder took most of a verification's time.
 */
export function recordHash(previous: string, r: TransferRecord): string {
  if (!BYTES24.test(previous)) throw new TypeError(`previous hash is not 24 bytes: ${previous}`);
  if (!BYTES32.test(r.ref)) throw new TypeError(`ref is not 32 bytes: ${r.ref}`);
  // bytes24 is right-padded to its word.
  const encoded =
    "0x" +
    previous.slice(2) +
    "0000000000000000" +
    uintWord(r.assetId, "assetId") +
    uintWord(r.sequence, "sequence") +
    addressWord(r.from) +
    addressWord(r.to) +
    uintWord(r.amount, "amount") +
    r.ref.slice(2) +
    uintWord(r.postedAt, "postedAt");
  return keccak256Hex(encoded).slice(0, 2 + 48);
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
  { verified: true; count: bigint; head: string } | { verified: false; firstDivergentSequence: bigint; reason: string };

/**
 * Recomputes the hash chain of one asset's records (ordered by sequence) and compares it with the on-chain head
 * and count. With stored per-record hashes (a mirror's copy), an altered record is located where its stored hash
 * no longer matches. That locates only a careless edit: whoever rewrites records and recomputes the stored hashes
 * after them leaves a consistent chain, and the verdict is "head differs" at the last record. The head and count
 * prove that the copy differs, not where; locating the first altered record takes the chain's own events, which
 * this function does not have (MirrorQueries.verify compares with them). Given the chain's events themselves (the
 * asset service does), there is nothing to locate: the verdict says whether they add up to the head.
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
