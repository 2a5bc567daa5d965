import {
  checkResultErrors,
  EventFragment,
  getBytes,
  Indexed,
  Interface,
  LogDescription,
  Result,
  toUtf8String,
  Utf8ErrorFuncs,
} from "ethers";
import type { JsonFragmentType, ParamType } from "ethers";

/**
 * What can be wrong with a ledger log: a `string` argument whose bytes are not UTF-8 (any client of the ledger can
 * post one: ethers encodes a lone UTF-16 surrogate as such), or data that does not decode as the event at all.
 */
export type EventFaultKind = "ill-formed-text" | "undecodable";

/** A text argument that is not valid UTF-8: its exact bytes on chain and a readable form. */
export interface IllFormedText {
  /** The argument's name (a dotted path inside tuples and arrays). */
  arg: string;
  /** The exact bytes on chain, hex. */
  hex: string;
  /** The bytes as text, each ill-formed sequence replaced by U+FFFD. */
  text: string;
}

export interface EventFault {
  kind: EventFaultKind;
  /** The event's name (its topic is one of the contract's events). */
  event: string;
  topic: string;
  /** What is wrong, for people. */
  detail: string;
  /** ill-formed-text: each affected argument; empty for undecodable. */
  texts: IllFormedText[];
}

/** A decoded event. When `fault` is set its text arguments hold the readable (U+FFFD) form: reading never throws. */
export class ParsedEvent extends LogDescription {
  constructor(
    fragment: EventFragment,
    topic: string,
    args: Result,
    readonly fault: EventFault | null,
  ) {
    super(fragment, topic, args);
  }
}

/** A log of one of the contract's events: decoded (perhaps with ill-formed text), or only a fault. */
export type DecodedLog = { event: ParsedEvent; fault: EventFault | null } | { event: null; fault: EventFault };

interface Lenient {
  iface: Interface;
  fragment: EventFragment;
}

/** The same parameter with every `string` (also in arrays and tuples) read as `bytes`: same encoding, no UTF-8 check. */
export function asBytes(p: JsonFragmentType): JsonFragmentType {
  return {
    ...p,
    type: p.type?.replace(/^string(?=\[|$)/, "bytes"),
    ...(p.components ? { components: p.components.map(asBytes) } : {}),
  };
}

/**
 * Whether a strictly decoded value holds text no reader can keep as it is: a NUL is valid UTF-8, but PostgreSQL
 * refuses it in a text column (and the gateway refuses it at its edge), so it is treated like ill-formed text.
 */
export function holdsUnstorableText(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value instanceof Result) return value.toArray().some(holdsUnstorableText);
  return false;
}

/**
 * The strict value of `param` from its bytes-typed decoding; ill-formed text (not UTF-8, or holding a NUL) is
 * collected into `texts` and shown with U+FFFD in its place.
 */
export function relax(param: ParamType, value: unknown, path: string, texts: IllFormedText[]): unknown {
  if (value instanceof Indexed) return value; // an indexed dynamic value: only its hash is on chain
  if (param.baseType === "string" && typeof value === "string") {
    const bytes = getBytes(value);
    let text: string;
    try {
      text = toUtf8String(bytes);
      if (!text.includes("\u0000")) return text;
      text = text.replaceAll("\u0000", "\ufffd");
    } catch {
      text = toUtf8String(bytes, Utf8ErrorFuncs.replace);
    }
    texts.push({ arg: path, hex: value, text });
    return text;
  }
  if (param.isArray() && value instanceof Result) {
    return Result.fromItems(value.toArray().map((v, i) => relax(param.arrayChildren, v, `${path}[${i}]`, texts)));
  }
  if (param.isTuple() && value instanceof Result) {
    const items = value.toArray();
    return Result.fromItems(
      param.components.map((c, i) => relax(c, items[i], `${path}.${c.name || i}`, texts)),
      param.components.map((c) => c.name || null),
    );
  }
  return value;
}

function message(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string };
  return String(e?.shortMessage ?? e?.message ?? err).slice(0, 300);
}

/**
 * Decodes a contract's logs by topic, for the submitter and the mirror alike. `Interface.parseLog` looks the event up
 * by recomputing every fragment's topic hash (a keccak per fragment per log); a batch receipt carries two logs per
 * transfer, so the lookup is done once here.
 *
 * Never throws on one bad log. ethers defers an element's decoding error until the element is read, so a string
 * that is not UTF-8 would throw at every later use (settling an operation, mirroring a block): such a log is decoded
 * again with its strings as bytes, and each ill-formed one is kept as its hex plus a readable U+FFFD form.
 */
export class EventParser {
  private readonly byTopic = new Map<string, EventFragment>();
  private readonly lenient = new Map<string, Lenient>();

  constructor(private readonly iface: Interface) {
    iface.forEachEvent((fragment) => this.byTopic.set(fragment.topicHash, fragment));
  }

  /** The decoded event, or null when the log is not one of this contract's events or does not decode. */
  parse(log: { topics: readonly string[]; data: string }): ParsedEvent | null {
    return this.decode(log)?.event ?? null;
  }

  /** The decoded event and its fault, if any; null when the log is not one of this contract's events. */
  decode(log: { topics: readonly string[]; data: string }): DecodedLog | null {
    const topic = log.topics[0];
    const fragment = topic === undefined ? undefined : this.byTopic.get(topic);
    if (!fragment) return null;
    const undecodable = (err: unknown): DecodedLog => ({
      event: null,
      fault: {
        kind: "undecodable",
        event: fragment.name,
        topic,
        detail: `${fragment.name} does not decode: ${message(err)}`,
        texts: [],
      },
    });
    let strict: Result;
    try {
      strict = this.iface.decodeEventLog(fragment, log.data, log.topics);
    } catch (err) {
      return undecodable(err);
    }
    if (checkResultErrors(strict).length === 0 && !holdsUnstorableText(strict))
      return { event: new ParsedEvent(fragment, topic, strict, null), fault: null };

    const lenient = this.lenientOf(fragment);
    let raw: Result;
    try {
      raw = lenient.iface.decodeEventLog(
        lenient.fragment,
        log.data,
        fragment.anonymous ? log.topics : [lenient.fragment.topicHash, ...log.topics.slice(1)],
      );
    } catch (err) {
      return undecodable(err);
    }
    const errors = checkResultErrors(raw);
    if (errors.length > 0) return undecodable(errors[0].error); // something other than text is wrong
    const texts: IllFormedText[] = [];
    const values = fragment.inputs.map((p, i) => relax(p, raw[i], p.name || String(i), texts));
    const args = Result.fromItems(
      values,
      fragment.inputs.map((p) => p.name || null),
    );
    const fault: EventFault | null =
      texts.length === 0
        ? null
        : {
            kind: "ill-formed-text",
            event: fragment.name,
            topic,
            detail: `${fragment.name}: ${texts.map((t) => t.arg).join(", ")} not valid UTF-8 or holding NUL; kept as bytes, shown with U+FFFD`,
            texts,
          };
    return { event: new ParsedEvent(fragment, topic, args, fault), fault };
  }

  private lenientOf(fragment: EventFragment): Lenient {
    let l = this.lenient.get(fragment.topicHash);
    if (!l) {
      const json = JSON.parse(fragment.format("json")) as { inputs: JsonFragmentType[] };
      const bytesFragment = EventFragment.from({ ...json, inputs: json.inputs.map(asBytes) });
      l = { iface: new Interface([bytesFragment]), fragment: bytesFragment };
      this.lenient.set(fragment.topicHash, l);
    }
    return l;
  }
}
