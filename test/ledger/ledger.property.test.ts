/**
 * Stateful property test of the SecuredAssetLedger (issue 2, section 4, second bullet).
 *
 * fast-check generates sequences of commands (register, acknowledge, new disclosure, issue, direct / relayed /
 * batch-relayed transfer, redeem, freezes, suspension, forced transfer, pause, and adversarial variants: replayed
 * or expired authorizations, signatures for another chain or contract, forged or reused signatures and
 * attestations, recipients that are unregistered, frozen or have not acknowledged). Each command runs on a fresh
 * deployment (loadFixture) AND on the TypeScript model of test/helpers/model.ts; after every step the chain must
 * agree with the model (posted, or refused with the same custom error), and the invariants hold:
 *  - per asset, the balances of all known accounts sum to totalSupply(id) == assetInfo(id).supply, and the
 *    supply equals the units issued minus the units redeemed;
 *  - every balance change has a record: the records a step emits are exactly those the model predicts and
 *    assetInfo(id).recordCount is the model's count of postings;
 *  - the hash chain recomputed from the RecordPosted events equals assetInfo(id).recordHead (incrementally
 *    after every step, and from all logs at the end of each run);
 *  - no unregistered, frozen or unacknowledged participant receives (or, except by forced transfer, sends) units;
 *  - no attestation or holder signature is accepted twice, after its deadline, or for another chain or contract.
 *
 * Environment: PROPERTY_STEPS (default 200 locally; .ci/run sets 1000) total random steps, PROPERTY_RUN_LENGTH (default 50) commands per
 * run, PROPERTY_SEED to replay a seed, PROPERTY_PATH to replay fast-check's reported path, PROPERTY_SHRINK_SECONDS
 * (default 90) time spent shrinking a counterexample.
 */
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { TypedDataEncoder, ZeroAddress, ZeroHash, getAddress, id as keccakText } from "ethers";
import type { ContractTransactionReceipt, ContractTransactionResponse, TypedDataDomain } from "ethers";
import type { SecuredAssetLedger } from "../../typechain-types";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  DECISION_CHANGE_TYPES,
  ISSUANCE_TYPES,
  REDEMPTION_TYPES,
  TRANSFER_TYPES,
  attestationMessage,
  decisionChangeMessage,
  issuanceRequestMessage,
  ledgerDomain,
  type TransferAuthorization,
} from "../../server/domain/eip712";
import { verifyRecordChain } from "../../server/chain/records";
import { decodeReaderAnswer, readerCallData } from "../../server/chain/transfer-state";
import {
  GRAIN,
  ISSUER,
  REAL_ESTATE,
  buildIssuance,
  deployPlatformFixture,
  domainOf,
  type IssuanceInput,
} from "../helpers/platform";
import {
  Code,
  FAR_DEADLINE,
  LedgerModel,
  OK,
  Status,
  UINT96_MAX,
  fmtRecords,
  recomputeChain,
  refuse,
  short,
  type Expectation,
  type ObservedRecord,
} from "../helpers/model";

// ---------------------------------------------------------------------------------------------- configuration

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${raw}`);
  return n;
}

const TOTAL_STEPS = envInt("PROPERTY_STEPS", 200);
const RUN_LENGTH = Math.max(1, envInt("PROPERTY_RUN_LENGTH", 50));
const NUM_RUNS = Math.max(1, Math.ceil(TOTAL_STEPS / RUN_LENGTH));
const SEED = envInt("PROPERTY_SEED", (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0);
const REPLAY_PATH = process.env.PROPERTY_PATH || undefined;
const SHRINK_MS = envInt("PROPERTY_SHRINK_SECONDS", 90) * 1000;
const GAS = { gasLimit: 8_000_000 };
/** The domain of a contract the holders never signed for (a second platform, say). */
const OTHER_CONTRACT = getAddress("0x5ec0000000000000000000000000000000000de1");

// ---------------------------------------------------------------------------------------------- commands

type AmountSel = "zero" | "one" | "part" | "all" | "unfrozen" | "overUnfrozen" | "over";
interface Amount {
  sel: AmountSel;
  part: number;
}
type RelayVariant =
  | "fresh"
  | "replay"
  | "otherChain"
  | "otherContract"
  | "forged"
  | "futureNonce"
  | "expired"
  | "atDeadline"
  | "afterDeadline"
  | "toZero";
type BatchVariant = "fresh" | "replay" | "otherChain" | "forged" | "futureNonce" | "pastDeadline" | "toZero";
type IssueVariant =
  "fresh" | "retry" | "reuse" | "reuseNonce" | "expired" | "otherChain" | "otherContract" | "ownerOtherChain";
interface BatchItem {
  asset: number;
  from: number;
  to: number;
  amount: Amount;
  variant: BatchVariant;
  pick: number;
}
type ProbeKind = "direct" | "relay" | "issue" | "redeem" | "forced" | "unpauseTwice";
type SuspendProbe = "direct" | "relay" | "redeem" | "forced" | "freezeTokens" | "again";

/** An issuer's signed order to change a decision document. */
interface DecisionOrder {
  assetId: bigint;
  previousHash: string;
  newHash: string;
  newUri: string;
  reason: string;
  signature: string;
}

type Cmd =
  | { kind: "tick"; seconds: number }
  | { kind: "register"; who: number; ack: "none" | "signed" | "otherChain"; pkind: number }
  | { kind: "deregister"; who: number }
  | { kind: "acknowledge"; who: number; bySig: boolean; stale: boolean }
  | { kind: "publishDisclosure"; byAuthority: boolean }
  | { kind: "issue"; owner: number; units: number; variant: IssueVariant; pick: number; grain: boolean }
  | {
      kind: "direct";
      asset: number;
      from: number;
      to: number;
      amount: Amount;
      mode: "holder" | "operator" | "toZero" | "erc1155Batch";
    }
  | { kind: "relay"; asset: number; from: number; to: number; amount: Amount; variant: RelayVariant; pick: number }
  | { kind: "batch"; items: BatchItem[] }
  | {
      kind: "redeem";
      asset: number;
      from: number;
      amount: Amount;
      mode: "self" | "signed" | "replay" | "otherChain";
      pick: number;
    }
  | { kind: "freeze"; who: number; r: number; byAuthority: boolean }
  | { kind: "freezeTokens"; asset: number; who: number; amount: Amount; huge: boolean; byAuthority: boolean }
  | { kind: "suspend"; asset: number; r: number; probe: SuspendProbe; from: number; to: number }
  | { kind: "forced"; asset: number; from: number; to: number; amount: Amount; basis: number; fromZero: boolean }
  | { kind: "pause"; probe: ProbeKind; asset: number; from: number; to: number }
  | { kind: "close"; asset: number }
  | { kind: "decision"; asset: number; variant: "issuer" | "otherSigner" | "altered" | "replay"; pick: number }
  | { kind: "approve"; who: number };

function weighted<T>(...choices: [T, number][]): fc.Arbitrary<T> {
  return fc.oneof(...choices.map(([v, weight]) => ({ arbitrary: fc.constant(v), weight })));
}

const poolIdx = fc.nat({ max: 7 });
const fromIdx = fc.nat({ max: 15 });
const toIdx = fc.nat({ max: 15 });
const assetIdx = fc.oneof({ arbitrary: fc.nat({ max: 15 }), weight: 24 }, { arbitrary: fc.constant(-1), weight: 1 });
const amountArb: fc.Arbitrary<Amount> = fc.record({
  sel: weighted<AmountSel>(
    ["part", 8],
    ["all", 2],
    ["unfrozen", 2],
    ["one", 1],
    ["zero", 1],
    ["overUnfrozen", 1],
    ["over", 1],
  ),
  part: fc.integer({ min: 1, max: 1000 }),
});
const relayVariant = weighted<RelayVariant>(
  ["fresh", 10],
  ["replay", 2],
  ["otherChain", 1],
  ["otherContract", 1],
  ["forged", 1],
  ["futureNonce", 1],
  ["expired", 1],
  ["atDeadline", 1],
  ["afterDeadline", 1],
  ["toZero", 1],
);
const batchVariant = weighted<BatchVariant>(
  ["fresh", 10],
  ["replay", 2],
  ["otherChain", 1],
  ["forged", 1],
  ["futureNonce", 1],
  ["pastDeadline", 1],
  ["toZero", 1],
);

/** The first alternative (a tick of time) is what shrinking replaces irrelevant commands with. */
const commandArb: fc.Arbitrary<Cmd> = fc.oneof(
  { withCrossShrink: true },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("tick" as const), seconds: fc.integer({ min: 1, max: 3600 }) }),
  },
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.constant("register" as const),
      who: toIdx,
      ack: weighted<"none" | "signed" | "otherChain">(["signed", 5], ["none", 4], ["otherChain", 1]),
      pkind: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deregister" as const), who: poolIdx }) },
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.constant("acknowledge" as const),
      who: toIdx,
      bySig: fc.boolean(),
      stale: weighted([false, 6], [true, 1]),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("publishDisclosure" as const), byAuthority: fc.boolean() }) },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("issue" as const),
      owner: poolIdx,
      units: fc.integer({ min: 1, max: 5000 }),
      variant: weighted<IssueVariant>(
        ["fresh", 8],
        ["retry", 2],
        ["reuse", 2],
        ["reuseNonce", 1],
        ["expired", 1],
        ["otherChain", 1],
        ["otherContract", 1],
        ["ownerOtherChain", 1],
      ),
      pick: fc.nat(),
      grain: fc.boolean(),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("direct" as const),
      asset: assetIdx,
      from: fromIdx,
      to: toIdx,
      amount: amountArb,
      mode: weighted<"holder" | "operator" | "toZero" | "erc1155Batch">(
        ["holder", 12],
        ["erc1155Batch", 2],
        ["operator", 1],
        ["toZero", 1],
      ),
    }),
  },
  {
    weight: 14,
    arbitrary: fc.record({
      kind: fc.constant("relay" as const),
      asset: assetIdx,
      from: fromIdx,
      to: toIdx,
      amount: amountArb,
      variant: relayVariant,
      pick: fc.nat(),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("batch" as const),
      items: fc.array(
        fc.record({
          asset: assetIdx,
          from: fromIdx,
          to: toIdx,
          amount: amountArb,
          variant: batchVariant,
          pick: fc.nat(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("redeem" as const),
      asset: assetIdx,
      from: fromIdx,
      amount: amountArb,
      mode: weighted<"self" | "signed" | "replay" | "otherChain">(
        ["self", 4],
        ["signed", 3],
        ["replay", 1],
        ["otherChain", 1],
      ),
      pick: fc.nat(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("freeze" as const),
      who: toIdx,
      r: fc.nat({ max: 9 }),
      byAuthority: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("freezeTokens" as const),
      asset: assetIdx,
      who: fromIdx,
      amount: amountArb,
      huge: weighted([false, 9], [true, 1]),
      byAuthority: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("suspend" as const),
      asset: assetIdx,
      r: fc.nat({ max: 9 }),
      probe: weighted<SuspendProbe>(
        ["direct", 2],
        ["relay", 2],
        ["redeem", 1],
        ["forced", 1],
        ["freezeTokens", 1],
        ["again", 1],
      ),
      from: fromIdx,
      to: toIdx,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("forced" as const),
      asset: assetIdx,
      from: fromIdx,
      to: toIdx,
      amount: amountArb,
      basis: weighted([1, 3], [2, 2], [3, 2], [0, 1]),
      fromZero: weighted([false, 12], [true, 1]),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("pause" as const),
      probe: weighted<ProbeKind>(
        ["direct", 2],
        ["relay", 2],
        ["issue", 1],
        ["redeem", 1],
        ["forced", 1],
        ["unpauseTwice", 1],
      ),
      asset: assetIdx,
      from: fromIdx,
      to: toIdx,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("close" as const), asset: assetIdx }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("decision" as const),
      asset: assetIdx,
      variant: weighted<"issuer" | "otherSigner" | "altered" | "replay">(
        ["issuer", 4],
        ["otherSigner", 1],
        ["altered", 1],
        ["replay", 2],
      ),
      pick: fc.nat(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("approve" as const), who: fromIdx }) },
);

// ---------------------------------------------------------------------------------------------- chain plumbing

type ChainOutcome =
  { ok: true; receipt: ContractTransactionReceipt } | { ok: false; error: string; args: readonly unknown[] };

function revertData(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 6 && typeof cur === "object" && cur !== null; depth++) {
    const o = cur as { data?: unknown; error?: unknown; info?: { error?: unknown } };
    if (typeof o.data === "string" && o.data.startsWith("0x")) return o.data;
    if (typeof o.data === "object" && o.data !== null) {
      const inner = (o.data as { data?: unknown }).data;
      if (typeof inner === "string" && inner.startsWith("0x")) return inner;
    }
    cur = o.error ?? o.info?.error;
  }
  return undefined;
}

function fmtValue(v: unknown): string {
  if (typeof v === "string" && v.startsWith("0x") && v.length === 42) return short(v);
  return String(v);
}

function fmtOutcome(o: ChainOutcome | Expectation): string {
  if (o.ok) return "posted";
  if (o.error === "*") return "a refusal";
  const args = o.args ? `(${o.args.map((a) => (a === undefined ? "*" : fmtValue(a))).join(", ")})` : "";
  return `${o.error}${args}`;
}

/** A disagreement between chain and model, at a (1-based) step of the run. */
class PropertyFailure extends Error {
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------- one run

interface StoredIssuance {
  input: IssuanceInput;
  attestationGenuine: boolean;
  ownerSignatureGenuine: boolean;
}

interface StoredAuth {
  auth: TransferAuthorization;
  signature: string;
}
interface StoredRedemption {
  holder: string;
  assetId: bigint;
  amount: bigint;
  nonce: bigint;
  deadline: bigint;
  ref: string;
  signature: string;
}

/** A signature (or attestation) the chain accepted in this step; checked against the invariants. */
interface Consumed {
  key: string;
  deadline: bigint;
  genuine: boolean;
  what: string;
}

interface StepResult {
  label: string;
  expected: Expectation;
  actual: ChainOutcome;
  forced?: boolean;
  /** signatures the step consumes if posted; for a batch, indexed by item */
  consumes?: Consumed[];
  batch?: { rejections: { index: number; from: string; nonce: bigint; code: number }[]; items: Consumed[] };
  touched: { accounts: string[]; assets: bigint[] };
}

const stats = new Map<string, number>();
let stepsExecuted = 0;
let runsExecuted = 0;
let firstFailureAt: number | undefined;

function count(key: string): void {
  if (firstFailureAt !== undefined) return;
  stats.set(key, (stats.get(key) ?? 0) + 1);
}

class Run {
  readonly model = new LedgerModel();
  readonly trace: string[] = [];
  /** everything the chain has accepted so far in this run: transfer/redemption signatures, attestations */
  readonly accepted = new Set<string>();
  readonly acceptedTransfers: StoredAuth[] = [];
  /** decision-change orders the chain applied, for replays */
  readonly decisionOrders: DecisionOrder[] = [];
  readonly acceptedRedemptions: StoredRedemption[] = [];
  readonly issuances: StoredIssuance[] = [];
  readonly refusedIssuances: StoredIssuance[] = [];
  nextAttestationNonce = 1000n;
  step = 0;

  constructor(
    readonly ledger: SecuredAssetLedger,
    readonly domain: TypedDataDomain,
    readonly authority: HardhatEthersSigner,
    readonly operator: HardhatEthersSigner,
    readonly verifier: HardhatEthersSigner,
    readonly pool: HardhatEthersSigner[],
    readonly known: string[],
  ) {}

  get otherChainDomain(): TypedDataDomain {
    return ledgerDomain(1n, String(this.domain.verifyingContract));
  }

  get otherContractDomain(): TypedDataDomain {
    return ledgerDomain(BigInt(String(this.domain.chainId)), OTHER_CONTRACT);
  }

  signerOf(address: string): HardhatEthersSigner {
    const s = this.pool.find((p) => p.address === address);
    if (!s) throw new Error(`no signer for ${address}`);
    return s;
  }

  fail(message: string): never {
    const tail = this.trace.slice(-25).join("\n    ");
    throw new PropertyFailure(`step ${this.step}: ${message}\n  last steps of this run:\n    ${tail}`, this.step);
  }

  // ------------------------------------------------------------------------------------------ resolution

  assetId(sel: number): bigint {
    const n = this.model.assets.length;
    if (sel < 0 || n === 0) return BigInt(n + 1); // never issued
    return BigInt((sel % n) + 1);
  }

  /** Mostly a current holder of the asset (mostly one the model thinks may send), otherwise anyone in the pool. */
  fromOf(sel: number, id: bigint): string {
    const holders = this.pool.map((p) => p.address).filter((a) => this.model.balance(id, a) > 0n);
    const eligible = holders.filter((a) => this.model.eligible(a));
    if (sel < 8 && eligible.length > 0) return eligible[sel % eligible.length];
    if (sel < 12 && holders.length > 0) return holders[sel % holders.length];
    return this.pool[sel % this.pool.length].address;
  }

  /** Half of the time a pool member for whom `useful` holds (if any), otherwise anyone in the pool. */
  pick(sel: number, useful: (a: string) => boolean): HardhatEthersSigner {
    const candidates = this.pool.filter((p) => useful(p.address));
    if (sel >= 4 && candidates.length > 0) return candidates[sel % candidates.length];
    return this.pool[sel % this.pool.length];
  }

  /** Half of the time someone the model thinks may receive, otherwise anyone in the pool. */
  toOf(sel: number): string {
    const eligible = this.pool.map((p) => p.address).filter((a) => this.model.eligible(a));
    if (sel >= 6 && eligible.length > 0) return eligible[sel % eligible.length];
    return this.pool[sel % this.pool.length].address;
  }

  amountOf(a: Amount, id: bigint, from: string): bigint {
    const balance = this.model.balance(id, from);
    const unfrozen = this.model.unfrozen(id, from);
    switch (a.sel) {
      case "zero":
        return 0n;
      case "one":
        return 1n;
      case "part": {
        const v = (balance * BigInt(a.part)) / 1000n;
        return v > 0n ? v : 1n;
      }
      case "all":
        return balance;
      case "unfrozen":
        return unfrozen;
      case "overUnfrozen":
        return unfrozen + 1n;
      case "over":
        return balance + 1n;
    }
  }

  ref(tag: string): string {
    return keccakText(`${tag}:${this.step}`);
  }

  // ------------------------------------------------------------------------------------------ sending

  async send(call: () => Promise<ContractTransactionResponse>): Promise<ChainOutcome> {
    try {
      const tx = await call();
      const receipt = await tx.wait();
      if (receipt === null) throw new Error("transaction without receipt");
      return { ok: true, receipt };
    } catch (e) {
      const data = revertData(e);
      if (data === undefined) throw e;
      const parsed = this.ledger.interface.parseError(data);
      return parsed
        ? { ok: false, error: parsed.name, args: [...parsed.args] }
        : { ok: false, error: `unknown(${data})`, args: [] };
    }
  }

  // ------------------------------------------------------------------------------------------ commands

  /** Verifies one (sub-)step right after it ran: outcome, records, signatures, then the state invariants. */
  async done(r: StepResult): Promise<void> {
    this.trace.push(`${this.step}. ${r.label} -> ${fmtOutcome(r.actual)}`);
    await this.verifyStep(r);
    await this.verifyState(r.touched, false);
  }

  async execute(cmd: Cmd): Promise<void> {
    switch (cmd.kind) {
      case "tick":
        return time.increase(cmd.seconds).then(() => undefined);
      case "register":
        return this.done(await this.register(cmd));
      case "deregister":
        return this.done(await this.deregister(cmd.who));
      case "acknowledge":
        return this.done(await this.acknowledge(cmd));
      case "publishDisclosure":
        return this.done(await this.publishDisclosure(cmd.byAuthority));
      case "issue":
        return this.done(await this.issue(cmd.owner, cmd.units, cmd.variant, cmd.pick, cmd.grain));
      case "direct":
        return this.done(await this.direct(cmd));
      case "relay":
        return this.done(await this.relay(cmd));
      case "batch":
        return this.done(await this.batch(cmd.items));
      case "redeem":
        return this.done(await this.redeem(cmd));
      case "freeze":
        return this.done(await this.freeze(cmd));
      case "freezeTokens":
        return this.done(await this.freezeTokens(cmd));
      case "suspend":
        return this.suspendWindow(cmd);
      case "forced":
        return this.done(await this.forced(cmd));
      case "pause":
        return this.pauseWindow(cmd);
      case "close":
        return this.redeemAllAndClose(cmd.asset);
      case "decision":
        return this.done(await this.changeDecision(cmd));
      case "approve":
        return this.done(await this.approve(cmd.who));
    }
  }

  async register(cmd: Extract<Cmd, { kind: "register" }>): Promise<StepResult> {
    const m = this.model;
    const who = this.pick(cmd.who, (a) => m.participant(a) === undefined);
    const a = who.address;
    const identity = keccakText(`kyc:${a}`);
    let expected: Expectation;
    let actual: ChainOutcome;
    if (cmd.ack === "none") {
      expected = m.participant(a) ? refuse("ParticipantAlreadyRegistered", [a]) : OK;
      actual = await this.send(() =>
        this.ledger.connect(this.operator).registerParticipant(a, cmd.pkind, identity, GAS),
      );
      if (expected.ok) m.register(a, cmd.pkind, 0);
    } else {
      const version = m.disclosureVersion;
      const domain = cmd.ack === "signed" ? this.domain : this.otherChainDomain;
      const signature = await who.signTypedData(domain, ACKNOWLEDGEMENT_TYPES, {
        account: a,
        version,
        documentHash: m.disclosureHashes.get(version),
        deadline: FAR_DEADLINE,
      });
      if (m.participant(a)) expected = refuse("ParticipantAlreadyRegistered", [a]);
      else if (cmd.ack !== "signed") expected = refuse("AcknowledgementSignatureInvalid", [a]);
      else expected = OK;
      actual = await this.send(() =>
        this.ledger
          .connect(this.operator)
          .registerParticipantWithAcknowledgement(a, cmd.pkind, identity, version, FAR_DEADLINE, signature, GAS),
      );
      if (expected.ok) m.register(a, cmd.pkind, version);
    }
    return {
      label: `register ${short(a)} kind ${cmd.pkind} ack=${cmd.ack}`,
      expected,
      actual,
      touched: { accounts: [a], assets: [] },
    };
  }

  async deregister(whoIdx: number): Promise<StepResult> {
    const a = this.pool[whoIdx].address;
    const expected = this.model.participant(a) ? OK : refuse("ParticipantNotRegistered", [a]);
    const actual = await this.send(() => this.ledger.connect(this.operator).deregisterParticipant(a, GAS));
    if (expected.ok) this.model.deregister(a);
    return { label: `deregister ${short(a)}`, expected, actual, touched: { accounts: [a], assets: [] } };
  }

  async acknowledge(cmd: Extract<Cmd, { kind: "acknowledge" }>): Promise<StepResult> {
    const m = this.model;
    const who = this.pick(
      cmd.who,
      (a) => m.participant(a) !== undefined && m.participant(a)?.acknowledged !== m.disclosureVersion,
    );
    const a = who.address;
    const current = m.disclosureVersion;
    const version = cmd.stale && current > 1 ? current - 1 : current;
    let expected: Expectation;
    const p = m.participant(a);
    if (!p) expected = refuse("ParticipantNotRegistered", [a]);
    else if (version !== current) expected = refuse("DisclosureVersionNotCurrent", [version, current]);
    else if (p.acknowledged === version) expected = refuse("DisclosureAlreadyAcknowledged", [a, version]);
    else expected = OK;
    let actual: ChainOutcome;
    if (cmd.bySig) {
      const signature = await who.signTypedData(this.domain, ACKNOWLEDGEMENT_TYPES, {
        account: a,
        version,
        documentHash: m.disclosureHashes.get(version),
        deadline: FAR_DEADLINE,
      });
      actual = await this.send(() =>
        this.ledger.connect(this.operator).acknowledgeDisclosureBySig(a, version, FAR_DEADLINE, signature, GAS),
      );
    } else {
      actual = await this.send(() => this.ledger.connect(who).acknowledgeDisclosure(version, GAS));
    }
    if (expected.ok && p) p.acknowledged = version;
    return {
      label: `acknowledge ${short(a)} v${version}${cmd.bySig ? " by signature" : ""}`,
      expected,
      actual,
      touched: { accounts: [a], assets: [] },
    };
  }

  async publishDisclosure(byAuthority: boolean): Promise<StepResult> {
    const m = this.model;
    const version = m.disclosureVersion + 1;
    const hash = keccakText(`risk disclosure v${version}`);
    const actual = await this.send(() =>
      this.ledger
        .connect(byAuthority ? this.authority : this.operator)
        .publishDisclosure(hash, `https://platform.kz/risks/v${version}`, GAS),
    );
    m.disclosureVersion = version;
    m.disclosureHashes.set(version, hash);
    return { label: `publish disclosure v${version}`, expected: OK, actual, touched: { accounts: [], assets: [] } };
  }

  predictIssue(s: StoredIssuance): Expectation {
    const m = this.model;
    const att = s.input.attestation;
    if (m.paused) return refuse("EnforcedPause", []);
    if (!m.operatorPermitted) return refuse("OperatorNotPermitted", [this.operator.address]);
    if (m.usedAttestations.has(`${att.owner}:${att.nonce}`))
      return refuse("CollateralAttestationUsed", [att.owner, att.nonce]);
    if (m.expired(att.expiry)) return refuse("CollateralAttestationExpired", [att.expiry, undefined]);
    if (!s.attestationGenuine) return refuse("CollateralAttestationSignatureInvalid", [att.verifier]);
    if (m.expired(s.input.requestDeadline))
      return refuse("IssuanceRequestExpired", [s.input.requestDeadline, undefined]);
    if (!s.ownerSignatureGenuine) return refuse("IssuanceRequestSignatureInvalid", [att.owner]);
    return m.participantRefusal(att.owner, false) ?? OK;
  }

  async issue(
    ownerIdx: number,
    units: number,
    variant: IssueVariant,
    pick: number,
    grain: boolean,
  ): Promise<StepResult> {
    const m = this.model;
    let stored: StoredIssuance | undefined;
    let kind: string = variant;
    if (variant === "retry" && this.refusedIssuances.length > 0) {
      stored = this.refusedIssuances[pick % this.refusedIssuances.length];
    } else if ((variant === "reuse" || variant === "reuseNonce") && this.issuances.length > 0) {
      const used = this.issuances[pick % this.issuances.length];
      if (variant === "reuse") {
        stored = used;
      } else {
        // a new attestation and request, but the nonce of one already consumed for the same owner
        const owner = this.signerOf(used.input.attestation.owner);
        const input = await buildIssuance(this.ledger, owner, this.verifier, {
          nonce: used.input.attestation.nonce,
          units: BigInt(units),
          assetType: used.input.assetType,
          evidence: keccakText(`second evidence ${this.step}`),
        });
        stored = { input, attestationGenuine: true, ownerSignatureGenuine: true };
      }
    }
    if (stored === undefined) {
      if (variant === "retry" || variant === "reuse" || variant === "reuseNonce") kind = "fresh";
      const owner = this.pool[ownerIdx];
      const nonce = this.nextAttestationNonce++;
      const assetType = grain ? GRAIN : REAL_ESTATE;
      let expiry = FAR_DEADLINE;
      if (kind === "expired") expiry = BigInt(await time.latest()) + BigInt(units % 50);
      const input = await buildIssuance(this.ledger, owner, this.verifier, {
        nonce,
        units: BigInt(units),
        assetType,
        expiry,
      });
      stored = { input, attestationGenuine: true, ownerSignatureGenuine: true };
      const att = input.attestation;
      if (kind === "otherChain" || kind === "otherContract") {
        const domain = kind === "otherChain" ? this.otherChainDomain : this.otherContractDomain;
        att.signature = await this.verifier.signTypedData(domain, ATTESTATION_TYPES, attestationMessage(att));
        stored.attestationGenuine = false;
      }
      if (kind === "ownerOtherChain") {
        input.ownerSignature = await owner.signTypedData(
          this.otherChainDomain,
          ISSUANCE_TYPES,
          issuanceRequestMessage({
            owner: att.owner,
            assetType,
            decision: input.decision,
            issuer: ISSUER,
            evidenceHash: att.evidenceHash,
            verifier: att.verifier,
            nonce: att.nonce,
            deadline: input.requestDeadline,
          }),
        );
        stored.ownerSignatureGenuine = false;
      }
      if (kind === "expired") {
        await time.increase(Number(expiry - BigInt(await time.latest())) + 1 + (units % 7));
        m.lastTimestamp = BigInt(await time.latest());
      }
    }
    const s = stored;
    const att = s.input.attestation;
    const expected = this.predictIssue(s);
    const actual = await this.send(() =>
      this.ledger
        .connect(this.operator)
        .issue(
          s.input.assetType,
          s.input.decision,
          s.input.issuer,
          att,
          s.input.requestDeadline,
          s.input.ownerSignature,
          GAS,
        ),
    );
    const touched = { accounts: [att.owner], assets: [] as bigint[] };
    if (expected.ok) {
      m.usedAttestations.add(`${att.owner}:${att.nonce}`);
      const asset = m.createAsset(att.owner, s.input.decision.units, s.input.decision.documentHash);
      m.post({
        from: ZeroAddress,
        to: att.owner,
        id: asset.id,
        amount: s.input.decision.units,
        ref: s.input.decision.documentHash,
      });
      touched.assets.push(asset.id);
    }
    if (actual.ok) {
      this.issuances.push(s);
      const i = this.refusedIssuances.indexOf(s);
      if (i >= 0) this.refusedIssuances.splice(i, 1);
    } else if (!this.refusedIssuances.includes(s) && !this.issuances.includes(s)) {
      this.refusedIssuances.push(s);
    }
    return {
      label: `issue ${s.input.decision.units} to ${short(att.owner)} (${kind}, attestation nonce ${att.nonce})`,
      expected,
      actual,
      touched,
      consumes: [
        {
          key: `attestation:${att.owner}:${att.nonce}`,
          deadline: att.expiry,
          genuine: s.attestationGenuine && s.ownerSignatureGenuine,
          what: "collateral attestation",
        },
      ],
    };
  }

  async direct(cmd: Extract<Cmd, { kind: "direct" }>): Promise<StepResult> {
    const m = this.model;
    const id = this.assetId(cmd.asset);
    const from = this.fromOf(cmd.from, id);
    const to = cmd.mode === "toZero" ? ZeroAddress : this.toOf(cmd.to);
    const amount = this.amountOf(cmd.amount, id, from);
    const caller = cmd.mode === "operator" ? this.operator : this.signerOf(from);
    if (cmd.mode === "erc1155Batch") return this.directBatch(cmd, id, from, to, amount);
    let expected: Expectation;
    if (cmd.mode === "operator") expected = refuse("ERC1155MissingApprovalForAll", [this.operator.address, from]);
    else if (to === ZeroAddress) expected = refuse("ERC1155InvalidReceiver", [ZeroAddress]);
    else expected = m.rules(undefined, from, to, id, amount, false);
    await this.checkView(ZeroAddress, from, to, id, amount, m.rules(undefined, from, to, id, amount, false));
    const actual = await this.send(() => this.ledger.connect(caller).safeTransferFrom(from, to, id, amount, "0x", GAS));
    if (expected.ok) m.post({ from, to, id, amount, ref: ZeroHash });
    return {
      label: `direct ${cmd.mode === "operator" ? "(by the operator) " : ""}#${id} ${short(from)}->${short(to)} ${amount}`,
      expected,
      actual,
      touched: { accounts: [from, to], assets: [id] },
    };
  }

  /**
   * The views a gateway or wallet asks before submitting: checkTransfer gives the model's reason code (a zero
   * recipient is never a transfer: RecipientNotRegistered); the ERC-7943 canTransfer, canSend and canReceive agree.
   */
  async checkView(
    operator: string,
    from: string,
    to: string,
    id: bigint,
    amount: bigint,
    rules: Expectation,
  ): Promise<void> {
    const m = this.model;
    const ledgerAddress = await this.ledger.getAddress();
    const [code, can, canSend, canReceive, nonce, read] = await Promise.all([
      this.ledger.checkTransfer(operator, from, to, id, amount),
      this.ledger.canTransfer(from, to, id, amount),
      this.ledger.canSend(from),
      this.ledger.canReceive(to),
      this.ledger.nonceOf(from, id),
      // The gateway's batched pre-submission read (TransferStateReader run by eth_call) must answer the same.
      ethers.provider.call({ data: readerCallData(ledgerAddress, [{ operator, from, to, assetId: id, amount }]) }),
    ]);
    const [state] = decodeReaderAnswer(read, 1);
    if (!state || state.nonce !== nonce || BigInt(state.check) !== code)
      this.fail(
        `TransferStateReader answered ${JSON.stringify(state, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}, the views ${nonce} and ${code}`,
      );
    const expectedCode = to === ZeroAddress ? Code.RecipientNotRegistered : rules.ok ? Code.Ok : rules.code;
    if (Number(code) !== expectedCode) {
      this.fail(
        `checkTransfer(${short(operator)}, ${short(from)}, ${short(to)}, #${id}, ${amount}) = ${code}, the model says ${expectedCode} (${fmtOutcome(rules)})`,
      );
    }
    const direct = to === ZeroAddress ? false : m.rules(undefined, from, to, id, amount, false).ok;
    if (can !== direct)
      this.fail(`canTransfer(${short(from)}, ${short(to)}, #${id}, ${amount}) = ${can}, the model says ${direct}`);
    if (canSend !== m.eligible(from))
      this.fail(`canSend(${short(from)}) = ${canSend}, the model says ${m.eligible(from)}`);
    if (canReceive !== m.eligible(to))
      this.fail(`canReceive(${short(to)}) = ${canReceive}, the model says ${m.eligible(to)}`);
  }

  /** safeBatchTransferFrom of two ids (possibly the same one twice): each passes the gate in turn; one refusal reverts all. */
  async directBatch(
    cmd: Extract<Cmd, { kind: "direct" }>,
    id: bigint,
    from: string,
    to: string,
    amount: bigint,
  ): Promise<StepResult> {
    const m = this.model;
    const id2 = this.assetId(cmd.asset < 0 ? 0 : cmd.asset + 1);
    const ids = [id, id2];
    const amounts = [amount, this.amountOf({ sel: "part", part: cmd.amount.part }, id2, from)];
    const restore = m.snapshot();
    let expected: Expectation = OK;
    for (const [i, idi] of ids.entries()) {
      expected = m.rules(undefined, from, to, idi, amounts[i], false);
      if (!expected.ok) break;
      m.post({ from, to, id: idi, amount: amounts[i], ref: ZeroHash });
    }
    if (!expected.ok) restore();
    const actual = await this.send(() =>
      this.ledger.connect(this.signerOf(from)).safeBatchTransferFrom(from, to, ids, amounts, "0x", GAS),
    );
    return {
      label: `direct ERC-1155 batch ${short(from)}->${short(to)} #${id}:${amounts[0]} #${id2}:${amounts[1]}`,
      expected,
      actual,
      touched: { accounts: [from, to], assets: ids },
    };
  }

  /** Builds a transfer authorization for a relay or batch item; returns whether its signature is genuine. */
  async authorizationFor(
    variant: RelayVariant | BatchVariant,
    pick: number,
    id: bigint,
    from: string,
    to: string,
    amount: bigint,
  ): Promise<{ auth: TransferAuthorization; signature: string; genuine: boolean; now?: bigint; variant: string }> {
    const m = this.model;
    if (variant === "replay" && this.acceptedTransfers.length > 0) {
      const used = this.acceptedTransfers[pick % this.acceptedTransfers.length];
      return { ...used, genuine: true, variant };
    }
    const v = variant === "replay" ? "fresh" : variant;
    const auth: TransferAuthorization = {
      from,
      to: v === "toZero" ? ZeroAddress : to,
      assetId: id,
      amount,
      nonce: m.nonceOf(id, from),
      deadline: FAR_DEADLINE,
      ref: this.ref(`transfer ${pick}`),
    };
    let now: bigint | undefined;
    let signer = this.signerOf(from);
    let domain = this.domain;
    let genuine = true;
    if (v === "futureNonce") auth.nonce += 1n;
    if (v === "otherChain") {
      domain = this.otherChainDomain;
      genuine = false;
    }
    if (v === "otherContract") {
      domain = this.otherContractDomain;
      genuine = false;
    }
    if (v === "forged") {
      signer = this.operator;
      genuine = false;
    }
    if (v === "pastDeadline") {
      auth.deadline = BigInt(await time.latest());
      m.lastTimestamp = auth.deadline;
    }
    if (v === "expired" || v === "atDeadline" || v === "afterDeadline") {
      const latest = BigInt(await time.latest());
      auth.deadline = latest + 30n + BigInt(pick % 50);
    }
    const signature = await signer.signTypedData(domain, TRANSFER_TYPES, auth);
    if (v === "expired") {
      // the deadline passes while the authorization waits (time.increase mines a block past it)
      await time.increase(Number(auth.deadline - BigInt(await time.latest())) + 1 + (pick % 300));
      m.lastTimestamp = BigInt(await time.latest());
    }
    if (v === "atDeadline" || v === "afterDeadline") {
      now = v === "atDeadline" ? auth.deadline : auth.deadline + 1n;
      await time.setNextBlockTimestamp(now);
    }
    return { auth, signature, genuine, now, variant: v };
  }

  async relay(cmd: Extract<Cmd, { kind: "relay" }>): Promise<StepResult> {
    const m = this.model;
    const id = this.assetId(cmd.asset);
    const from = this.fromOf(cmd.from, id);
    const to = this.toOf(cmd.to);
    const amount = this.amountOf(cmd.amount, id, from);
    const { auth, signature, genuine, now, variant } = await this.authorizationFor(
      cmd.variant,
      cmd.pick,
      id,
      from,
      to,
      amount,
    );
    let expected = m.authorizationCheck(auth.from, auth.assetId, auth.nonce, auth.deadline, genuine, now);
    if (expected.ok && auth.to === ZeroAddress) expected = refuse("ERC1155InvalidReceiver", [ZeroAddress]);
    if (expected.ok) expected = m.rules(this.operator.address, auth.from, auth.to, auth.assetId, auth.amount, false);
    if (now === undefined) {
      const rules = m.rules(this.operator.address, auth.from, auth.to, auth.assetId, auth.amount, false);
      await this.checkView(this.operator.address, auth.from, auth.to, auth.assetId, auth.amount, rules);
    }
    const actual = await this.send(() =>
      this.ledger.connect(this.operator).transferWithAuthorization(auth, signature, GAS),
    );
    if (now !== undefined && now > m.lastTimestamp) m.lastTimestamp = now;
    if (expected.ok)
      m.post({
        from: auth.from,
        to: auth.to,
        id: auth.assetId,
        amount: auth.amount,
        ref: auth.ref,
        nextNonce: auth.nonce + 1n,
      });
    if (actual.ok) this.acceptedTransfers.push({ auth, signature });
    return {
      label: `relay (${variant}) #${auth.assetId} ${short(auth.from)}->${short(auth.to)} ${auth.amount} nonce ${auth.nonce}`,
      expected,
      actual,
      touched: { accounts: [auth.from, auth.to], assets: [auth.assetId] },
      consumes: [{ key: `transfer:${signature}`, deadline: auth.deadline, genuine, what: "transfer authorization" }],
    };
  }

  async batch(items: BatchItem[]): Promise<StepResult> {
    const m = this.model;
    const auths: TransferAuthorization[] = [];
    const signatures: string[] = [];
    const consumed: Consumed[] = [];
    const labels: string[] = [];
    const rejections: { index: number; from: string; nonce: bigint; code: number }[] = [];
    const touched = { accounts: [] as string[], assets: [] as bigint[] };
    const batchRefusal: Expectation | undefined = m.paused
      ? refuse("EnforcedPause", [])
      : !m.operatorPermitted
        ? refuse("OperatorNotPermitted", [this.operator.address])
        : undefined;
    // Each item is resolved against the model after the items before it, as the contract processes them in order.
    for (const [index, item] of items.entries()) {
      const id = this.assetId(item.asset);
      const from = this.fromOf(item.from, id);
      const to = this.toOf(item.to);
      const amount = this.amountOf(item.amount, id, from);
      const { auth, signature, genuine, variant } = await this.authorizationFor(
        item.variant,
        item.pick + index,
        id,
        from,
        to,
        amount,
      );
      auths.push(auth);
      signatures.push(signature);
      consumed.push({
        key: `transfer:${signature}`,
        deadline: auth.deadline,
        genuine,
        what: "transfer authorization (batch)",
      });
      labels.push(`${variant} #${auth.assetId} ${short(auth.from)}->${short(auth.to)} ${auth.amount} n${auth.nonce}`);
      touched.accounts.push(auth.from, auth.to);
      touched.assets.push(auth.assetId);
      if (batchRefusal) continue;
      let e = m.authorizationCheck(auth.from, auth.assetId, auth.nonce, auth.deadline, genuine);
      // A batch item to the zero address (a burn in disguise) is rejected on its own as RecipientNotRegistered.
      if (e.ok && auth.to === ZeroAddress)
        e = refuse("ERC1155InvalidReceiver", [ZeroAddress], Code.RecipientNotRegistered);
      if (e.ok) e = m.rules(this.operator.address, auth.from, auth.to, auth.assetId, auth.amount, false);
      if (e.ok) {
        m.post({
          from: auth.from,
          to: auth.to,
          id: auth.assetId,
          amount: auth.amount,
          ref: auth.ref,
          nextNonce: auth.nonce + 1n,
        });
      } else {
        rejections.push({ index, from: auth.from, nonce: auth.nonce, code: e.code ?? -1 });
      }
    }
    const actual = await this.send(() =>
      this.ledger.connect(this.operator).transferBatchWithAuthorization(auths, signatures, GAS),
    );
    if (actual.ok) {
      const rejected = new Set(
        actual.receipt.logs
          .map((l) => this.ledger.interface.parseLog(l))
          .filter((ev) => ev?.name === "AuthorizationRejected")
          .map((ev) => Number(ev?.args[0] as bigint)),
      );
      auths.forEach((auth, i) => {
        if (!rejected.has(i)) this.acceptedTransfers.push({ auth, signature: signatures[i] });
      });
    }
    return {
      label: `batch [${labels.join("; ")}]`,
      expected: batchRefusal ?? OK,
      actual,
      touched,
      batch: { rejections, items: consumed },
    };
  }

  async redeemSelf(id: bigint, holder: string, amount: bigint): Promise<StepResult> {
    const m = this.model;
    const ref = this.ref("redeem");
    const expected = m.rules(undefined, holder, ZeroAddress, id, amount, false);
    const actual = await this.send(() => this.ledger.connect(this.signerOf(holder)).redeem(id, amount, ref, GAS));
    if (expected.ok) m.post({ from: holder, to: ZeroAddress, id, amount, ref });
    return {
      label: `redeem #${id} ${short(holder)} ${amount}`,
      expected,
      actual,
      touched: { accounts: [holder], assets: [id] },
    };
  }

  async redeem(cmd: Extract<Cmd, { kind: "redeem" }>): Promise<StepResult> {
    const m = this.model;
    const id = this.assetId(cmd.asset);
    const holder = this.fromOf(cmd.from, id);
    const amount = this.amountOf(cmd.amount, id, holder);
    if (cmd.mode === "self") return this.redeemSelf(id, holder, amount);
    let r: StoredRedemption;
    let genuine = true;
    let mode: string = cmd.mode;
    if (cmd.mode === "replay" && this.acceptedRedemptions.length > 0) {
      r = this.acceptedRedemptions[cmd.pick % this.acceptedRedemptions.length];
    } else {
      if (mode === "replay") mode = "signed";
      const payload = {
        holder,
        assetId: id,
        amount,
        nonce: m.nonceOf(id, holder),
        deadline: FAR_DEADLINE,
        ref: this.ref("redeem"),
      };
      const domain = mode === "otherChain" ? this.otherChainDomain : this.domain;
      genuine = mode !== "otherChain";
      r = { ...payload, signature: await this.signerOf(holder).signTypedData(domain, REDEMPTION_TYPES, payload) };
    }
    const rr = r;
    let expected = m.authorizationCheck(rr.holder, rr.assetId, rr.nonce, rr.deadline, genuine);
    if (expected.ok) expected = m.rules(this.operator.address, rr.holder, ZeroAddress, rr.assetId, rr.amount, false);
    const actual = await this.send(() =>
      this.ledger
        .connect(this.operator)
        .redeemWithAuthorization(rr.holder, rr.assetId, rr.amount, rr.nonce, rr.deadline, rr.ref, rr.signature, GAS),
    );
    if (expected.ok)
      m.post({
        from: rr.holder,
        to: ZeroAddress,
        id: rr.assetId,
        amount: rr.amount,
        ref: rr.ref,
        nextNonce: rr.nonce + 1n,
      });
    if (actual.ok) this.acceptedRedemptions.push(rr);
    return {
      label: `redeem by signature (${mode}) #${rr.assetId} ${short(rr.holder)} ${rr.amount} nonce ${rr.nonce}`,
      expected,
      actual,
      touched: { accounts: [rr.holder], assets: [rr.assetId] },
      consumes: [
        { key: `redemption:${rr.signature}`, deadline: rr.deadline, genuine, what: "redemption authorization" },
      ],
    };
  }

  async freeze(cmd: Extract<Cmd, { kind: "freeze" }>): Promise<StepResult> {
    const m = this.model;
    // Mostly freeze someone registered and not frozen, or unfreeze someone frozen; the other calls are refusals.
    const doFreeze = cmd.r < 5;
    const a = this.pick(cmd.who, (x) =>
      doFreeze ? m.participant(x)?.frozen === false : m.participant(x)?.frozen === true,
    ).address;
    const p = m.participant(a);
    const by = cmd.byAuthority ? this.authority : this.operator;
    const reason = "financial monitoring";
    let expected: Expectation;
    let actual: ChainOutcome;
    if (doFreeze) {
      if (!p) expected = refuse("ParticipantNotRegistered", [a]);
      // The authority may take over an operator's freeze; nothing else freezes a frozen participant.
      else if (p.frozen && (p.frozenByAuthority || !cmd.byAuthority)) expected = refuse("ParticipantIsFrozen", [a]);
      else expected = OK;
      actual = await this.send(() => this.ledger.connect(by).freezeParticipant(a, reason, GAS));
      if (expected.ok && p) Object.assign(p, { frozen: true, frozenByAuthority: cmd.byAuthority });
    } else {
      const state = p ?? m.survivingFreezes.get(a);
      const frozen = p ? p.frozen : state !== undefined;
      if (!frozen) expected = refuse("ParticipantNotFrozen", [a]);
      else if (state?.frozenByAuthority && !cmd.byAuthority) expected = refuse("ParticipantFrozenByAuthority", [a]);
      else expected = OK;
      actual = await this.send(() => this.ledger.connect(by).unfreezeParticipant(a, reason, GAS));
      if (expected.ok) {
        if (p) Object.assign(p, { frozen: false, frozenByAuthority: false });
        else m.survivingFreezes.delete(a);
      }
    }
    return {
      label: `${doFreeze ? "freeze" : "unfreeze"} ${short(a)}`,
      expected,
      actual,
      touched: { accounts: [a], assets: [] },
    };
  }

  async freezeTokens(cmd: Extract<Cmd, { kind: "freezeTokens" }>): Promise<StepResult> {
    const m = this.model;
    const id = this.assetId(cmd.asset);
    const a = this.fromOf(cmd.who, id);
    const amount = cmd.huge ? 1n << 120n : this.amountOf(cmd.amount, id, a);
    const asset = m.asset(id);
    let expected: Expectation;
    if (!asset) expected = refuse("AssetNotFound", [id]);
    // An operator cannot change units the authority froze.
    else if (asset.frozenByAuthority.has(a) && !cmd.byAuthority)
      expected = refuse("FrozenUnitsOrderedByAuthority", [a, id]);
    else expected = OK;
    const actual = await this.send(() =>
      this.ledger.connect(cmd.byAuthority ? this.authority : this.operator).setFrozenTokens(a, id, amount, GAS),
    );
    if (expected.ok && asset) {
      const frozen = amount > UINT96_MAX ? UINT96_MAX : amount;
      asset.frozen.set(a, frozen);
      if (cmd.byAuthority && frozen !== 0n) asset.frozenByAuthority.add(a);
      else asset.frozenByAuthority.delete(a);
    }
    return {
      label: `setFrozenTokens #${id} ${short(a)} ${amount}`,
      expected,
      actual,
      touched: { accounts: [a], assets: [id] },
    };
  }

  async suspendCall(id: bigint, doSuspend: boolean): Promise<StepResult> {
    const asset = this.model.asset(id);
    const status = asset?.status ?? Status.None;
    let expected: Expectation;
    if (!asset) expected = refuse("AssetNotFound", [id]);
    else if (doSuspend) expected = status === Status.Active ? OK : refuse("AssetNotActive", [id, status]);
    else expected = status === Status.Suspended ? OK : refuse("AssetNotSuspended", [id]);
    const actual = await this.send(() =>
      doSuspend
        ? this.ledger.connect(this.authority).suspendAsset(id, "court order", GAS)
        : this.ledger.connect(this.authority).resumeAsset(id, "order lifted", GAS),
    );
    if (expected.ok && asset) asset.status = doSuspend ? Status.Suspended : Status.Active;
    return {
      label: `${doSuspend ? "suspend" : "resume"} #${id}`,
      expected,
      actual,
      touched: { accounts: [], assets: [id] },
    };
  }

  /**
   * Suspension episodes: resume an asset left suspended; or suspend an active asset, try one action on it,
   * and resume it (one time in ten it stays suspended); on an asset that is not active, a refused call.
   */
  async suspendWindow(cmd: Extract<Cmd, { kind: "suspend" }>): Promise<void> {
    const suspended = this.model.assets.filter((a) => a.status === Status.Suspended);
    if (suspended.length > 0 && cmd.r < 5)
      return this.done(await this.suspendCall(suspended[cmd.r % suspended.length].id, false));
    const id = this.assetId(cmd.asset);
    const status = this.model.asset(id)?.status ?? Status.None;
    if (status !== Status.Active) return this.done(await this.suspendCall(id, cmd.r % 2 === 0));
    await this.done(await this.suspendCall(id, true));
    const sel = Number(id) - 1;
    const amount: Amount = { sel: "part", part: 300 };
    switch (cmd.probe) {
      case "direct":
        await this.done(
          await this.direct({ kind: "direct", asset: sel, from: cmd.from, to: cmd.to, amount, mode: "holder" }),
        );
        break;
      case "relay":
        await this.done(
          await this.relay({
            kind: "relay",
            asset: sel,
            from: cmd.from,
            to: cmd.to,
            amount,
            variant: "fresh",
            pick: 0,
          }),
        );
        break;
      case "redeem":
        await this.done(
          await this.redeem({ kind: "redeem", asset: sel, from: cmd.from, amount, mode: "self", pick: 0 }),
        );
        break;
      case "forced":
        await this.done(
          await this.forced({
            kind: "forced",
            asset: sel,
            from: cmd.from,
            to: cmd.to,
            amount,
            basis: 1,
            fromZero: false,
          }),
        );
        break;
      case "freezeTokens":
        await this.done(
          await this.freezeTokens({
            kind: "freezeTokens",
            asset: sel,
            who: cmd.from,
            amount,
            huge: false,
            byAuthority: true,
          }),
        );
        break;
      case "again":
        await this.done(await this.suspendCall(id, true));
        break;
    }
    if (cmd.r !== 9) await this.done(await this.suspendCall(id, false));
  }

  async forced(cmd: Extract<Cmd, { kind: "forced" }>): Promise<StepResult> {
    const m = this.model;
    const id = this.assetId(cmd.asset);
    const from = cmd.fromZero ? ZeroAddress : this.fromOf(cmd.from, id);
    const to = this.toOf(cmd.to);
    // from the zero address: a plain amount, or 2^96 (which a uint96 supply would truncate to nothing)
    const amount = cmd.fromZero
      ? cmd.amount.sel === "over"
        ? 1n << 96n
        : BigInt(cmd.amount.part)
      : this.amountOf(cmd.amount, id, from);
    const ref = this.ref("court decision");
    let expected: Expectation;
    if (cmd.basis === 0) expected = refuse("ForcedTransferBasisMissing", []);
    // A forced transfer moves units a holder has; "from" the zero address it would create units without
    // collateral (Art. 6.8), so it is refused.
    else if (from === ZeroAddress) expected = refuse("ERC1155InvalidSender", [ZeroAddress]);
    // To the sender itself it would move nothing and only lower the sender's frozen units.
    else if (from === to) expected = refuse("ERC1155InvalidReceiver", [to]);
    else expected = m.rules(undefined, from, to, id, amount, true);
    const actual = await this.send(() =>
      this.ledger.connect(this.authority).forcedTransfer(from, to, id, amount, cmd.basis, ref, GAS),
    );
    if (expected.ok) m.post({ from, to, id, amount, ref, forced: true });
    return {
      label: `forcedTransfer (basis ${cmd.basis}) #${id} ${short(from)}->${short(to)} ${amount}`,
      expected,
      actual,
      forced: true,
      touched: { accounts: from === ZeroAddress ? [to] : [from, to], assets: [id] },
    };
  }

  /** Pause, try one action that must be refused while paused, unpause (so the platform is not paused most of the time). */
  async pauseWindow(cmd: Extract<Cmd, { kind: "pause" }>): Promise<void> {
    const m = this.model;
    const none = { accounts: [] as string[], assets: [] as bigint[] };
    const pause = await this.send(() => this.ledger.connect(this.authority).pause(GAS));
    m.paused = true;
    await this.done({ label: "pause", expected: OK, actual: pause, touched: none });
    const again = await this.send(() => this.ledger.connect(this.authority).pause(GAS));
    await this.done({ label: "pause again", expected: refuse("EnforcedPause", []), actual: again, touched: none });
    const amount: Amount = { sel: "part", part: 500 };
    switch (cmd.probe) {
      case "direct":
        await this.done(
          await this.direct({ kind: "direct", asset: cmd.asset, from: cmd.from, to: cmd.to, amount, mode: "holder" }),
        );
        break;
      case "relay":
        await this.done(
          await this.relay({
            kind: "relay",
            asset: cmd.asset,
            from: cmd.from,
            to: cmd.to,
            amount,
            variant: "fresh",
            pick: 0,
          }),
        );
        break;
      case "issue":
        await this.done(await this.issue(cmd.to % this.pool.length, 100, "fresh", 0, true));
        break;
      case "redeem":
        await this.done(
          await this.redeem({ kind: "redeem", asset: cmd.asset, from: cmd.from, amount, mode: "self", pick: 0 }),
        );
        break;
      case "forced":
        await this.done(
          await this.forced({
            kind: "forced",
            asset: cmd.asset,
            from: cmd.from,
            to: cmd.to,
            amount,
            basis: 1,
            fromZero: false,
          }),
        );
        break;
      case "unpauseTwice":
        break;
    }
    const unpause = await this.send(() => this.ledger.connect(this.authority).unpause(GAS));
    m.paused = false;
    await this.done({ label: "unpause", expected: OK, actual: unpause, touched: none });
    if (cmd.probe === "unpauseTwice") {
      const twice = await this.send(() => this.ledger.connect(this.authority).unpause(GAS));
      await this.done({ label: "unpause again", expected: refuse("ExpectedPause", []), actual: twice, touched: none });
    }
  }

  /** Every holder redeems all its units (refused where a rule says so), then the issuer declares obligations fulfilled. */
  async redeemAllAndClose(sel: number): Promise<void> {
    const id = this.assetId(sel);
    const asset = this.model.asset(id);
    if (asset && asset.status !== Status.Closed) {
      for (const p of this.pool) {
        const balance = this.model.balance(id, p.address);
        if (balance > 0n) await this.done(await this.redeemSelf(id, p.address, balance));
      }
    }
    await this.done(await this.close(sel));
  }

  /**
   * The issuer's signed order to change the decision document, relayed by the operator: genuine, signed by someone
   * else, altered by the relayer after signing, or an order already applied (replayed).
   */
  async changeDecision(cmd: Extract<Cmd, { kind: "decision" }>): Promise<StepResult> {
    const m = this.model;
    const replayed =
      cmd.variant === "replay" && this.decisionOrders.length > 0
        ? this.decisionOrders[cmd.pick % this.decisionOrders.length]
        : undefined;
    const id = replayed?.assetId ?? this.assetId(cmd.asset);
    const asset = m.asset(id);
    const issuer = asset ? this.signerOf(asset.issuer) : this.pool[0];
    let order: DecisionOrder;
    let signer = issuer;
    let genuine = true;
    if (replayed) {
      order = replayed;
    } else {
      const next = keccakText(`decision ${id} change ${cmd.pick}`);
      order = {
        assetId: id,
        previousHash: asset?.decisionHash ?? ZeroHash,
        newHash: next,
        newUri: `https://steppegrain.kz/d/${cmd.pick}.pdf`,
        reason: "amended annex",
        signature: "",
      };
      if (cmd.variant === "otherSigner") {
        signer = this.pool.find((p) => p.address !== asset?.issuer) ?? this.operator;
        genuine = false;
      }
      order.signature = await signer.signTypedData(
        this.domain,
        DECISION_CHANGE_TYPES,
        decisionChangeMessage({ ...order, deadline: FAR_DEADLINE }),
      );
    }
    // The relayer changes the URI the issuer signed.
    const sent = cmd.variant === "altered" ? { ...order, newUri: "https://evil.example/decision.pdf" } : order;
    if (cmd.variant === "altered") genuine = false;
    const digest = TypedDataEncoder.hash(
      this.domain,
      DECISION_CHANGE_TYPES,
      decisionChangeMessage({ ...sent, deadline: FAR_DEADLINE }),
    );
    let expected: Expectation;
    if (!m.operatorPermitted) expected = refuse("OperatorNotPermitted", [this.operator.address]);
    else if (!asset) expected = refuse("AssetNotFound", [id]);
    else if (asset.status === Status.Closed) expected = refuse("DecisionChangeWhileClosed", [id]);
    // The signature binds the hash now: an order for another version, or not the issuer's, does not verify.
    else if (!genuine || sent.previousHash !== asset.decisionHash)
      expected = refuse("IssuerSignatureInvalid", [asset.issuer, id]);
    else if (asset.appliedDecisionChanges.has(digest)) expected = refuse("DecisionChangeReplayed", [digest]);
    else expected = OK;
    const actual = await this.send(() =>
      this.ledger
        .connect(this.operator)
        .changeDecisionDocument(
          sent.assetId,
          sent.newHash,
          sent.newUri,
          sent.reason,
          FAR_DEADLINE,
          sent.signature,
          GAS,
        ),
    );
    if (expected.ok && asset) {
      asset.decisionHash = sent.newHash;
      asset.appliedDecisionChanges.add(digest);
      this.decisionOrders.push(order);
    }
    if (asset) {
      const onChain = (await this.ledger.assetInfo(id)).decisionHash;
      if (onChain !== asset.decisionHash)
        this.fail(`decision hash of #${id} is ${onChain}, the model says ${asset.decisionHash}`);
    }
    return {
      label: `decision change #${sent.assetId} (${cmd.variant})`,
      expected,
      actual,
      touched: { accounts: [], assets: asset ? [id] : [] },
    };
  }

  /** ERC-1155 approvals are disabled: whoever asks, setApprovalForAll is refused. */
  async approve(whoIdx: number): Promise<StepResult> {
    const who = this.pool[whoIdx % this.pool.length];
    // Sent as a transaction, as a wallet using the ERC-1155 ABI would (the ledger's own ABI marks it pure).
    const actual = await this.send(() =>
      this.ledger.connect(who).setApprovalForAll.send(this.operator.address, true, GAS),
    );
    return {
      label: `setApprovalForAll by ${short(who.address)}`,
      expected: refuse("ApprovalsDisabled", []),
      actual,
      touched: { accounts: [], assets: [] },
    };
  }

  async close(sel: number): Promise<StepResult> {
    const id = this.assetId(sel);
    const asset = this.model.asset(id);
    let expected: Expectation;
    if (!asset) expected = refuse("AssetNotFound", [id]);
    else if (asset.status === Status.Closed) expected = refuse("AssetNotActive", [id, Status.Closed]);
    else if (asset.supply !== 0n) expected = refuse("ObligationsOutstanding", [id, asset.supply]);
    else expected = OK;
    const caller = asset ? this.signerOf(asset.issuer) : this.pool[0];
    const actual = await this.send(() => this.ledger.connect(caller).declareObligationsFulfilled(id, 0n, "0x", GAS));
    if (expected.ok && asset) asset.status = Status.Closed;
    return { label: `declare obligations fulfilled #${id}`, expected, actual, touched: { accounts: [], assets: [id] } };
  }

  // ------------------------------------------------------------------------------------------ checks

  /** The chain agrees with the model on this step's outcome, its records and the signatures it consumed. */
  async verifyStep(r: StepResult): Promise<void> {
    const m = this.model;
    const { expected, actual } = r;
    count(`${r.label.split(" ")[0]}: ${actual.ok ? "posted" : actual.error}`);
    if (expected.ok !== actual.ok) {
      this.fail(
        `${r.label}: the model expected ${fmtOutcome(expected)}, the chain ${actual.ok ? "posted it" : `refused with ${fmtOutcome(actual)}`}`,
      );
    }
    if (!expected.ok && !actual.ok) {
      if (expected.error !== "*" && expected.error !== actual.error) {
        this.fail(
          `${r.label}: the model expected ${fmtOutcome(expected)}, the chain refused with ${fmtOutcome(actual)}`,
        );
      }
      if (expected.error !== "*" && expected.args) {
        const mismatch = expected.args.some(
          (e, i) => e !== undefined && String(e).toLowerCase() !== String(actual.args[i]).toLowerCase(),
        );
        if (mismatch || expected.args.length !== actual.args.length) {
          this.fail(
            `${r.label}: the model expected ${fmtOutcome(expected)}, the chain refused with ${fmtOutcome(actual)}`,
          );
        }
      }
    }
    if (!actual.ok) {
      if (m.pending.length !== 0) this.fail(`${r.label}: model queued ${fmtRecords(m.pending)} for a refused step`);
      return;
    }

    // Events: the records, transfers and batch rejections of this step.
    const records: ObservedRecord[] = [];
    const rejections: { index: number; from: string; nonce: bigint; code: number }[] = [];
    let transferEvents = 0;
    for (const log of actual.receipt.logs) {
      const ev = this.ledger.interface.parseLog(log);
      if (ev === null) continue;
      if (ev.name === "RecordPosted") {
        const [assetId, sequence, from, to, amount, ref, postedAt] = ev.args as unknown as [
          bigint,
          bigint,
          string,
          string,
          bigint,
          string,
          bigint,
        ];
        records.push({ assetId, sequence, from, to, amount, ref, postedAt });
      } else if (ev.name === "TransferSingle") {
        transferEvents += 1;
      } else if (ev.name === "TransferBatch") {
        transferEvents += (ev.args[3] as bigint[]).length;
      } else if (ev.name === "AuthorizationRejected") {
        const [index, from, nonce, reason] = ev.args as unknown as [bigint, string, bigint, bigint];
        rejections.push({ index: Number(index), from, nonce, code: Number(reason) });
      }
    }
    if (transferEvents !== records.length) {
      this.fail(`${r.label}: ${transferEvents} balance change(s) but ${records.length} record(s)`);
    }
    // No unregistered, frozen or unacknowledged participant receives units, or sends them but by a forced transfer.
    for (const rec of records) {
      if (rec.to !== ZeroAddress && !m.eligible(rec.to)) {
        this.fail(`${r.label}: ${short(rec.to)} received units but is ${this.describe(rec.to)}`);
      }
      if (rec.from !== ZeroAddress && !r.forced && !m.eligible(rec.from)) {
        this.fail(`${r.label}: ${short(rec.from)} sent units but is ${this.describe(rec.from)}`);
      }
    }
    const recordError = m.acceptRecords(records);
    if (recordError) this.fail(`${r.label}: ${recordError}`);
    if (records.length > 0) {
      const block = await ethers.provider.getBlock(actual.receipt.blockNumber);
      const ts = BigInt(block?.timestamp ?? -1);
      if (records.some((rec) => rec.postedAt !== ts))
        this.fail(`${r.label}: record posting time differs from the block time ${ts}`);
    }
    if (r.batch) {
      const names = Object.fromEntries(Object.entries(Code).map(([k, v]) => [v, k]));
      r.batch.items.forEach((_, i) => {
        const rej = rejections.find((x) => x.index === i);
        count(`batch item: ${rej ? (names[rej.code] ?? rej.code) : "posted"}`);
      });
      const exp = r.batch.rejections.map((x) => `${x.index}:${short(x.from)}:${x.nonce}:${x.code}`).join(" ");
      const got = rejections.map((x) => `${x.index}:${short(x.from)}:${x.nonce}:${x.code}`).join(" ");
      if (exp !== got) this.fail(`${r.label}: the model expected rejections [${exp}], the chain rejected [${got}]`);
    }

    // No attestation or signature works twice, after its deadline, or for another chain or contract.
    const consumed = r.batch
      ? r.batch.items.filter((_, i) => !rejections.some((x) => x.index === i))
      : (r.consumes ?? []);
    if (consumed.length > 0) {
      const block = await ethers.provider.getBlock(actual.receipt.blockNumber);
      const ts = BigInt(block?.timestamp ?? 0);
      for (const c of consumed) {
        if (this.accepted.has(c.key)) this.fail(`${r.label}: a ${c.what} was accepted a second time`);
        if (c.deadline < ts)
          this.fail(`${r.label}: a ${c.what} was accepted after its deadline ${c.deadline} (block time ${ts})`);
        if (!c.genuine) this.fail(`${r.label}: a ${c.what} signed for another chain, contract or signer was accepted`);
        this.accepted.add(c.key);
      }
    }
  }

  describe(a: string): string {
    const p = this.model.participant(a);
    if (!p) return "not registered";
    if (p.frozen) return "frozen";
    return `acknowledged v${p.acknowledged} of v${this.model.disclosureVersion}`;
  }

  /** Balances, supply, records, statuses; nonces, frozen amounts and participants of what the step touched. */
  async verifyState(touched: { accounts: string[]; assets: bigint[] }, full: boolean): Promise<void> {
    const m = this.model;
    const l = this.ledger;
    const ids = m.assets.map((a) => a.id);
    const accounts: string[] = [];
    const assetIds: bigint[] = [];
    for (const id of ids)
      for (const a of this.known) {
        accounts.push(a);
        assetIds.push(id);
      }
    const pairs: [string, bigint][] = [];
    const participantsToCheck = full ? this.pool.map((p) => p.address) : [...new Set(touched.accounts)];
    if (full) {
      for (const id of ids) for (const a of this.pool) pairs.push([a.address, id]);
    } else {
      for (const id of new Set(touched.assets))
        for (const a of new Set(touched.accounts)) if (m.asset(id)) pairs.push([a, id]);
    }
    const [balances, infos, supplies, assetCount, paused, version, nonces, frozen, participants] = await Promise.all([
      ids.length > 0 ? l.balanceOfBatch(accounts, assetIds) : Promise.resolve([] as bigint[]),
      Promise.all(ids.map((id) => l.assetInfo(id))),
      Promise.all(ids.map((id) => l.totalSupply(id))),
      l.assetCount(),
      l.paused(),
      l.currentDisclosureVersion(),
      Promise.all(pairs.map(([a, id]) => l.nonceOf(a, id))),
      Promise.all(pairs.map(([a, id]) => l.getFrozenTokens(a, id))),
      Promise.all(participantsToCheck.map((a) => l.participant(a))),
    ]);
    if (assetCount !== BigInt(ids.length)) this.fail(`assetCount ${assetCount}, the model has ${ids.length} assets`);
    if (paused !== m.paused) this.fail(`paused ${paused}, the model says ${m.paused}`);
    if (Number(version) !== m.disclosureVersion)
      this.fail(`disclosure version ${version}, the model says ${m.disclosureVersion}`);
    for (const [k, asset] of m.assets.entries()) {
      let sum = 0n;
      for (const [j, a] of this.known.entries()) {
        const b = balances[k * this.known.length + j];
        sum += b;
        if (b !== m.balance(asset.id, a))
          this.fail(`balance of ${short(a)} in #${asset.id} is ${b}, the model says ${m.balance(asset.id, a)}`);
      }
      const info = infos[k];
      if (sum !== supplies[k] || sum !== info.supply) {
        this.fail(`#${asset.id}: balances sum to ${sum}, totalSupply ${supplies[k]}, assetInfo.supply ${info.supply}`);
      }
      if (info.supply !== asset.supply)
        this.fail(`#${asset.id}: supply ${info.supply}, the model says ${asset.supply}`);
      if (asset.supply !== asset.issuedUnits - asset.redeemed) {
        this.fail(
          `#${asset.id}: supply ${asset.supply} is not the ${asset.issuedUnits} issued minus the ${asset.redeemed} redeemed`,
        );
      }
      if (info.issuedUnits !== asset.issuedUnits || info.issuer !== asset.issuer)
        this.fail(`#${asset.id}: issuance terms differ`);
      if (Number(info.status) !== asset.status)
        this.fail(`#${asset.id}: status ${info.status}, the model says ${asset.status}`);
      if (info.recordCount !== asset.recordCount) {
        this.fail(`#${asset.id}: recordCount ${info.recordCount}, the model counted ${asset.recordCount} postings`);
      }
      if (info.recordHead.toLowerCase() !== asset.recordHead) {
        this.fail(`#${asset.id}: recordHead ${info.recordHead}, recomputed from the events ${asset.recordHead}`);
      }
    }
    for (const [i, [a, id]] of pairs.entries()) {
      if (nonces[i] !== m.nonceOf(id, a))
        this.fail(`nonce of ${short(a)} in #${id} is ${nonces[i]}, the model says ${m.nonceOf(id, a)}`);
      if (frozen[i] !== m.frozenOf(id, a))
        this.fail(`frozen units of ${short(a)} in #${id}: ${frozen[i]}, the model says ${m.frozenOf(id, a)}`);
    }
    for (const [i, a] of participantsToCheck.entries()) {
      const p = participants[i];
      const e = m.participant(a);
      // A deregistered account keeps its freeze (and whose it was).
      const surviving = m.survivingFreezes.get(a);
      const same = e
        ? Number(p.kind) === e.kind &&
          p.frozen === e.frozen &&
          p.frozenByAuthority === e.frozenByAuthority &&
          Number(p.acknowledgedVersion) === e.acknowledged
        : Number(p.kind) === 0 &&
          p.frozen === (surviving !== undefined) &&
          p.frozenByAuthority === (surviving?.frozenByAuthority ?? false) &&
          Number(p.acknowledgedVersion) === 0;
      if (!same)
        this.fail(
          `participant ${short(a)} is ${p.toString()}, the model says ${JSON.stringify(e ?? surviving ?? "not registered")}`,
        );
    }
  }

  /** The whole record chain of every asset, recomputed from all RecordPosted logs. */
  async verifyAllRecords(): Promise<void> {
    const logs = await this.ledger.queryFilter(this.ledger.filters.RecordPosted());
    const byAsset = new Map<bigint, ObservedRecord[]>();
    for (const log of logs) {
      const a = log.args;
      const rec: ObservedRecord = {
        assetId: a.assetId,
        sequence: a.sequence,
        from: a.from,
        to: a.to,
        amount: a.amount,
        ref: a.ref,
        postedAt: a.postedAt,
      };
      byAsset.set(rec.assetId, [...(byAsset.get(rec.assetId) ?? []), rec]);
    }
    for (const asset of this.model.assets) {
      const info = await this.ledger.assetInfo(asset.id);
      const records = byAsset.get(asset.id) ?? [];
      const chain = recomputeChain(records);
      if ("broken" in chain) this.fail(`#${asset.id}: record chain from the logs breaks: ${chain.broken}`);
      if (chain.count !== info.recordCount || chain.head !== info.recordHead.toLowerCase()) {
        this.fail(
          `#${asset.id}: logs give ${chain.count} records, head ${chain.head}; on-chain ${info.recordCount}, ${info.recordHead}`,
        );
      }
      // The gateway's verifier (server/chain/records.ts) must reach the same verdict on the same logs.
      const verdict = verifyRecordChain(records, info.recordCount, info.recordHead);
      if (!verdict.verified)
        this.fail(
          `#${asset.id}: verifyRecordChain refuses the chain: ${verdict.reason} at ${verdict.firstDivergentSequence}`,
        );
    }
  }
}

// ---------------------------------------------------------------------------------------------- the property

describe("SecuredAssetLedger: stateful property against a TypeScript model", function () {
  this.timeout(30 * 60_000);

  it(`agrees with the model over ${NUM_RUNS * RUN_LENGTH} random steps, invariants after each`, async function () {
    const signers = await ethers.getSigners();
    const [deployer, authority, operator, verifier] = signers;
    const pool = signers.slice(4, 12);
    const known = [deployer, authority, operator, verifier, ...pool].map((s) => s.address);
    console.log(
      `      property: seed=${SEED} runs=${NUM_RUNS} commands/run=${RUN_LENGTH}` +
        ` (replay: PROPERTY_SEED=${SEED}${REPLAY_PATH ? ` PROPERTY_PATH=${REPLAY_PATH}` : ""})`,
    );
    const started = Date.now();

    const property = fc.asyncProperty(
      fc.array(commandArb, { minLength: RUN_LENGTH, maxLength: RUN_LENGTH }),
      async (cmds) => {
        // Once a counterexample is found, shrink for a bounded time, then stop looking for smaller ones.
        if (firstFailureAt !== undefined && Date.now() - firstFailureAt > SHRINK_MS) return;
        const f = await loadFixture(deployPlatformFixture);
        const run = new Run(f.ledger, await domainOf(f.ledger), authority, operator, verifier, pool, known);
        try {
          await setUpModel(run, f.owner.address, [f.owner.address, f.alice.address, f.bob.address]);
          await run.verifyState({ accounts: [], assets: [] }, true);
          for (const cmd of cmds) {
            run.step += 1;
            await run.execute(cmd);
            if (firstFailureAt === undefined) stepsExecuted += 1;
          }
          await run.verifyState({ accounts: [], assets: [] }, true);
          await run.verifyAllRecords();
          if (firstFailureAt === undefined) runsExecuted += 1;
        } catch (e) {
          if (firstFailureAt === undefined) {
            firstFailureAt = Date.now();
            console.log(
              `      property failure (seed=${SEED}), shrinking for up to ${SHRINK_MS / 1000} s: ${String(e instanceof Error ? e.message : e).split("\n")[0]}`,
            );
          }
          throw e;
        }
      },
    );

    const details = await fc.check(property, {
      numRuns: NUM_RUNS,
      seed: SEED,
      path: REPLAY_PATH,
      endOnFailure: SHRINK_MS <= 0,
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`      property: ${stepsExecuted} steps in ${runsExecuted} passing runs, ${seconds} s, seed=${SEED}`);
    const lines = [...stats.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`);
    console.log(`      outcomes: ${lines.join(" | ")}`);
    if (details.failed) {
      const replay =
        `PROPERTY_SEED=${details.seed}` +
        (details.counterexamplePath ? ` PROPERTY_PATH=${details.counterexamplePath}` : "");
      // The commands up to the failing step (the later ones never ran), without the ticks shrinking left behind.
      const failedAt = details.errorInstance instanceof PropertyFailure ? details.errorInstance.step : RUN_LENGTH;
      const commands = (details.counterexample?.[0] ?? [])
        .map((c, i) => `${i + 1}. ${fc.stringify(c)}`)
        .slice(0, failedAt)
        .filter((c) => !c.includes('"kind":"tick"'));
      const cause =
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      const message =
        `property failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s); seed=${details.seed}` +
        ` path=${details.counterexamplePath}\n  reproduce: ${replay} npx hardhat test test/ledger/ledger.property.test.ts` +
        `\n  counterexample up to the failing step (ticks of time omitted):\n    ${commands.join("\n    ")}\n  ${cause}`;
      console.log(`      ${message.split("\n").join("\n      ")}`);
      throw new Error(message);
    }
    expect(stepsExecuted).to.be.at.least(TOTAL_STEPS);
  });
});

/** The model of deployPlatformFixture: disclosure v1, three onboarded participants, asset 1 issued to the owner. */
async function setUpModel(run: Run, owner: string, onboarded: string[]): Promise<void> {
  const m = run.model;
  m.disclosureVersion = 1;
  m.disclosureHashes.set(1, keccakText("risk disclosure v1"));
  for (const a of onboarded) m.register(a, 1, 1);
  const units = 1_000_000n;
  m.usedAttestations.add(`${owner}:1`);
  m.createAsset(owner, units, keccakText("decision 1"));
  m.post({ from: ZeroAddress, to: owner, id: 1n, amount: units, ref: keccakText("decision 1") });
  const logs = await run.ledger.queryFilter(run.ledger.filters.RecordPosted());
  const records: ObservedRecord[] = logs.map((l) => ({
    assetId: l.args.assetId,
    sequence: l.args.sequence,
    from: l.args.from,
    to: l.args.to,
    amount: l.args.amount,
    ref: l.args.ref,
    postedAt: l.args.postedAt,
  }));
  const error = m.acceptRecords(records);
  if (error) run.fail(`fixture: ${error}`);
  m.lastTimestamp = BigInt(await time.latest());
}
