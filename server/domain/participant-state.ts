import { PARTICIPANT_KIND_MEMBERS } from "./ledger-enums";
import { LEDGER_ROLES } from "./ledger-roles";
import type { EventAt } from "./register-state";

/**
 * A participant's slot in the ledger's register (`participant(account)`, `identityHashOf`) as its events describe it
 * (the mirror's `mirror_participants`): registrations, deregistrations, wallet kind, freezes and acknowledgements
 * folded in chain order. Pure, so the indexer, its rebuild after a reorganisation and the migration that fills an
 * existing mirror apply the same rules as the ledger (contracts/registers/ParticipantRegister.sol, RegisterRules).
 */
export interface ParticipantEntry {
  /** Lower-case address (the mirror's storage form). */
  account: string;
  /** PARTICIPANT_KIND_MEMBERS member ("None" once deregistered; the position as text for a kind this gateway does not know). */
  kind: string;
  frozen: boolean;
  /** The freeze was ordered by an account holding the AUTHORITY role when it froze. */
  frozenByAuthority: boolean;
  contractWallet: boolean;
  acknowledgedVersion: number;
  /** The registration's identity hash; null once deregistered. */
  identityHash: string | null;
  /** The ParticipantRegistered log of the registration in force (its block time is the ledger's `registeredAt`). */
  registeredTxHash: string | null;
  registeredLogIndex: number | null;
  /**
   * Copied from a predecessor ledger (ParticipantMigrated): its freeze, acknowledgement and registration time came
   * with no event of this ledger, so it is read from the ledger.
   */
  migrated: boolean;
  updatedBlock: number;
}

/** The participant register's events (mirror_participant_changes), besides DisclosureAcknowledged and ParticipantMigrated. */
export const PARTICIPANT_STATE_KINDS = [
  "ParticipantRegistered",
  "ParticipantDeregistered",
  "ParticipantWalletKindUpdated",
  "ParticipantFrozen",
  "ParticipantUnfrozen",
] as const;
/** Every event kind that changes a participant's slot. */
export const PARTICIPANT_EVENT_KINDS = [
  ...PARTICIPANT_STATE_KINDS,
  "DisclosureAcknowledged",
  "ParticipantMigrated",
] as const;

type Args = Record<string, unknown>;
const text = (v: unknown): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" ? String(v) : "";

const empty = (account: string, block: number): ParticipantEntry => ({
  account: account.toLowerCase(),
  kind: "None",
  frozen: false,
  frozenByAuthority: false,
  contractWallet: false,
  acknowledgedVersion: 0,
  identityHash: null,
  registeredTxHash: null,
  registeredLogIndex: null,
  migrated: false,
  updatedBlock: block,
});

/**
 * The participant after one of its events (null: none yet, and the event does not create one). `byAuthority`: for
 * ParticipantFrozen, whether its `by` held the AUTHORITY role then (see AuthorityHistory).
 */
export function foldParticipant(
  p: ParticipantEntry | null,
  account: string,
  kind: string,
  args: Args,
  at: EventAt,
  byAuthority = false,
): ParticipantEntry | null {
  if (!(PARTICIPANT_EVENT_KINDS as readonly string[]).includes(kind)) return p;
  const e = { ...(p ?? empty(account, at.blockNumber)), updatedBlock: at.blockNumber };
  switch (kind) {
    case "ParticipantRegistered":
      return {
        ...e,
        kind: PARTICIPANT_KIND_MEMBERS[Number(text(args.kind))] ?? text(args.kind),
        contractWallet: args.contractWallet === true,
        acknowledgedVersion: 0,
        identityHash: text(args.identityHash).toLowerCase(),
        registeredTxHash: at.txHash,
        registeredLogIndex: at.logIndex,
      };
    case "ParticipantDeregistered":
      // A freeze outlives the registration (ParticipantRegister.deregisterParticipant).
      return {
        ...e,
        kind: "None",
        contractWallet: false,
        acknowledgedVersion: 0,
        identityHash: null,
        registeredTxHash: null,
        registeredLogIndex: null,
      };
    case "ParticipantWalletKindUpdated":
      return { ...e, contractWallet: args.contractWallet === true };
    case "ParticipantFrozen":
      return { ...e, frozen: true, frozenByAuthority: byAuthority };
    case "ParticipantUnfrozen":
      return { ...e, frozen: false, frozenByAuthority: false };
    case "DisclosureAcknowledged":
      return { ...e, acknowledgedVersion: Number(text(args.version)) };
    default: // ParticipantMigrated
      return { ...e, migrated: true };
  }
}

/** A mirrored event about participants or roles, as the fold reads it. */
export interface ParticipantEvent extends EventAt {
  kind: string;
  args: Args;
  /** The participant (lower-case); for role events, null. */
  account: string | null;
}

/** Who held the AUTHORITY role at each point of the chain, from the RoleGranted / RoleRevoked events (few). */
export class AuthorityHistory {
  private readonly changes: Array<EventAt & { account: string; held: boolean }>;

  constructor(roleEvents: ParticipantEvent[]) {
    this.changes = roleEvents
      .filter(
        (r) =>
          (r.kind === "RoleGranted" || r.kind === "RoleRevoked") &&
          text(r.args.role).toLowerCase() === LEDGER_ROLES.AUTHORITY,
      )
      .map((r) => ({ ...r, account: text(r.args.account).toLowerCase(), held: r.kind === "RoleGranted" }))
      .sort(byPosition);
  }

  /** Whether `account` held AUTHORITY when the event at `at` ran (the role changes before it in chain order). */
  heldAt(account: string, at: EventAt): boolean {
    const a = account.toLowerCase();
    let held = false;
    for (const c of this.changes) {
      if (byPosition(c, at) >= 0) break;
      if (c.account === a) held = c.held;
    }
    return held;
  }
}

export const byPosition = (x: EventAt, y: EventAt): number => x.blockNumber - y.blockNumber || x.logIndex - y.logIndex;

/** Folds participant events (any order; sorted here) onto the entries given, reading freezes' orders from `authority`. */
export function foldParticipants(
  entries: Map<string, ParticipantEntry | null>,
  events: ParticipantEvent[],
  authority: AuthorityHistory,
): Map<string, ParticipantEntry | null> {
  for (const ev of [...events].sort(byPosition)) {
    const account = (ev.account ?? text(ev.args.account)).toLowerCase();
    if (!account) continue;
    const byAuthority = ev.kind === "ParticipantFrozen" && authority.heldAt(text(ev.args.by), ev);
    entries.set(account, foldParticipant(entries.get(account) ?? null, account, ev.kind, ev.args, ev, byAuthority));
  }
  return entries;
}

/** Columns of mirror_participants, in the order `participantRow` gives values. */
export const PARTICIPANT_COLUMNS = [
  "account",
  "kind",
  "frozen",
  "frozen_by_authority",
  "contract_wallet",
  "acknowledged_version",
  "identity_hash",
  "registered_tx_hash",
  "registered_log_index",
  "migrated",
  "updated_block",
];

/** Booleans as 0/1: an integer column reads the same on SQLite and PostgreSQL. */
export function participantRow(p: ParticipantEntry): unknown[] {
  return [
    p.account,
    p.kind,
    p.frozen ? 1 : 0,
    p.frozenByAuthority ? 1 : 0,
    p.contractWallet ? 1 : 0,
    p.acknowledgedVersion,
    p.identityHash,
    p.registeredTxHash,
    p.registeredLogIndex,
    p.migrated ? 1 : 0,
    p.updatedBlock,
  ];
}

export function participantFromRow(r: Record<string, unknown>): ParticipantEntry {
  const n = (v: unknown) => (v === null || v === undefined ? null : text(v));
  return {
    account: text(r.account),
    kind: text(r.kind),
    frozen: Number(r.frozen) === 1,
    frozenByAuthority: Number(r.frozen_by_authority) === 1,
    contractWallet: Number(r.contract_wallet) === 1,
    acknowledgedVersion: Number(r.acknowledged_version),
    identityHash: n(r.identity_hash),
    registeredTxHash: n(r.registered_tx_hash),
    registeredLogIndex:
      r.registered_log_index === null || r.registered_log_index === undefined ? null : Number(r.registered_log_index),
    migrated: Number(r.migrated) === 1,
    updatedBlock: Number(r.updated_block),
  };
}
