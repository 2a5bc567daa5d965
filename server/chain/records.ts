import { getAddress, ZeroHash } from "ethers";
import { keccak256Hex, keccak256PaddedWords } from "./keccak";

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

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const TWO_64 = 1n << 64n;
const is0x = (h: string) => h.charCodeAt(0) === 48 && h.charCodeAt(1) === 120;

/**
 * One asset's record chain hashed record after record, as `recordHash` hashes it, for a verification that rehashes
 * thousands of records: the ABI encoding of a record (8 words, 256 bytes, two keccak256 rate blocks with the padding)
 * is one preallocated buffer in which each record overwrites only its own fields; the asset word is written once, the
 * previous hash is the last digest's bytes, and stored hashes are compared as bytes, with no hex string per record.
 * `next` takes a record's fields as a mirror row holds them and returns false, hashing nothing, if any is not in the
 * form this fast path encodes (an address not lower-case, an amount of 2^64 or more, a malformed ref): the caller
 * then hashes that record with `recordHash`, which encodes or rejects everything, and `setPrevious` with the result.
 */
export class RecordChainHasher {
  /** The encoding, padded to two rate blocks (272 bytes): [previous | asset | sequence | from | to | amount | ref | postedAt]. */
  private readonly bytes: Buffer;
  private readonly words: Int32Array;
  /** The previous hash: the encoding's first 24 bytes. */
  private readonly previous: Int32Array;
  private readonly digest = new Int32Array(8);
  private readonly scratch: Buffer;
  private readonly scratchWords: Int32Array;

  constructor(assetId: bigint) {
    const buffer = new ArrayBuffer(272);
    this.bytes = Buffer.from(buffer);
    this.words = new Int32Array(buffer);
    this.previous = new Int32Array(buffer, 0, 6);
    const scratch = new ArrayBuffer(24);
    this.scratch = Buffer.from(scratch);
    this.scratchWords = new Int32Array(scratch);
    this.bytes.write(uintWord(assetId, "assetId"), 32, 32, "hex");
    this.bytes[256] = 0x01; // keccak padding: 0x01 after the message, 0x80 in the last byte of the block
    this.bytes[271] = 0x80;
    this.setPrevious(GENESIS_RECORD_HASH);
  }

  /** The previous hash, from its hex form (a slow-path record's hash); false if it is not 24 bytes of hex. */
  setPrevious(hex: string): boolean {
    if (!this.decode24(hex)) return false;
    for (let i = 0; i < 6; i++) this.previous[i] = this.scratchWords[i];
    return true;
  }

  /**
   * Hashes the next record over the previous hash, which becomes the record's hash (`head` and `isPrevious` then
   * read it). `sequence` and `postedAt` are non-negative safe integers, `amount` a bigint; false if anything does not
   * fit the fast path (nothing hashed, the previous hash unchanged).
   */
  next(sequence: number, from: string, to: string, amount: bigint, ref: string, postedAt: number): boolean {
    const b = this.bytes;
    if (!(Number.isSafeInteger(sequence) && sequence >= 0 && Number.isSafeInteger(postedAt) && postedAt >= 0))
      return false;
    if (amount < 0n || amount >= TWO_64) return false;
    if (!LOWER_ADDRESS.test(from) || !LOWER_ADDRESS.test(to)) return false;
    if (ref.length !== 66 || !is0x(ref) || b.write(ref.slice(2), 192, 32, "hex") !== 32) return false;
    b.write(from.slice(2), 108, 20, "hex");
    b.write(to.slice(2), 140, 20, "hex");
    // Bytes 24-31, 64-87, 96-107, 128-139, 160-183 and 224-247 stay zero: the padding of the words written below.
    b.writeUInt32BE(Math.floor(sequence / 0x100000000), 88);
    b.writeUInt32BE(sequence >>> 0, 92);
    b.writeBigUInt64BE(amount, 184);
    b.writeUInt32BE(Math.floor(postedAt / 0x100000000), 248);
    b.writeUInt32BE(postedAt >>> 0, 252);
    keccak256PaddedWords(this.words, this.digest);
    for (let i = 0; i < 6; i++) this.previous[i] = this.digest[i];
    return true;
  }

  /** Whether `hex` (0x + 48 hex digits, either case) is the previous hash: after `next`, the record's own. */
  isPrevious(hex: string): boolean {
    if (!this.decode24(hex)) return false;
    for (let i = 0; i < 6; i++) if (this.scratchWords[i] !== this.previous[i]) return false;
    return true;
  }

  /** The previous hash (after `next`, the record's own) as `recordHash` spells it: 0x + 48 lower-case hex digits. */
  head(): string {
    let out = "0x";
    for (let i = 0; i < 24; i++) out += HEX_BYTE[this.bytes[i]];
    return out;
  }

  private decode24(hex: string): boolean {
    return hex.length === 50 && is0x(hex) && this.scratch.write(hex.slice(2), 0, 24, "hex") === 24;
  }
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
