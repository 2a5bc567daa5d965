import { id, ZeroHash } from "ethers";

/**
 * The ledger's AccessControl roles by name. The API shows names, never the bytes32 identifiers: AUTHORITY,
 * OPERATOR and VERIFIER are keccak256 of "<NAME>_ROLE" (contracts/access/PlatformRoles.sol); DEFAULT_ADMIN is
 * OpenZeppelin's DEFAULT_ADMIN_ROLE (zero), which the authority holds.
 */
export const LEDGER_ROLES = {
  DEFAULT_ADMIN: ZeroHash,
  AUTHORITY: id("AUTHORITY_ROLE"),
  OPERATOR: id("OPERATOR_ROLE"),
  VERIFIER: id("VERIFIER_ROLE"),
} as const;

export type LedgerRoleName = keyof typeof LEDGER_ROLES;
export const LEDGER_ROLE_NAMES = Object.keys(LEDGER_ROLES) as LedgerRoleName[];

const BY_HASH = new Map<string, LedgerRoleName>(LEDGER_ROLE_NAMES.map((name) => [LEDGER_ROLES[name], name]));

/** The name of a role identifier (any hex case), or null for a role the platform does not define. */
export function ledgerRoleName(hash: string): LedgerRoleName | null {
  return BY_HASH.get(hash.toLowerCase()) ?? null;
}

/** A role name as sent by a client (any case), or null when the platform has no such role. */
export function parseLedgerRole(name: string): LedgerRoleName | null {
  const upper = name.toUpperCase();
  return Object.hasOwn(LEDGER_ROLES, upper) ? (upper as LedgerRoleName) : null;
}

const ROLE_ARGS: Readonly<Record<string, readonly string[]>> = {
  RoleGranted: ["role"],
  RoleRevoked: ["role"],
  RoleAdminChanged: ["role", "previousAdminRole", "newAdminRole"],
};

/** An AccessControl event as an operation shows it: its role arguments by name (a role the platform does not define keeps its hash). */
export function withRoleNames(event: unknown): unknown {
  if (!event || typeof event !== "object") return event;
  const { name, args } = event as { name?: unknown; args?: unknown };
  const keys = typeof name === "string" && Object.hasOwn(ROLE_ARGS, name) ? ROLE_ARGS[name] : undefined;
  if (!keys || !args || typeof args !== "object") return event;
  const named: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  for (const k of keys) if (typeof named[k] === "string") named[k] = ledgerRoleName(named[k]) ?? named[k];
  return { ...event, args: named };
}
