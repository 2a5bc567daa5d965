import { TransferStateReader__factory } from "../../typechain-types";
import { RpcError } from "./rpc";
import type { JsonRpcClient } from "./rpc";

/** One transfer request's pre-submission reads: the sender's next nonce and the ledger's verdict. */
export interface TransferQuery {
  operator: string;
  from: string;
  to: string;
  assetId: bigint;
  amount: bigint;
}

export interface TransferState {
  nonce: bigint;
  /** The position of the ledger's TransferCheck. */
  check: number;
}

/** At most this many queries per `eth_call`: 160 bytes each keeps the creation code far below EIP-3860's 48 KiB. */
export const MAX_QUERIES_PER_CALL = 100;
/** What the reader answers for a view that reverted (`type(uint256).max`). */
const FAILED = (1n << 256n) - 1n;

export const word = (v: bigint): string => v.toString(16).padStart(64, "0");
export const addressWord = (a: string): string => a.slice(2).toLowerCase().padStart(64, "0");

/**
 * The creation code of TransferStateReader with its constructor's arguments, `(address ledger, Query[] queries)`,
 * ABI-encoded by hand (every field is one static word): this runs for every batch of transfer requests.
 */
export function readerCallData(ledger: string, queries: readonly TransferQuery[]): string {
  let data = TransferStateReader__factory.bytecode + addressWord(ledger) + word(0x40n) + word(BigInt(queries.length));
  for (const q of queries)
    data += addressWord(q.operator) + addressWord(q.from) + addressWord(q.to) + word(q.assetId) + word(q.amount);
  return data;
}

/** The reader's answer: two words per query (nonce, check), `null` where either view reverted. */
export function decodeReaderAnswer(hex: string, count: number): (TransferState | null)[] {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (body.length !== count * 128) throw new Error(`reader answered ${body.length / 2} bytes for ${count} queries`);
  const out: (TransferState | null)[] = [];
  for (let i = 0; i < count; i++) {
    const nonce = BigInt("0x" + body.slice(i * 128, i * 128 + 64));
    const check = BigInt("0x" + body.slice(i * 128 + 64, i * 128 + 128));
    out.push(nonce === FAILED || check === FAILED ? null : { nonce, check: Number(check) });
  }
  return out;
}

interface Waiting {
  query: TransferQuery;
  resolve: (s: TransferState) => void;
  reject: (e: unknown) => void;
}

/**
 * The pre-submission reads of concurrent transfer requests, answered together: the queries made in one turn of the
 * event loop go to the node as one `eth_call` of TransferStateReader's creation code (a standard call with no `to`;
 * nothing is deployed). A node's fixed cost per `eth_call` is paid once per batch rather than twice per request.
 * A query whose views reverted, or a batch the node refused to run, is asked on its own (`single`), so each request
 * gets the answer, or the error, it would get alone. A node that does not answer fails the batch (CHAIN_UNAVAILABLE).
 */
export class TransferStateReads {
  private queue: Waiting[] = [];

  constructor(
    private readonly rpc: JsonRpcClient,
    private readonly ledger: string,
    /** The two views asked one by one, for a query the batch could not answer. */
    private readonly single: (q: TransferQuery) => Promise<TransferState>,
  ) {}

  read(query: TransferQuery): Promise<TransferState> {
    return new Promise<TransferState>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ query, resolve, reject });
    });
  }

  private flush(): void {
    const queue = this.queue;
    this.queue = [];
    for (let i = 0; i < queue.length; i += MAX_QUERIES_PER_CALL)
      void this.answer(queue.slice(i, i + MAX_QUERIES_PER_CALL));
  }

  private async answer(part: Waiting[]): Promise<void> {
    let states: (TransferState | null)[];
    try {
      const hex = await this.rpc.call<string>("eth_call", [
        {
          data: readerCallData(
            this.ledger,
            part.map((w) => w.query),
          ),
        },
        "latest",
      ]);
      states = decodeReaderAnswer(hex, part.length);
    } catch (err) {
      if (!(err instanceof RpcError) && !(err instanceof Error && err.message.startsWith("reader answered"))) {
        for (const w of part) w.reject(err);
        return;
      }
      states = part.map(() => null); // the node would not run it: ask each on its own
    }
    part.forEach((w, i) => {
      const s = states[i];
      if (s) w.resolve(s);
      else this.single(w.query).then(w.resolve, w.reject);
    });
  }
}
