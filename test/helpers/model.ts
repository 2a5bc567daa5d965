/**
 * A TypeScript model of the SecuredAssetLedger for the stateful property test
 * (test/ledger/ledger.property.test.ts). It knows nothing about the chain: given the platform state it
 * predicts whether an action is posted or refused (with which custom error), and which transfer records a
 * posting appends. The rules are those of the design brief and the contract's documented order of checks
 * (SecuredAssetLedger._ruleCheck: paused, operator permit, amount, asset status, sender, balance, unfrozen
 * balance, recipient; a forced transfer skips the sender's rules but not the recipient's).
 */
import { AbiCoder, ZeroAddress, dataSlice, keccak256 } from "ethers";

export const FAR_DEADLINE = 4_000_000_000n;
/** Frozen units are kept as uint96 (a balance never exceeds a supply, which fits in uint96). */
export const UINT96_MAX = (1n << 96n) - 1n;
/** The first record of an asset chains to a zero head (bytes24). */
export const ZERO_HEAD = "0x" + "00".repeat(24);

/** ISecuredAssetLedger.TransferCheck, as numbers. */
export const Code = {
  Ok: 0,
  PlatformPaused: 1,
  OperatorNotPermitted: 2,
  AssetNotActive: 3,
  SenderNotRegistered: 4,
  RecipientNotRegistered: 5,
  SenderFrozen: 6,
  RecipientFrozen: 7,
  SenderNotAcknowledged: 8,
  RecipientNotAcknowledged: 9,
  InsufficientBalance: 10,
  InsufficientUnfrozenBalance: 11,
  AuthorizationExpired: 12,
  NonceMismatch: 13,
  SignatureInvalid: 14,
  ZeroAmount: 15,
  SelfTransfer: 16,
  NonceExhausted: 17,
} as const;

export const Status = { None: 0, Active: 1, Suspended: 2, Closed: 3 } as const;

/**
 * What the model expects of one call. `error: "*"` accepts any revert; an `undefined` entry in `args`
 * accepts any value at that position.
 */
export type Expectation =
  { ok: true } | { ok: false; error: string; args?: readonly (string | bigint | number | undefined)[]; code?: number };

export const OK: Expectation = { ok: true };

export function refuse(
  error: string,
  args?: readonly (string | bigint | number | undefined)[],
  code?: number,
): Expectation {
  return { ok: false, error, args, code };
}

export interface ParticipantState {
  kind: number;
  frozen: boolean;
  /** the freeze was the authority's: an operator cannot lift it */
  frozenByAuthority: boolean;
  acknowledged: number;
}

export interface AssetState {
  id: bigint;
  issuer: string;
  status: number;
  /** the decision document's hash now; changed only by the issuer's signed order */
  decisionHash: string;
  /** digests of the issuer's decision-change orders already applied */
  appliedDecisionChanges: Set<string>;
  issuedUnits: bigint;
  supply: bigint;
  redeemed: bigint;
  balances: Map<string, bigint>;
  frozen: Map<string, bigint>;
  /** accounts whose frozen units were ordered by the authority */
  frozenByAuthority: Set<string>;
  nonces: Map<string, bigint>;
  /** records the model expects on-chain (including pending ones of the current step) */
  recordCount: bigint;
  /** head recomputed by the model from the records it has seen */
  recordHead: string;
}

/** One transfer record as the model predicts it; sequence, posting time and hash come from the event. */
export interface ExpectedRecord {
  assetId: bigint;
  sequence: bigint;
  from: string;
  to: string;
  amount: bigint;
  ref: string;
}

/** One RecordPosted event: the record and its posting time (the moment rights arise, Art. 6.6). */
export interface ObservedRecord extends ExpectedRecord {
  postedAt: bigint;
}

const coder = AbiCoder.defaultAbiCoder();

/**
 * The ledger's record hash (TransferRecords.hash): the first 24 bytes of
 * keccak256(abi.encode(bytes24 previous, assetId, sequence, from, to, amount, ref, postedAt)).
 */
export function recordHash24(previous: string, r: ObservedRecord): string {
  const full = keccak256(
    coder.encode(
      ["bytes24", "uint256", "uint256", "address", "address", "uint256", "bytes32", "uint256"],
      [previous, r.assetId, r.sequence, r.from, r.to, r.amount, r.ref, r.postedAt],
    ),
  );
  return dataSlice(full, 0, 24);
}

/** Recomputes one asset's whole chain from its records; returns the head and count, or why it breaks. */
export function recomputeChain(
  records: readonly ObservedRecord[],
): { head: string; count: bigint } | { broken: string } {
  let head = ZERO_HEAD;
  let expected = 1n;
  for (const r of records) {
    if (r.sequence !== expected) return { broken: `sequence ${r.sequence} where ${expected} was expected` };
    head = recordHash24(head, r).toLowerCase();
    expected += 1n;
  }
  return { head, count: expected - 1n };
}

export class LedgerModel {
  paused = false;
  operatorPermitted = true;
  disclosureVersion = 0;
  readonly disclosureHashes = new Map<number, string>();
  readonly participants = new Map<string, ParticipantState>();
  /** freezes of deregistered accounts: they survive and come back with a new registration */
  readonly survivingFreezes = new Map<string, { frozenByAuthority: boolean }>();
  readonly assets: AssetState[] = [];
  /** `${owner}:${nonce}` of consumed collateral attestations */
  readonly usedAttestations = new Set<string>();
  /** a block timestamp known to be in the past: every later block is strictly later */
  lastTimestamp = 0n;
  /** records predicted by the current step, waiting for their events */
  pending: ExpectedRecord[] = [];

  // ------------------------------------------------------------------ reads

  asset(id: bigint): AssetState | undefined {
    return id >= 1n && id <= BigInt(this.assets.length) ? this.assets[Number(id - 1n)] : undefined;
  }

  participant(a: string): ParticipantState | undefined {
    return this.participants.get(a);
  }

  balance(id: bigint, a: string): bigint {
    return this.asset(id)?.balances.get(a) ?? 0n;
  }

  frozenOf(id: bigint, a: string): bigint {
    return this.asset(id)?.frozen.get(a) ?? 0n;
  }

  unfrozen(id: bigint, a: string): bigint {
    const b = this.balance(id, a);
    const f = this.frozenOf(id, a);
    return b > f ? b - f : 0n;
  }

  nonceOf(id: bigint, a: string): bigint {
    return this.asset(id)?.nonces.get(a) ?? 0n;
  }

  /** Registered, not frozen, acknowledged the current disclosure (Art. 6.3, 6.4). */
  eligible(a: string): boolean {
    const p = this.participants.get(a);
    return p !== undefined && !p.frozen && this.disclosureVersion !== 0 && p.acknowledged === this.disclosureVersion;
  }

  /**
   * Whether `deadline` has passed in the block that will carry the next transaction. `now` is that block's
   * timestamp when the test fixed it; otherwise only deadlines far ahead or already behind a known block
   * are decidable.
   */
  expired(deadline: bigint, now?: bigint): boolean {
    if (now !== undefined) return now > deadline;
    if (deadline <= this.lastTimestamp) return true;
    if (deadline >= FAR_DEADLINE) return false;
    throw new Error(`model cannot decide whether deadline ${deadline} has passed`);
  }

  // ------------------------------------------------------------------ the transfer rules

  participantRefusal(a: string, sender: boolean): Expectation | undefined {
    const p = this.participants.get(a);
    if (p === undefined) {
      return refuse("ParticipantNotRegistered", [a], sender ? Code.SenderNotRegistered : Code.RecipientNotRegistered);
    }
    if (p.frozen) return refuse("ParticipantIsFrozen", [a], sender ? Code.SenderFrozen : Code.RecipientFrozen);
    if (this.disclosureVersion === 0 || p.acknowledged !== this.disclosureVersion) {
      return refuse(
        "DisclosureNotAcknowledged",
        [a, p.acknowledged, this.disclosureVersion],
        sender ? Code.SenderNotAcknowledged : Code.RecipientNotAcknowledged,
      );
    }
    return undefined;
  }

  /** The rules every balance change passes; `operator` is the posting operator of a relayed action. */
  rules(
    operator: string | undefined,
    from: string,
    to: string,
    id: bigint,
    amount: bigint,
    forced: boolean,
  ): Expectation {
    if (this.paused) return refuse("EnforcedPause", [], Code.PlatformPaused);
    if (operator !== undefined && !this.operatorPermitted)
      return refuse("OperatorNotPermitted", [operator], Code.OperatorNotPermitted);
    if (amount === 0n) return refuse("TransferAmountZero", [], Code.ZeroAmount);
    const asset = this.asset(id);
    if (asset === undefined) return refuse("AssetNotFound", [id], Code.AssetNotActive);
    if (asset.status !== Status.Active) return refuse("AssetNotActive", [id, asset.status], Code.AssetNotActive);
    if (from === to) return refuse("TransferToSelf", [from], Code.SelfTransfer);
    if (from !== ZeroAddress) {
      if (!forced) {
        const r = this.participantRefusal(from, true);
        if (r) return r;
      }
      const balance = this.balance(id, from);
      if (balance < amount) return refuse("InsufficientBalance", [from, id, balance, amount], Code.InsufficientBalance);
      if (!forced && amount > this.unfrozen(id, from)) {
        return refuse(
          "ERC7943InsufficientUnfrozenBalance",
          [from, id, amount, this.unfrozen(id, from)],
          Code.InsufficientUnfrozenBalance,
        );
      }
    }
    if (to !== ZeroAddress) {
      const r = this.participantRefusal(to, false);
      if (r) return r;
    }
    return OK;
  }

  /** A holder-signed authorization: deadline, nonce, signature, in that order. */
  authorizationCheck(
    from: string,
    id: bigint,
    nonce: bigint,
    deadline: bigint,
    signatureValid: boolean,
    now?: bigint,
  ): Expectation {
    if (this.expired(deadline, now))
      return refuse("TransferAuthorizationExpired", [deadline, now], Code.AuthorizationExpired);
    const expected = this.nonceOf(id, from);
    if (nonce !== expected) return refuse("TransferNonceMismatch", [from, id, expected, nonce], Code.NonceMismatch);
    if (!signatureValid) return refuse("TransferSignatureInvalid", [from], Code.SignatureInvalid);
    return OK;
  }

  // ------------------------------------------------------------------ state changes

  /**
   * Applies one posting that the rules allowed and queues its record. Throws if the model itself would let
   * an ineligible participant receive or send, so a model bug cannot hide a contract bug.
   */
  /** Registers `a`; a freeze that survived its deregistration comes back. */
  register(a: string, kind: number, acknowledged: number): void {
    const surviving = this.survivingFreezes.get(a);
    this.survivingFreezes.delete(a);
    this.participants.set(a, {
      kind,
      frozen: surviving !== undefined,
      frozenByAuthority: surviving?.frozenByAuthority ?? false,
      acknowledged,
    });
  }

  /** Deregisters `a`, keeping its freeze. */
  deregister(a: string): void {
    const p = this.participants.get(a);
    if (p?.frozen) this.survivingFreezes.set(a, { frozenByAuthority: p.frozenByAuthority });
    this.participants.delete(a);
  }

  post(p: {
    from: string;
    to: string;
    id: bigint;
    amount: bigint;
    ref: string;
    forced?: boolean;
    nextNonce?: bigint;
  }): void {
    const asset = this.asset(p.id);
    if (asset === undefined) throw new Error(`model: posting on unknown asset ${p.id}`);
    if (p.to !== ZeroAddress && !this.eligible(p.to)) throw new Error(`model: ineligible recipient ${p.to}`);
    if (p.from !== ZeroAddress && !p.forced && !this.eligible(p.from))
      throw new Error(`model: ineligible sender ${p.from}`);
    if (p.from === ZeroAddress) {
      asset.supply += p.amount;
    } else {
      const remaining = this.balance(p.id, p.from) - p.amount;
      if (remaining < 0n) throw new Error("model: negative balance");
      asset.balances.set(p.from, remaining);
      if (p.nextNonce !== undefined) asset.nonces.set(p.from, p.nextNonce);
      if (p.forced) {
        // ERC-7943: only the frozen units the transfer takes are released.
        const balance = remaining + p.amount;
        const frozen = this.frozenOf(p.id, p.from);
        const unfrozen = balance > frozen ? balance - frozen : 0n;
        if (p.amount > unfrozen) {
          const left = frozen - (p.amount - unfrozen);
          asset.frozen.set(p.from, left);
          if (left === 0n) asset.frozenByAuthority.delete(p.from);
        }
      }
    }
    if (p.to === ZeroAddress) {
      asset.supply -= p.amount;
      asset.redeemed += p.amount;
    } else {
      asset.balances.set(p.to, this.balance(p.id, p.to) + p.amount);
    }
    asset.recordCount += 1n;
    this.pending.push({
      assetId: p.id,
      sequence: asset.recordCount,
      from: p.from,
      to: p.to,
      amount: p.amount,
      ref: p.ref,
    });
  }

  /** Saves balances, supplies, nonces, frozen amounts and records; the returned function restores them. */
  snapshot(): () => void {
    const count = this.assets.length;
    const saved = this.assets.map((a) => ({
      a,
      supply: a.supply,
      redeemed: a.redeemed,
      recordCount: a.recordCount,
      balances: new Map(a.balances),
      frozen: new Map(a.frozen),
      frozenByAuthority: new Set(a.frozenByAuthority),
      nonces: new Map(a.nonces),
    }));
    const pending = [...this.pending];
    return () => {
      this.assets.length = count;
      for (const s of saved) {
        Object.assign(s.a, {
          supply: s.supply,
          redeemed: s.redeemed,
          recordCount: s.recordCount,
          balances: s.balances,
          frozen: s.frozen,
          frozenByAuthority: s.frozenByAuthority,
          nonces: s.nonces,
        });
      }
      this.pending = pending;
    };
  }

  /** Creates the asset an issuance posts (its mint is then a {post} from the zero address). */
  createAsset(issuer: string, units: bigint, decisionHash: string): AssetState {
    const asset: AssetState = {
      id: BigInt(this.assets.length + 1),
      issuer,
      status: Status.Active,
      decisionHash,
      appliedDecisionChanges: new Set(),
      issuedUnits: units,
      supply: 0n,
      redeemed: 0n,
      balances: new Map(),
      frozen: new Map(),
      frozenByAuthority: new Set(),
      nonces: new Map(),
      recordCount: 0n,
      recordHead: ZERO_HEAD,
    };
    this.assets.push(asset);
    return asset;
  }

  /**
   * Checks the records a step emitted against those the model predicted and advances the model's head by
   * hashing them onto it (the caller then compares the head with assetInfo(id).recordHead). Returns a
   * description of the first disagreement, if any.
   */
  acceptRecords(observed: readonly ObservedRecord[]): string | undefined {
    const expected = this.pending;
    this.pending = [];
    if (observed.length !== expected.length) {
      return (
        `expected ${expected.length} record(s), the chain emitted ${observed.length}: ` +
        `expected ${fmtRecords(expected)}, got ${fmtRecords(observed)}`
      );
    }
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i];
      const o = observed[i];
      if (
        o.assetId !== e.assetId ||
        o.sequence !== e.sequence ||
        o.from !== e.from ||
        o.to !== e.to ||
        o.amount !== e.amount ||
        o.ref.toLowerCase() !== e.ref.toLowerCase()
      ) {
        return `record ${i}: expected ${fmtRecords([e])}, got ${fmtRecords([o])}`;
      }
      const asset = this.asset(o.assetId);
      if (asset === undefined) return `record of unknown asset ${o.assetId}`;
      asset.recordHead = recordHash24(asset.recordHead, o).toLowerCase();
      if (o.postedAt > this.lastTimestamp) this.lastTimestamp = o.postedAt;
    }
    return undefined;
  }
}

export function fmtRecords(rs: readonly ExpectedRecord[]): string {
  return (
    "[" + rs.map((r) => `#${r.assetId}.${r.sequence} ${short(r.from)}->${short(r.to)} ${r.amount}`).join(", ") + "]"
  );
}

export function short(a: string): string {
  return a === ZeroAddress ? "0x0" : a.slice(0, 8);
}
