import { gzipSync, deflateSync } from "node:zlib";
import { Signature, getAddress, id as keccakText } from "ethers";
import type { Role } from "../../server/persistence/entities";
import { typesOf } from "./fuzz-openapi";
import type { Endpoint, JsonSchema, Param } from "./fuzz-openapi";
import { Rng } from "./fuzz-random";
import { WEBHOOK_URL } from "./fuzz-stack";
import type { World } from "./fuzz-stack";

/**
 * The corpus: for request i, endpoint i mod n (in a seeded order, so every endpoint gets its share), a realistic
 * base request for that endpoint (its OpenAPI parameters and body, filled with the world's entities and payloads
 * signed at setup), and one malformation that a correct gateway must refuse with a 4xx. Mutating routes aim at
 * sacrificial entities (see World), so a wrongly accepted request is reported without breaking the run.
 */

export interface WireRequest {
  index: number;
  endpoint: Endpoint;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What was broken, e.g. "body.badSignature signature=compact 64-byte". */
  label: string;
}

interface Draft {
  role: Role | null;
  pathParams: Record<string, string>;
  /** Already percent-encoded (possibly malformed) path parameter values. */
  rawPathParams: Record<string, string>;
  /** Replaces the whole path (route-level junk). */
  rawPath?: string;
  query: [string, string][];
  /** Replaces the encoded query string. */
  rawQuery?: string;
  headers: Record<string, string>;
  body?: unknown;
  /** Bytes sent as they are (raw JSON text, broken encodings). */
  rawBody?: Buffer;
  /** undefined: application/json when there is a body; null: no Content-Type header. */
  contentType?: string | null;
  label: string;
}

type FieldKind =
  | "address"
  | "uint"
  | "decimal"
  | "integer"
  | "bytes32"
  | "signature"
  | "uri"
  | "bin"
  | "date"
  | "uuid"
  | "enum"
  | "text"
  | "boolean"
  | "object"
  | "array"
  | "unknown";

interface Field {
  path: (string | number)[];
  name: string;
  schema: JsonSchema;
  kind: FieldKind;
  value: unknown;
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile values. Every one is invalid for the field kind it is used on (a correct gateway refuses it).

const TWO_256 = (1n << 256n).toString();
const NUMERIC_EDGES = [
  "-1",
  "1e400",
  "0x10",
  "NaN",
  "Infinity",
  "-Infinity",
  "1.5",
  "01",
  " 1",
  "1 ",
  "+1",
  "",
  TWO_256,
  "١٢٣",
  "1_000",
  "0b1",
  "9".repeat(100),
  "1e3",
  "1,000",
  "0.0",
];
/** Path segments for integer parameters coerced by the gateway ("0x10" coerces to 16, a version that does not exist). */
const INTEGER_PATH_EDGES = ["-1", "1e400", "NaN", "1.5", "0", "4294967296", TWO_256, "0x10", "Infinity", "1e-7"];
/**
 * Integers at the bounds of PostgreSQL's integer (int4), uint32, JavaScript's exact integers (2^53) and bigint
 * (int8), on both sides: one stored in a column too small, or parsed to a number, breaks a careless gateway.
 */
const INT_BOUNDS = [
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "4294967295",
  "4294967296",
  "9007199254740991",
  "9007199254740992",
  "9007199254740993",
  "-9007199254740993",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775809",
  "18446744073709551616",
];
/** C0 and C1 controls, DEL and a line separator: PostgreSQL refuses NUL in text; logs, headers and parsers mind the rest. */
const CONTROL_CHARS = [
  "\u0000",
  "\u0001",
  "\u0007",
  "\b",
  "\t",
  "\n",
  "\r\n",
  "\u000b",
  "\u001b",
  "\u001f",
  "\u007f",
  "\u0085",
  "\u009f",
  "\u2028",
];
const DECIMAL_EDGES = [
  "1e400",
  "0x10",
  "NaN",
  "-1",
  "1.1234567",
  "1,5",
  "",
  ".5",
  "5.",
  "Infinity",
  TWO_256 + "0".repeat(5),
];
const LONE_SURROGATES = ["\udfff", "\ud800", "a\ud800b", "\udc00\ud800", "x\ud83d", "\ud83d\ud83d", "\udbff"];
const BAD_UTF8: number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0xc3, 0x28],
  [0xa0, 0xa1],
  [0xe2, 0x28, 0xa1],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xc0, 0xaf],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];
const BAD_URIS = [
  "javascript:alert(1)",
  "JavaScript:alert(document.domain)",
  " javascript:alert(1)",
  "java\tscript:alert(1)",
  "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
  "data:application/pdf,%25PDF-1.4",
  "file:///etc/passwd",
  "file://C:/Windows/win.ini",
  "ftp://ftp.example.kz/decision.pdf",
  "vbscript:msgbox(1)",
  "gopher://127.0.0.1:25/_HELO",
  "//evil.example/decision.pdf",
  "not a uri",
  "https://exa mple.kz/x",
  "http://[::1",
  "https://" + "a".repeat(2100) + ".kz",
];
const BAD_BINS = [
  "230140012345",
  "190440005678",
  "23014001234",
  "2301400123400",
  "23014001234A",
  "２３０１４００１２３４０",
  "-23014001234",
  "230140 12340",
  "0x230140012340",
  "",
  "2301400123.0",
];
const BAD_DATES = [
  "' OR '1'='1",
  "1; DROP TABLE audit_log; --",
  "2026-01-01' OR '1'='1",
  "2026-02-30T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-01-01T25:00:00Z",
  "2026-01-01",
  "9999999999999",
  "+275760-09-13T00:00:00.001Z",
  "-271821-04-20T00:00:00.000Z",
  "1e400",
  "now",
  "0000-00-00T00:00:00Z",
  "2026-01-01T00:00:00+25:00",
  "Infinity",
];
/** Time filters that some parsers accept but no correct one should turn into a 5xx. */
const DATE_FILTERS = [
  ...BAD_DATES,
  "999999999999",
  "99999999999",
  "0",
  "2026-01-01T00:00:00Z",
  "Tue, 31 Dec 2030 00:00:00 GMT",
  "December 17, 1995 03:24:00",
  "2026",
  "-1",
];
const BAD_UUIDS = [
  "not-a-uuid",
  "00000000000040008000000000000000",
  "{00000000-0000-4000-8000-000000000000}",
  "00000000-0000-4000-8000-00000000000g",
  "00000000-0000-4000-8000-0000000000000",
  "' OR 1=1 --",
  "../../etc/passwd",
  "0",
  "-1",
];
const BAD_BYTES32 = [
  "0x" + "ab".repeat(31),
  "0x" + "ab".repeat(33),
  "ab".repeat(32),
  "0x" + "zz".repeat(32),
  "0x" + "ab".repeat(32) + " ",
  "0X" + "AB".repeat(32),
  "0x",
  "0x" + "a".repeat(63),
];
const BAD_ENUMS = [
  "",
  " NaturalPerson",
  "naturalperson",
  "TRUE",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "x".repeat(300),
  "null",
];
/** Path segments with broken or dangerous percent-encoding: never a valid parameter value. */
const ODD_PATH = [
  "%E0%A4%A",
  "%00",
  "%uD800",
  "..%2F..%2Fhealthz",
  "%2e%2e%2f%2e%2e%2f",
  "%ED%A0%80",
  "%FF%FE",
  "%C0%AF",
  "x%",
  "%%",
  "%2",
  "%E0%80%80",
  "%F0%9F%98",
  "a%0Ab",
  "%0D%0ASet-Cookie:%20x=1",
];
const ODD_QUERY = ["%E0%A4%A", "%00", "%uD800", "%ED%A0%80", "%FF", "%", "%%32%30", "..%2F..%2F", "%0D%0A"];
const SYNTAX_ERRORS = [
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  "NaN",
  "{a:1}",
  "[1,2",
  '{"a":1}{"b":2}',
  '{"a":"\\x41"}',
  '{"a":"' + "\u0001" + '"}',
  "{} garbage",
  '"just a string"',
  "1e400",
  "true",
  "null",
  '{"a":01}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":"\\ud800"',
  "]",
  '{"__proto__":',
  "\u0000",
];
const WRONG_CONTENT_TYPES: { type: string | null; body?: string }[] = [
  { type: "text/plain" },
  { type: "application/x-www-form-urlencoded", body: "address=0x00&kind=NaturalPerson" },
  {
    type: "multipart/form-data; boundary=----fz",
    body: '------fz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n------fz--\r\n',
  },
  { type: "application/xml", body: "<a>1</a>" },
  { type: "application/jsonx" },
  { type: "json" },
  { type: null },
  { type: "text/json" },
  { type: "application/javascript" },
];
const CHARSETS = [
  "latin1",
  "iso-8859-1",
  "utf-7",
  "ibm037",
  "utf-16le",
  "utf-bogus",
  "windows-1251",
  "koi8-r",
  "ucs-2",
];
const EXTRA_KEYS = [
  "extra",
  "__proto__",
  "constructor",
  "prototype",
  "isAdmin",
  "$where",
  "",
  "a".repeat(1000),
  "role",
  "status",
  "k\ud800",
];
const BAD_AUTH = [
  "Bearer",
  "Bearer ",
  "Bearer a b",
  "Basic dXNlcjpwYXNz",
  "bearer\tX",
  "Bearer " + "x".repeat(9000),
  "Token abc",
  "Bearer ' OR '1'='1",
];

const ADDRESS_NAMES = new Set([
  "address",
  "account",
  "from",
  "to",
  "holder",
  "owner",
  "operator",
  "verifier",
  "issuer",
  "participant",
]);
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** The kind of a body field, from its schema (and its name where the schema only carries an example). */
function kindOf(name: string, schema: JsonSchema): FieldKind {
  if (schema.enum) return "enum";
  const types = typesOf(schema);
  if (types.includes("object")) return "object";
  if (types.includes("array")) return "array";
  if (types.includes("boolean")) return "boolean";
  if (types.includes("integer") || types.includes("number")) return "integer";
  if (!types.includes("string")) return "unknown";
  if (schema.format === "date-time") return "date";
  if (schema.format === "uuid") return "uuid";
  if (schema.format === "uri" || name === "uri" || name === "url") return "uri";
  if (schema.pattern?.includes("{64}")) return "bytes32";
  if (/signature/i.test(name) || schema.pattern === "^0x([0-9a-fA-F]{2})+$") return "signature";
  if (typeof schema.example === "string" && /^\d{4}-\d{2}-\d{2}T/.test(schema.example)) return "date";
  if (
    (typeof schema.example === "string" && ADDRESS_RE.test(schema.example)) ||
    (ADDRESS_NAMES.has(name) && !schema.pattern && schema.example === undefined)
  )
    return "address";
  if (typeof schema.example === "string" && /^\d+$/.test(schema.example)) return "uint";
  if (schema.pattern && /\\\.|\[0-9\]/.test(schema.pattern)) return "decimal";
  if (name === "bin" || name === "iin") return "bin";
  return "text";
}

/** Every field of a body value, with its schema (depth-first, root first). */
function fieldsOf(value: unknown, schema: JsonSchema, path: (string | number)[] = [], name = ""): Field[] {
  const out: Field[] = [
    { path, name, schema, kind: path.length === 0 ? kindOf("", schema) : kindOf(name, schema), value },
  ];
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sub =
        schema.properties?.[k] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : {});
      out.push(...fieldsOf(v, sub, [...path, k], k));
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...fieldsOf(v, schema.items ?? {}, [...path, i], name)));
  }
  return out;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  // defineProperty: a key named "__proto__" becomes an own property (as JSON.parse makes it), not the prototype.
  Object.defineProperty(node, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return root;
}

function deleteAt(root: unknown, path: (string | number)[]): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  delete node[path[path.length - 1]];
}

const show = (path: (string | number)[]) => (path.length ? path.join(".") : "(body)");
const brief = (v: string) => {
  const escaped = JSON.stringify(v).slice(1, -1);
  return escaped.length > 40 ? `${escaped.slice(0, 37)}…(${v.length})` : escaped;
};

/** JSON text with one placeholder string value replaced by raw text (deep nesting, numbers JSON cannot carry). */
function withRaw(body: unknown, path: (string | number)[], raw: string): Buffer {
  const marker = "\u0001FZRAW\u0001";
  const text = JSON.stringify(setAt(body, path, marker));
  return Buffer.from(text.replace(JSON.stringify(marker), raw));
}

/** JSON bytes with raw (invalid UTF-8) bytes inside one string value. */
function withBytes(body: unknown, path: (string | number)[], before: string, bytes: number[]): Buffer {
  const marker = "FZBYTES" + "7".repeat(3);
  const text = JSON.stringify(setAt(body, path, before + marker));
  const [head, tail] = text.split(marker);
  return Buffer.concat([Buffer.from(head), Buffer.from(bytes), Buffer.from(tail)]);
}

/** A value with one control character put at its start, its end or inside it. */
function withControlChar(rng: Rng, value: string): string {
  const at = rng.pick([0, value.length, rng.int(0, value.length)]);
  return value.slice(0, at) + rng.pick(CONTROL_CHARS) + value.slice(at);
}

function deepNesting(levels: number, rng: Rng): string {
  switch (rng.int(0, 2)) {
    case 0:
      return "[".repeat(levels) + "]".repeat(levels);
    case 1:
      return '{"a":'.repeat(Math.min(levels, 15_000)) + "0" + "}".repeat(Math.min(levels, 15_000));
    default:
      return '[{"a":'.repeat(levels / 4) + "null" + "}]".repeat(levels / 4);
  }
}

/** Addresses that are not addresses: wrong length, wrong checksum, no prefix, not hex, padded. */
function badAddress(rng: Rng, like: string): string {
  const lower = like.toLowerCase();
  const flip = () => {
    const chars = getAddress(lower).split("");
    const letters = chars.map((c, i) => (i > 1 && /[a-fA-F]/.test(c) ? i : -1)).filter((i) => i >= 0);
    if (letters.length === 0) return lower.slice(0, 41);
    const i = rng.pick(letters);
    chars[i] = chars[i] === chars[i].toLowerCase() ? chars[i].toUpperCase() : chars[i].toLowerCase();
    return chars.join("");
  };
  return rng.pick([
    () => lower.slice(0, 41),
    () => lower + "0",
    () => lower + "00",
    () => lower.slice(2),
    () => "0X" + lower.slice(2),
    () => "0x" + "g".repeat(40),
    flip,
    () => " " + lower,
    () => lower + "\n",
    () => "alice.eth",
    () => "0x",
    () => "",
    () => lower + "\udfff",
    () => lower.slice(0, 10),
    () => "0x" + "0".repeat(64),
  ])();
}

/** Signatures that must not be taken for a 65-byte (r, s, v) one with low s. */
function badSignature(rng: Rng, sig: string): { value: string; what: string } {
  const s = Signature.from(sig);
  const N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"); // secp256k1 group order
  const highS = "0x" + (N - BigInt(s.s)).toString(16).padStart(64, "0");
  return rng.pick([
    () => ({ value: s.compactSerialized, what: "compact 64-byte (EIP-2098)" }),
    () => ({ value: sig + "00", what: "66-byte" }),
    () => ({ value: sig.slice(0, -1), what: "odd hex" }),
    () => ({ value: "0x", what: "empty" }),
    () => ({ value: "0x" + "00".repeat(65), what: "65 zero bytes" }),
    () => ({ value: s.r + highS.slice(2) + (s.v === 27 ? "1c" : "1b"), what: "high-s (malleated)" }),
    () => ({ value: sig.slice(0, -2) + "1d", what: "v=29" }),
    () => ({ value: sig.slice(0, -2) + "ff", what: "v=255" }),
    () => ({ value: "0x00", what: "1 byte" }),
    () => ({ value: "0x" + "ab".repeat(2049), what: "4098+ chars" }),
    () => ({ value: "0x" + "zz".repeat(65), what: "not hex" }),
    () => ({ value: "0X" + sig.slice(2), what: "0X prefix" }),
    () => ({ value: sig.slice(0, 66), what: "32 bytes" }),
  ])();
}

// ---------------------------------------------------------------------------------------------------------------
// Base requests.

const SCHEMA_SAMPLE_DEPTH = 6;

/** A valid-looking value for a schema, used where no hand-written base exists. */
function sample(schema: JsonSchema, name: string, world: World, rng: Rng, depth = 0): unknown {
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const kind = kindOf(name, schema);
  switch (kind) {
    case "object": {
      const out: Record<string, unknown> = {};
      if (depth > SCHEMA_SAMPLE_DEPTH) return out;
      for (const [k, s] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(k) || rng.bool(0.5)) out[k] = sample(s, k, world, rng, depth + 1);
      }
      if (Object.keys(out).length === 0 && typeof schema.additionalProperties === "object") out.note = "fuzz";
      return out;
    }
    case "array":
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
        sample(schema.items ?? {}, name, world, rng, depth + 1),
      );
    case "boolean":
      return true;
    case "integer":
      return Math.max(schema.minimum ?? 1, 1);
    case "address":
      return world.holders.C.address;
    case "uint":
      return "1";
    case "decimal":
      return "1.5";
    case "bytes32":
      return keccakText(`fuzz ${name}`);
    case "signature":
      return world.signed.transfer.signature;
    case "uri":
      return "https://platform.kz/fuzz";
    case "date":
      return "2031-01-01T00:00:00.000Z";
    case "uuid":
      return rng.uuid();
    case "bin":
      return world.validBin;
    case "text":
      return "fuzz " + rng.word(Math.max(1, schema.minLength ?? 1), 8);
    default:
      return "fuzz";
  }
}

/** The entity a path or query parameter names: sacrificial ones for mutating routes, any known one for reads. */
function entityFor(name: string, schema: JsonSchema, ep: Endpoint, world: World, rng: Rng): string {
  const w = world;
  const holders = [w.holders.A.address, w.holders.B.address, w.holders.C.address, w.holders.D.address];
  const op = ep.operationId;
  // On-chain roles by name: grants and revocations aim at OPERATOR (the authority administers it); reads at any role.
  if (name === "role")
    return ep.mutating ? "OPERATOR" : rng.pick(["OPERATOR", "VERIFIER", "AUTHORITY", "DEFAULT_ADMIN"]);
  if (ep.mutating) {
    if (name === "assetId") return w.assets.sacrificial;
    if (name === "operator") return w.sacrificialOperator;
    if (name === "code") return w.assetTypes.sacrificial;
    if (name === "version") return String(w.disclosure.version);
    if (name === "id") {
      if (/Subscription/.test(op)) return w.ids.subscription;
      if (/MonitoringRule/.test(op)) return w.ids.rule;
      if (/attest|postIssuance|Issuance/.test(op)) return w.ids.filedRequest;
      return rng.uuid();
    }
    if (kindOf(name, schema) === "address" || ADDRESS_NAMES.has(name)) return w.holders.C.address;
  } else {
    if (name === "assetId") return rng.pick([w.assets.live, w.assets.sacrificial]);
    if (name === "operator") return rng.pick([w.operator, w.sacrificialOperator]);
    if (name === "code") return rng.pick([w.assetTypes.live, w.assetTypes.sacrificial]);
    if (name === "version") return String(w.disclosure.version);
    if (name === "id") {
      if (op === "getOperation") return w.ids.operation;
      if (/Issuance/.test(op)) return rng.pick([w.ids.filedRequest, w.ids.postedRequest]);
      if (/Subscription/.test(op)) return w.ids.subscription;
      if (/MonitoringRule/.test(op)) return w.ids.rule;
      return rng.uuid();
    }
    if (kindOf(name, schema) === "address" || ADDRESS_NAMES.has(name)) return rng.pick(holders);
  }
  const v = sample(schema, name, world, rng);
  return typeof v === "string" ? v : String(v);
}

/** Hand-written bodies for the mutating routes: valid as they stand, aimed at sacrificial or fresh entities. */
function baseBody(ep: Endpoint, world: World, rng: Rng): unknown {
  const w = world;
  const fresh = () => getAddress("0x" + rng.hex(20));
  const reason = { reason: "fuzz: court order 2-" + rng.int(1, 9999) };
  switch (ep.operationId) {
    case "grantPermit":
      return {
        operator: fresh(),
        legalName: "Fuzz Platform LLP",
        bin: w.validBin,
        permitNumber: `KZ-SDA-FZ-${rng.int(1000, 9999)}`,
        scope: "circulation",
      };
    case "suspendPermit":
      return { reason: "inspection", until: "2031-01-01T00:00:00.000Z" };
    case "revokePermit":
      return { courtDecision: "Court ruling 2-1234/2026" };
    case "listAssetType":
      return { code: "FZ" + rng.word(4, 8).toUpperCase(), name: "Fuzz-listed type", category: "Service" };
    case "registerParticipant":
      return { address: fresh(), kind: "NaturalPerson", identity: { fullName: "Fuzz Person", iin: w.validIin } };
    case "freezeParticipant":
    case "unfreezeParticipant":
    case "suspendAsset":
    case "resumeAsset":
      return reason;
    case "publishDisclosure":
      return {
        text: `Risk disclosure (fuzz ${rng.word()}): digital assets may lose value.`,
        uri: "https://platform.kz/risks/fuzz",
      };
    case "acknowledgeDisclosure":
      return clone(w.signed.acknowledgement);
    case "fileIssuanceRequest":
      return clone(w.signed.filing);
    case "attestCollateral":
      return clone(w.signed.attestation);
    case "submitTransfer":
      return clone(w.signed.transfer);
    case "submitRedemption":
      return clone(w.signed.redemption);
    case "declareObligationsFulfilled":
      return clone(w.signed.obligations);
    case "changeDecisionDocument":
      return clone(w.signed.decisionChange);
    case "grantRole":
      return { account: fresh() };
    case "setFrozenUnits":
      return { account: w.holders.C.address, amount: "1" };
    case "forcedTransfer":
      return {
        from: w.holders.A.address,
        to: w.holders.B.address,
        assetId: w.assets.live,
        amount: "1",
        basis: "CourtDecision",
        ref: keccakText("court decision 2-77"),
      };
    case "resyncMirror":
      return { fromBlock: w.deployBlock };
    case "createSubscription":
      return { url: WEBHOOK_URL, eventTypes: ["permit.changed"], description: "fuzz" };
    case "replaySubscription":
      return { fromSequence: 1 };
    case "createMonitoringRule":
    case "updateMonitoringRule":
      return { name: "fuzz rule", kind: "single-movement", thresholdUnits: "1000" };
    case "setDeclaredValue":
      return { unitValue: "1250.50", currency: "KZT" };
    case "acknowledgeMonitoringReport":
    case "closeMonitoringReport":
      return { note: "looked at" };
    default:
      return ep.body ? sample(ep.body, "", world, rng) : undefined;
  }
}

function roleFor(ep: Endpoint, rng: Rng): Role | null {
  const all: Role[] = ["authority", "operator", "verifier", "monitor"];
  if (ep.roles === "public") return rng.bool(0.1) ? rng.pick(all) : null;
  if (ep.roles === "any") return rng.pick(all);
  return rng.pick(ep.roles);
}

function baseDraft(ep: Endpoint, world: World, rng: Rng, index: number): Draft {
  const d: Draft = { role: roleFor(ep, rng), pathParams: {}, rawPathParams: {}, query: [], headers: {}, label: "" };
  for (const p of ep.params) {
    if (p.in === "path") d.pathParams[p.name] = entityFor(p.name, p.schema, ep, world, rng);
    else if (p.in === "query") {
      if (ep.mutating) {
        // Never ?wait=true on a mutating call: an accepted one is reported, not waited for.
        if (p.name === "wait" && rng.bool(0.3)) d.query.push(["wait", "false"]);
        else if (p.required) d.query.push([p.name, entityFor(p.name, p.schema, ep, world, rng)]);
      } else if (p.required || rng.bool(0.3)) {
        d.query.push([p.name, entityFor(p.name, p.schema, ep, world, rng)]);
      }
    } else if (p.name.toLowerCase() === "idempotency-key") {
      if (p.required || rng.bool(0.5)) d.headers["idempotency-key"] = `fz-${world.seed}-${index}`;
    }
  }
  if (ep.body) d.body = baseBody(ep, world, rng);
  return d;
}

// ---------------------------------------------------------------------------------------------------------------
// Malformations.

interface Ctx {
  ep: Endpoint;
  world: World;
  rng: Rng;
  fields: Field[];
  /** The body has required properties: without it the request is incomplete. */
  bodyRequired: boolean;
}

type Category = "body" | "parser" | "path" | "query" | "header" | "auth";

interface Mutation {
  name: string;
  category: Category;
  applies(c: Ctx): boolean;
  /** Changes the draft; returns the label's detail. */
  apply(d: Draft, c: Ctx): string;
}

const fieldsOfKind = (c: Ctx, ...kinds: FieldKind[]) =>
  c.fields.filter((f) => f.path.length > 0 && kinds.includes(f.kind));
const stringFields = (c: Ctx) => c.fields.filter((f) => f.path.length > 0 && typeof f.value === "string");
const queryParams = (c: Ctx): Param[] =>
  c.ep.params.filter((p) => p.in === "query" && (!c.ep.mutating || p.schema.enum !== undefined));
const pathParams = (c: Ctx): Param[] => c.ep.params.filter((p) => p.in === "path");

function wrongTypeFor(f: Field, rng: Rng): unknown {
  // Never null: several fields are nullable without saying so in the document.
  switch (f.kind) {
    case "object":
      return rng.pick<unknown>(["x", 1, [], true, [{}], 0]);
    case "array":
      return rng.pick<unknown>(["x", {}, 1, { 0: "a", length: 1 }, true]);
    case "boolean":
      return rng.pick<unknown>(["true", 1, "yes", [], {}]);
    case "integer":
      return rng.pick<unknown>(["1", true, {}, [], "NaN", [1]]);
    default:
      return rng.pick<unknown>([123, true, {}, [], ["x"], { $ne: null }, { $gt: "" }, 0, -1.5]);
  }
}

const MUTATIONS: Mutation[] = [
  // Body: shape.
  {
    name: "body.wrongType",
    category: "body",
    applies: (c) => c.fields.some((f) => f.kind !== "unknown"),
    apply: (d, c) => {
      const f = c.rng.pick(c.fields.filter((x) => x.kind !== "unknown"));
      if (f.path.length === 0) {
        const raw = c.rng.pick(["[]", "[{}]", "1", "true", "0", "[" + "0,".repeat(999) + "0]", '["a"]']);
        d.rawBody = Buffer.from(raw);
        return `(body)=${raw.slice(0, 20)}`;
      }
      const v = wrongTypeFor(f, c.rng);
      d.body = setAt(d.body, f.path, v);
      return `${show(f.path)}=${JSON.stringify(v)}`;
    },
  },
  {
    name: "body.missingRequired",
    category: "body",
    applies: (c) => c.fields.some((f) => f.kind === "object" && (f.schema.required?.length ?? 0) > 0),
    apply: (d, c) => {
      const f = c.rng.pick(c.fields.filter((x) => x.kind === "object" && (x.schema.required?.length ?? 0) > 0));
      const key = c.rng.pick(f.schema.required!);
      deleteAt(d.body, [...f.path, key]);
      return `without ${show([...f.path, key])}`;
    },
  },
  {
    name: "body.extraField",
    category: "body",
    applies: (c) => c.fields.some((f) => f.kind === "object" && f.schema.additionalProperties === false),
    apply: (d, c) => {
      const f = c.rng.pick(c.fields.filter((x) => x.kind === "object" && x.schema.additionalProperties === false));
      const key = c.rng.pick(EXTRA_KEYS.filter((k) => !(k in (f.schema.properties ?? {}))));
      const value = c.rng.pick<unknown>([1, "x", true, { isAdmin: true }, [1], null]);
      d.body = setAt(d.body, [...f.path, key], value);
      return `${show(f.path)} + ${JSON.stringify(key).slice(0, 30)}`;
    },
  },
  {
    name: "body.hugeString",
    category: "body",
    applies: (c) => stringFields(c).length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(stringFields(c));
      const max = f.schema.maxLength;
      const length =
        max !== undefined && c.rng.bool(0.7)
          ? c.rng.pick([max + 1, max * 2 + 1, Math.max(max + 1, 60_000)])
          : c.rng.pick([150_000, 1_000_000]);
      const unit = c.rng.pick(["A", "é", "🙂", "\u0000", "%"]);
      // `length` characters (code points), so the value is too long however the gateway counts.
      d.body = setAt(d.body, f.path, unit.repeat(length));
      return `${show(f.path)} ${length} × ${JSON.stringify(unit)}`;
    },
  },
  {
    name: "body.hugeArray",
    category: "body",
    applies: (c) => c.fields.some((f) => f.path.length > 0),
    apply: (d, c) => {
      const arrays = fieldsOfKind(c, "array");
      if (arrays.length > 0 && c.rng.bool(0.6)) {
        const f = c.rng.pick(arrays);
        const n = c.rng.pick([(f.schema.maxItems ?? 100) + 1, 10_000, 60_000]);
        const item: unknown = Array.isArray(f.value) && f.value.length ? f.value[0] : "1";
        d.body = setAt(
          d.body,
          f.path,
          Array.from({ length: n }, () => item),
        );
        return `${show(f.path)} ${n} items`;
      }
      const f = c.rng.pick(c.fields.filter((x) => x.path.length > 0 && x.kind !== "unknown"));
      const n = c.rng.pick([1_000, 20_000]);
      d.body = setAt(
        d.body,
        f.path,
        Array.from({ length: n }, (_, i) => i),
      );
      return `${show(f.path)} = array of ${n}`;
    },
  },
  {
    name: "body.deepNesting",
    category: "body",
    applies: (c) => c.fields.some((f) => f.path.length > 0),
    apply: (d, c) => {
      const f = c.rng.pick(c.fields.filter((x) => x.path.length > 0));
      const levels = c.rng.pick([1_000, 20_000]);
      d.rawBody = withRaw(d.body, f.path, deepNesting(levels, c.rng));
      return `${show(f.path)} nested ${levels} levels`;
    },
  },
  // Body: text.
  {
    name: "body.loneSurrogates",
    category: "body",
    applies: (c) => stringFields(c).length > 0,
    apply: (d, c) => {
      const text = stringFields(c).filter((f) => f.kind === "text" || f.kind === "uri" || f.kind === "enum");
      const all = c.rng.bool(0.5) && text.length > 0;
      const targets = all ? text : [c.rng.pick(stringFields(c))];
      const s = c.rng.pick(LONE_SURROGATES);
      for (const f of targets) {
        const v = String(f.value);
        const at = c.rng.int(0, v.length);
        d.body = setAt(d.body, f.path, v.slice(0, at) + s + v.slice(at));
      }
      return `${all ? "every text field" : show(targets[0].path)} += ${brief(s)}`;
    },
  },
  {
    name: "body.invalidUtf8",
    category: "body",
    applies: (c) => stringFields(c).length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(stringFields(c));
      const bytes = c.rng.pick(BAD_UTF8);
      d.rawBody = withBytes(d.body, f.path, String(f.value).slice(0, 20), bytes);
      return `${show(f.path)} bytes ${Buffer.from(bytes).toString("hex")}`;
    },
  },
  // Body: values of a kind.
  {
    name: "body.numericEdges",
    category: "body",
    applies: (c) => fieldsOfKind(c, "uint", "decimal", "integer").length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(fieldsOfKind(c, "uint", "decimal", "integer"));
      if (f.kind === "integer") {
        const min = f.schema.minimum ?? -Infinity;
        const raw = c.rng.pick(
          [
            "-1",
            "1.5",
            "1e400",
            "-1e400",
            TWO_256,
            "1e77",
            "9007199254740993.5",
            String(min - 1),
            "0.1e1x",
            ...INT_BOUNDS,
          ].filter((r) => r !== "NaN" && !(min <= -1 && r === "-1")),
        );
        d.rawBody = withRaw(d.body, f.path, raw);
        return `${show(f.path)}=${raw.slice(0, 30)} (raw number)`;
      }
      // A positive bound is a valid uint256 (a large threshold or frozen amount is legitimate): only the negative
      // ones are malformed for a uint field.
      const v = c.rng.pick(
        f.kind === "decimal"
          ? DECIMAL_EDGES
          : [...NUMERIC_EDGES, ...INT_BOUNDS.filter((b) => f.kind !== "uint" || b.startsWith("-"))],
      );
      d.body = setAt(d.body, f.path, v);
      return `${show(f.path)}=${JSON.stringify(v).slice(0, 40)}`;
    },
  },
  {
    name: "body.badAddress",
    category: "body",
    applies: (c) => fieldsOfKind(c, "address").length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(fieldsOfKind(c, "address"));
      const v = badAddress(
        c.rng,
        typeof f.value === "string" && ADDRESS_RE.test(f.value) ? f.value : c.world.holders.C.address,
      );
      d.body = setAt(d.body, f.path, v);
      return `${show(f.path)}=${brief(v)}`;
    },
  },
  {
    name: "body.badSignature",
    category: "body",
    applies: (c) => fieldsOfKind(c, "signature").length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(fieldsOfKind(c, "signature"));
      const sig =
        typeof f.value === "string" && /^0x[0-9a-fA-F]{130}$/.test(f.value)
          ? f.value
          : c.world.signed.transfer.signature;
      const { value, what } = badSignature(c.rng, sig);
      d.body = setAt(d.body, f.path, value);
      return `${show(f.path)} ${what}`;
    },
  },
  {
    name: "body.badUri",
    category: "body",
    applies: (c) => fieldsOfKind(c, "uri").length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(fieldsOfKind(c, "uri"));
      const v = c.rng.pick(BAD_URIS);
      d.body = setAt(d.body, f.path, v);
      return `${show(f.path)}=${brief(v)}`;
    },
  },
  {
    name: "body.badBin",
    category: "body",
    applies: (c) => fieldsOfKind(c, "bin").length > 0 || c.fields.some((f) => f.name === "iin"),
    apply: (d, c) => {
      const f = c.rng.pick(c.fields.filter((x) => x.kind === "bin" || x.name === "iin"));
      const v = c.rng.pick(BAD_BINS);
      d.body = setAt(d.body, f.path, v);
      return `${show(f.path)}=${brief(v)}`;
    },
  },
  {
    name: "body.badDate",
    category: "body",
    applies: (c) => fieldsOfKind(c, "date").length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(fieldsOfKind(c, "date"));
      const v = c.rng.pick(BAD_DATES);
      d.body = setAt(d.body, f.path, v);
      return `${show(f.path)}=${brief(v)}`;
    },
  },
  {
    name: "body.badBytes32",
    category: "body",
    applies: (c) => fieldsOfKind(c, "bytes32").length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(fieldsOfKind(c, "bytes32"));
      const v = c.rng.pick(BAD_BYTES32);
      d.body = setAt(d.body, f.path, v);
      return `${show(f.path)}=${brief(v)}`;
    },
  },
  {
    name: "body.badEnum",
    category: "body",
    applies: (c) => fieldsOfKind(c, "enum").length > 0,
    apply: (d, c) => {
      const f = c.rng.pick(fieldsOfKind(c, "enum"));
      const allowed = (f.schema.enum ?? []).map(String);
      const v = c.rng.pick(BAD_ENUMS.filter((x) => !allowed.includes(x)));
      d.body = setAt(d.body, f.path, v);
      return `${show(f.path)}=${brief(v)}`;
    },
  },
  {
    name: "body.wrongContentType",
    category: "body",
    applies: (c) => c.bodyRequired,
    apply: (d, c) => {
      const t = c.rng.pick(WRONG_CONTENT_TYPES);
      d.contentType = t.type;
      if (t.body !== undefined) d.rawBody = Buffer.from(t.body);
      return `content-type ${t.type ?? "(none)"}`;
    },
  },
  // The body parser: any route, with or without a body (a bodyless route must not ignore a broken body).
  {
    name: "parser.syntax",
    category: "parser",
    applies: () => true,
    apply: (d, c) => {
      const raw = c.rng.pick(SYNTAX_ERRORS);
      d.rawBody = Buffer.from(raw);
      d.contentType = c.rng.pick([
        "application/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
      ]);
      return brief(raw);
    },
  },
  {
    name: "parser.deepNesting",
    category: "parser",
    applies: () => true,
    apply: (d, c) => {
      d.rawBody = Buffer.from(deepNesting(20_000, c.rng));
      d.contentType = "application/json";
      return "20000 levels (raw)";
    },
  },
  {
    name: "parser.wrongCharset",
    category: "parser",
    applies: () => true,
    apply: (d, c) => {
      const cs = c.rng.pick(CHARSETS);
      d.contentType = `application/json; charset=${cs}`;
      d.rawBody = Buffer.from(JSON.stringify(d.body ?? { fuzz: "é" }));
      return `charset=${cs}`;
    },
  },
  {
    name: "parser.badContentEncoding",
    category: "parser",
    applies: () => true,
    apply: (d, c) => {
      const json = Buffer.from(JSON.stringify(d.body ?? { fuzz: true }));
      const variant = c.rng.int(0, 6);
      d.contentType = "application/json";
      if (variant === 0) {
        d.headers["content-encoding"] = "gzip";
        d.rawBody = json;
        return "gzip that is not gzip";
      }
      if (variant === 1) {
        d.headers["content-encoding"] = "deflate";
        d.rawBody = json;
        return "deflate that is not deflate";
      }
      if (variant === 2) {
        d.headers["content-encoding"] = "br";
        d.rawBody = Buffer.concat([Buffer.from([0xff, 0xff, 0xff]), json]);
        return "br that is not brotli";
      }
      if (variant === 3) {
        const gz = gzipSync(json);
        d.headers["content-encoding"] = "gzip";
        d.rawBody = gz.subarray(0, Math.max(10, gz.length - 12));
        return "truncated gzip";
      }
      if (variant === 4) {
        d.headers["content-encoding"] = "gzip";
        d.rawBody = GZIP_BOMB;
        return `gzip bomb (${GZIP_BOMB.length} bytes -> 8 MB)`;
      }
      if (variant === 5) {
        d.headers["content-encoding"] = c.rng.pick(["compress", "x-foo", "gzip, deflate", "identity;q=0", "zstd"]);
        d.rawBody = c.rng.bool() ? gzipSync(json) : deflateSync(json);
        return `content-encoding ${d.headers["content-encoding"]}`;
      }
      d.headers["content-encoding"] = "deflate";
      d.rawBody = gzipSync(json);
      return "gzip bytes labelled deflate";
    },
  },
  {
    name: "parser.tooLarge",
    category: "parser",
    applies: () => true,
    apply: (d, c) => {
      const size = c.rng.pick([150_000, 2_000_000]);
      const base =
        d.body && typeof d.body === "object" && !Array.isArray(d.body) ? (d.body as Record<string, unknown>) : {};
      d.rawBody = Buffer.from(JSON.stringify({ ...base, pad: "x".repeat(size) }));
      d.contentType = "application/json";
      return `${size} bytes`;
    },
  },
  // Path.
  {
    name: "path.param",
    category: "path",
    applies: (c) => pathParams(c).length > 0,
    apply: (d, c) => {
      const p = c.rng.pick(pathParams(c));
      const kind = kindOf(p.name, p.schema);
      const current = d.pathParams[p.name] ?? "";
      if (c.rng.bool(0.2)) {
        // A valid value with a control character in it (percent-encoded on the wire: %00, %0D%0A...).
        d.pathParams[p.name] = withControlChar(c.rng, current);
        return `${p.name}=${brief(d.pathParams[p.name])}`;
      }
      if (c.rng.bool(0.4)) {
        const odd = c.rng.pick(ODD_PATH);
        d.rawPathParams[p.name] = c.rng.bool() ? odd : encodeURIComponent(current) + odd;
        return `${p.name}=${d.rawPathParams[p.name]}`;
      }
      let v: string;
      if (kind === "address") v = badAddress(c.rng, ADDRESS_RE.test(current) ? current : c.world.holders.C.address);
      else if (kind === "uuid") v = c.rng.pick(BAD_UUIDS);
      else if (kind === "integer") v = c.rng.pick([...INTEGER_PATH_EDGES, ...INT_BOUNDS]);
      else if (kind === "uint") v = c.rng.pick([...NUMERIC_EDGES.filter((x) => x !== ""), ...INT_BOUNDS]);
      else v = c.rng.pick(["x".repeat(67), "x".repeat(5000), "\u0000", "' OR '1'='1", "../..", "🙂".repeat(40)]);
      if (/[\ud800-\udfff]/.test(v.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) {
        d.rawPathParams[p.name] = "%ED%A0%80";
        return `${p.name}=%ED%A0%80`;
      }
      d.pathParams[p.name] = v;
      return `${p.name}=${brief(v)}`;
    },
  },
  {
    name: "path.junk",
    category: "path",
    applies: () => true,
    apply: (d, c) => {
      const path = c.ep.path.replace(/\{(\w+)\}/g, (_m, n: string) => encodeURIComponent(d.pathParams[n] ?? ""));
      const junk = c.rng.pick([
        () => path + "%00",
        () => path + "/..%2F..",
        () => path.replace("/v1/", "/v1/%2e%2e/"),
        () => "/" + path,
        () => path + ";jsessionid=1",
        () => path.replace(/\/([a-z])/, (_m, ch: string) => `/%${ch.charCodeAt(0).toString(16)}`),
        () => path + "%E0%A4%A",
        () => path + "/" + "a".repeat(8000),
        () => path + "%2F",
        () => path.replace("/v1", "/v1/./"),
      ])();
      d.rawPath = junk;
      return junk.length > 60 ? junk.slice(0, 57) + "…" : junk;
    },
  },
  // Query.
  {
    name: "query.bad",
    category: "query",
    applies: (c) => queryParams(c).length > 0,
    apply: (d, c) => {
      const p = c.rng.pick(queryParams(c));
      d.query = d.query.filter(([k]) => k !== p.name);
      const kind = kindOf(p.name, p.schema);
      const r = c.rng;
      if (r.bool(0.2)) {
        // Raw, broken percent-encoding.
        const odd = r.pick(ODD_QUERY);
        d.rawQuery = [
          ...d.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
          `${p.name}=${odd}`,
        ].join("&");
        return `${p.name}=${odd}`;
      }
      if (r.bool(0.2)) {
        // A valid value with a control character in it: a NUL reaching a PostgreSQL query fails there.
        const valid = p.schema.enum ? String(r.pick(p.schema.enum)) : entityFor(p.name, p.schema, c.ep, c.world, r);
        const v = withControlChar(r, valid);
        d.query.push([p.name, v]);
        return `${p.name}=${brief(v)}`;
      }
      if (r.bool(0.15)) {
        const first = entityFor(p.name, p.schema, c.ep, c.world, r);
        d.query.push(
          [p.name, p.schema.enum ? String(p.schema.enum[0]) : first],
          [p.name, p.schema.enum ? String(p.schema.enum[p.schema.enum.length - 1]) : "x"],
        );
        return `${p.name} twice`;
      }
      let v: string;
      if (kind === "enum")
        v = r.pick(
          ["maybe", "TRUE", "1", "", "true\u0000", " true", "yes", "__proto__"].filter(
            (x) => !(p.schema.enum ?? []).includes(x),
          ),
        );
      else if (kind === "date") v = r.pick(DATE_FILTERS);
      else if (kind === "integer")
        v = r.pick([
          "abc",
          "-1",
          "1e400",
          "0x10",
          "NaN",
          TWO_256,
          "1.5",
          "",
          "Infinity",
          "9".repeat(400),
          "1e3",
          "-0",
          ...INT_BOUNDS,
        ]);
      else if (kind === "address") v = badAddress(r, c.world.holders.A.address);
      else if (kind === "uuid") v = r.pick(BAD_UUIDS);
      else if (kind === "uint") v = r.pick([...NUMERIC_EDGES, ...INT_BOUNDS]);
      else
        v = r.pick([
          "' OR '1'='1",
          "x".repeat((p.schema.maxLength ?? 200) + 1),
          "%",
          "\u0000",
          "🙂".repeat(100),
          "a".repeat(12_000),
          "*",
          "[]",
        ]);
      if (/[\ud800-\udfff]/.test(v.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) v = "x";
      d.query.push([p.name, v]);
      return `${p.name}=${brief(v)}`;
    },
  },
  {
    name: "query.junk",
    category: "query",
    applies: (c) => !c.ep.mutating,
    apply: (d, c) => {
      const junk = c.rng.pick([
        "__proto__[polluted]=1",
        "constructor[prototype][polluted]=1",
        "a" + "[x]".repeat(3000) + "=1",
        "=x",
        "&&&",
        "a=" + "b".repeat(100_000),
        "limit=1&limit=2&limit=3",
        "offset=-1",
        "x=%E0%A4%A",
        "%00=%00",
        Array.from({ length: 2000 }, (_, i) => `p${i}=1`).join("&"),
      ]);
      d.rawQuery = [...d.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`), junk].join("&");
      return junk.length > 50 ? junk.slice(0, 47) + "…" : junk;
    },
  },
  // Headers.
  {
    name: "header.idempotencyKey",
    category: "header",
    applies: (c) => c.ep.params.some((p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key"),
    apply: (d, c) => {
      const required = c.ep.params.some(
        (p) => p.in === "header" && p.name.toLowerCase() === "idempotency-key" && p.required,
      );
      if (required && c.rng.bool(0.3)) {
        delete d.headers["idempotency-key"];
        return "missing (required)";
      }
      const n = c.rng.pick([256, 1000, 8000]);
      d.headers["idempotency-key"] = "k".repeat(n);
      return `${n} characters`;
    },
  },
  {
    // Rare (its own small category): the corpus is about requests that get past authentication.
    name: "header.badAuthorization",
    category: "auth",
    applies: (c) => c.ep.roles !== "public",
    apply: (d, c) => {
      d.headers.authorization = c.rng.pick(BAD_AUTH);
      d.role = null;
      return brief(d.headers.authorization);
    },
  },
];

/** 8 MB of spaces, gzipped once: the inflated body is far over the gateway's limit. */
const GZIP_BOMB = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));

function categoryWeights(ep: Endpoint): Record<Category, number> {
  if (ep.body) return { body: 0.6, parser: 0.2, path: 0.07, query: 0.05, header: 0.06, auth: 0.02 };
  if (ep.mutating) return { body: 0, parser: 0.45, path: 0.25, query: 0.15, header: 0.13, auth: 0.02 };
  return { body: 0, parser: 0.25, path: 0.33, query: 0.4, header: 0, auth: 0.02 };
}

function assemble(ep: Endpoint, d: Draft, keys: Record<Role, string>, index: number, label: string): WireRequest {
  const path =
    d.rawPath ??
    ep.path.replace(/\{(\w+)\}/g, (_m, n: string) =>
      n in d.rawPathParams ? d.rawPathParams[n] : encodeURIComponent(d.pathParams[n] ?? ""),
    );
  const query = d.rawQuery ?? d.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  const body = d.rawBody ?? (d.body !== undefined ? Buffer.from(JSON.stringify(d.body)) : undefined);
  const headers: Record<string, string> = { "x-request-id": `fz-${index}` };
  if (d.role) headers.authorization = `Bearer ${keys[d.role]}`;
  if (body !== undefined) {
    const type = d.contentType === undefined ? "application/json" : d.contentType;
    if (type !== null) headers["content-type"] = type;
  }
  Object.assign(headers, d.headers);
  return {
    index,
    endpoint: ep,
    method: ep.method.toUpperCase(),
    path: query ? `${path}?${query}` : path,
    headers,
    body,
    label,
  };
}

/** Request `index` of the corpus for `seed`: a pure function of (seed, index, endpoints, world). */
export function generate(
  seed: number,
  index: number,
  endpoints: Endpoint[],
  order: number[],
  world: World,
  keys: Record<Role, string>,
): WireRequest {
  const ep = endpoints[order[index % order.length]];
  const rng = new Rng(seed, index + 1);
  const draft = baseDraft(ep, world, rng, index);
  const fields = ep.body && draft.body !== undefined ? fieldsOf(draft.body, ep.body) : [];
  const ctx: Ctx = { ep, world, rng, fields, bodyRequired: (ep.body?.required?.length ?? 0) > 0 };
  const applicable = MUTATIONS.filter((m) => m.applies(ctx));
  const weights = categoryWeights(ep);
  const categories = (Object.keys(weights) as Category[]).filter(
    (cat) => weights[cat] > 0 && applicable.some((m) => m.category === cat),
  );
  const category = rng.weighted(categories.map((cat) => ({ weight: weights[cat], value: cat })));
  const mutation = rng.pick(applicable.filter((m) => m.category === category));
  const detail = mutation.apply(draft, ctx);
  return assemble(ep, draft, keys, index, `${mutation.name} ${detail}`);
}

/** The order endpoints take turns in: seeded, so a seed replays the same assignment of requests to endpoints. */
export function endpointOrder(seed: number, count: number): number[] {
  return new Rng(seed, 0).shuffle(Array.from({ length: count }, (_, i) => i));
}
