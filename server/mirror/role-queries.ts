import { getAddress, ZeroHash } from "ethers";
import type { EntityManager } from "typeorm";

/** A holder of a role as the mirrored RoleGranted of the grant in force says it. */
export interface MirroredRoleMember {
  /** The role's identifier (bytes32, lower-case hex). */
  role: string;
  account: string;
  grantedBy: string;
  blockNumber: number;
  transactionHash: string;
  /** Block time of the grant (unix seconds); null while the indexer has not read it. */
  blockTime: number | null;
}

/** The ledger's AccessControl state as its mirrored events describe it. */
export interface MirroredRoles {
  /** Current holders, in the order the ledger's events first made them holders (a re-grant after a revocation last). */
  members: MirroredRoleMember[];
  /** The admin role of each role whose admin was changed (RoleAdminChanged); any other role's is DEFAULT_ADMIN (zero). */
  admins: Map<string, string>;
}

type Row = {
  tx_hash: string;
  kind: string;
  payload: string;
  block_number: number | string;
  block_time: number | string | null;
};
const text = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * The roles' holders and admins from the mirrored RoleGranted / RoleRevoked / RoleAdminChanged events in chain order,
 * read through the change kind index: role changes are the authority's rare acts, whatever the ledger's history.
 * AccessControl emits RoleGranted only for an account that did not hold the role and RoleRevoked only for one that
 * did, so the events replayed are the state.
 */
export async function mirroredRoles(em: EntityManager): Promise<MirroredRoles> {
  const rows: Row[] = await em.query(
    "SELECT tx_hash, kind, payload, block_number, block_time FROM mirror_changes WHERE kind IN ('RoleGranted', 'RoleRevoked', 'RoleAdminChanged') ORDER BY block_number, log_index",
  );
  const current = new Map<string, MirroredRoleMember>();
  const admins = new Map<string, string>();
  for (const r of rows) {
    const args = JSON.parse(r.payload) as Record<string, unknown>;
    const role = text(args.role).toLowerCase();
    if (r.kind === "RoleAdminChanged") {
      admins.set(role, text(args.newAdminRole).toLowerCase());
      continue;
    }
    const account = getAddress(text(args.account));
    const key = `${role}:${account}`;
    if (r.kind === "RoleGranted")
      current.set(key, {
        role,
        account,
        grantedBy: getAddress(text(args.sender)),
        blockNumber: Number(r.block_number),
        transactionHash: r.tx_hash,
        blockTime: r.block_time === null ? null : Number(r.block_time),
      });
    else current.delete(key);
  }
  return { members: [...current.values()], admins };
}

/** The admin role of `role` (bytes32): the last RoleAdminChanged's, else DEFAULT_ADMIN. */
export const adminOf = (roles: MirroredRoles, role: string): string => roles.admins.get(role.toLowerCase()) ?? ZeroHash;
