import { ZeroAddress } from "ethers";
import { keccak256Hex } from "./keccak";
import type { Interface, LogDescription } from "ethers";
import { GENESIS_RECORD_HASH } from "./records";
import { EventParser } from "./events";
import type { EventFault } from "./events";

/** A log as eth_getLogs returns it (quantities in hex). No ethers Log objects: the indexer decodes only what it needs. */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

/** Where a row came from on chain: the key of every mirror row. */
export interface ChainPosition {
  txHash: string;
  logIndex: number;
  blockNumber: number;
  blockHash: string;
}

export interface DecodedRecord extends ChainPosition {
  assetId: string;
  sequence: number;
  /** Lower-case addresses (the mirror's storage form). */
  from: string;
  to: string;
  amount: bigint;
  ref: string;
  postedAt: number;
  /** 64 hex digits each: the event's words, reused for the record hash without re-encoding. */
  assetWord: string;
  dataWords: string;
}

export type ChangeTable = "changes" | "permits" | "participants" | "acknowledgements";

export interface DecodedChange extends ChainPosition {
  table: ChangeTable;
  /** Event name (AssetIssued, PermitSuspended, ParticipantFrozen, Frozen...). */
  kind: string;
  args: Record<string, string | string[] | boolean>;
  assetId: string | null;
  /** The account the change is about (operator for permits, participant for participant changes). */
  account: string | null;
}

/** A log the mirror could not read as declared (ill-formed text: its change is still applied, with readable values). */
export interface DecodedFault extends ChainPosition, EventFault {
  /** The asset the event is about, when it says. */
  assetId: string | null;
}

/** RecordPosted's data: six words (sequence, from, to, amount, ref, postedAt). */
const RECORD_DATA = /^0x[0-9a-fA-F]{384}$/;

/** Events the mirror does not keep: the token-standard transfer events repeat what RecordPosted says. */
const SKIPPED = new Set(["TransferSingle", "TransferBatch", "ApprovalForAll", "URI"]);
const PERMIT_EVENTS = new Set(["PermitGranted", "PermitSuspended", "PermitResumed", "PermitRevoked"]);
/** Changes about one account (its `account` argument): registrations, freezes, and frozen units with who ordered them. */
const PARTICIPANT_EVENTS = new Set([
  "ParticipantRegistered",
  "ParticipantDeregistered",
  "ParticipantWalletKindUpdated",
  "ParticipantFrozen",
  "ParticipantUnfrozen",
  "Frozen",
  "FrozenUnitsOrdered",
]);

function jsonValue(v: unknown): string | string[] | boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return v.startsWith("0x") && v.length === 42 ? v.toLowerCase() : v;
  if (Array.isArray(v)) return v.map((x) => String(jsonValue(x)));
  return String(v);
}

function argsOf(parsed: LogDescription): Record<string, string | string[] | boolean> {
  const out: Record<string, string | string[] | boolean> = {};
  parsed.fragment.inputs.forEach((input, i) => {
    out[input.name || String(i)] = jsonValue(parsed.args[i]);
  });
  return out;
}

/** Decodes the ledger's logs: RecordPosted by slicing its fixed-size words, the rare others through the ABI. */
export class LogDecoder {
  readonly recordTopic: string;
  private readonly skippedTopics: Set<string>;
  private readonly events: EventParser;

  constructor(iface: Interface) {
    this.events = new EventParser(iface);
    this.recordTopic = iface.getEvent("RecordPosted")!.topicHash;
    this.skippedTopics = new Set(
      [...SKIPPED].flatMap((name) => {
        const e = iface.getEvent(name);
        return e ? [e.topicHash] : [];
      }),
    );
  }

  /** Never throws on one bad log: it is listed in `faults` and the others are decoded. */
  decode(logs: RawLog[]): { records: DecodedRecord[]; changes: DecodedChange[]; faults: DecodedFault[] } {
    const records: DecodedRecord[] = [];
    const changes: DecodedChange[] = [];
    const faults: DecodedFault[] = [];
    for (const log of logs) {
      if (log.removed) continue;
      const pos: ChainPosition = {
        txHash: log.transactionHash,
        logIndex: parseInt(log.logIndex, 16),
        blockNumber: parseInt(log.blockNumber, 16),
        blockHash: log.blockHash,
      };
      if (log.topics[0] === this.recordTopic) {
        const d = log.data;
        if (log.topics.length !== 2 || !RECORD_DATA.test(d)) {
          faults.push({
            ...pos,
            kind: "undecodable",
            event: "RecordPosted",
            topic: this.recordTopic,
            detail: "RecordPosted does not decode: not one indexed asset id and six data words",
            texts: [],
            assetId: null,
          });
          continue;
        }
        const assetWord = log.topics[1].slice(2);
        records.push({
          ...pos,
          assetId: BigInt(log.topics[1]).toString(),
          sequence: parseInt(d.slice(2, 66), 16),
          from: "0x" + d.slice(90, 130),
          to: "0x" + d.slice(154, 194),
          amount: BigInt("0x" + d.slice(194, 258)),
          ref: "0x" + d.slice(258, 322),
          postedAt: parseInt(d.slice(322, 386), 16),
          assetWord,
          dataWords: d.slice(2, 386),
        });
        continue;
      }
      if (this.skippedTopics.has(log.topics[0])) continue;
      const decoded = this.events.decode(log);
      if (!decoded) continue;
      if (!decoded.event) {
        faults.push({ ...pos, ...decoded.fault, assetId: null });
        continue;
      }
      const parsed = decoded.event;
      if (SKIPPED.has(parsed.name)) continue;
      const args = argsOf(parsed);
      const assetArg = args.assetId ?? args.tokenId;
      const assetId = typeof assetArg === "string" ? assetArg : null;
      if (decoded.fault) faults.push({ ...pos, ...decoded.fault, assetId });
      if (PERMIT_EVENTS.has(parsed.name)) {
        changes.push({
          ...pos,
          table: "permits",
          kind: parsed.name,
          args,
          assetId: null,
          account: String(args.operator),
        });
      } else if (PARTICIPANT_EVENTS.has(parsed.name)) {
        changes.push({
          ...pos,
          table: "participants",
          kind: parsed.name,
          args,
          assetId,
          account: String(args.account),
        });
      } else if (parsed.name === "DisclosureAcknowledged") {
        changes.push({
          ...pos,
          table: "acknowledgements",
          kind: parsed.name,
          args,
          assetId: null,
          account: String(args.account),
        });
      } else {
        changes.push({ ...pos, table: "changes", kind: parsed.name, args, assetId, account: null });
      }
    }
    return { records, changes, faults };
  }
}

/**
 * The ledger's record hash computed from the event's own words: abi.encode(previous, assetId, sequence, from, to,
 * amount, ref, postedAt) is the previous hash (bytes24, right-padded) followed by the indexed asset id and the
 * event's six data words, in that order. Same result as chain/records.ts recordHash, without re-encoding.
 */
export function recordHashFromWords(previous: string, assetWord: string, dataWords: string): string {
  return keccak256Hex(previous.slice(2) + "0000000000000000" + assetWord + dataWords).slice(0, 50);
}

export const ZERO_ADDRESS = ZeroAddress.toLowerCase();
export { GENESIS_RECORD_HASH };
