import { getAddress, ZeroAddress } from "ethers";
import type { Mirror } from "../mirror";
import { adminOf } from "../mirror/role-queries";
import { In } from "typeorm";
import type { LedgerClient } from "../chain/ledger";
import { LEDGER_ROLE_NAMES, LEDGER_ROLES, ledgerRoleName, parseLedgerRole } from "../domain/ledger-roles";
import type { LedgerRoleName } from "../domain/ledger-roles";
import type { CallPayload } from "../outbox/submitter";
import type { Database } from "../persistence/data-source";
import { Operation } from "../persistence/entities";
import { AppError } from "../errors";
import type { OperationService } from "./operations";
import type { IdempotencyService } from "./idempotency";
import { KeyedLock } from "./keyed-lock";
import type { OperationKind } from "../domain/operation-kinds";
import { WALLET_STAFF_ROLES } from "../domain/roles";
import type { WalletStaffRole } from "../domain/roles";

/** The ledger role that opens each staff role to a signed-in wallet. */
const WALLET_STAFF_LEDGER_ROLE: Record<WalletStaffRole, LedgerRoleName> = {
  authority: "AUTHORITY",
  operator: "OPERATOR",
};

/** The roles the authority grants and revokes through the gateway; AUTHORITY and DEFAULT_ADMIN are read only. */
export const MANAGED_ROLES = ["OPERATOR", "VERIFIER"] as const satisfies readonly LedgerRoleName[];
export type ManagedRole = (typeof MANAGED_ROLES)[number];

const ROLE_CHANGE_KINDS = ["role.grant", "role.revoke"] as const satisfies readonly OperationKind[];

export interface RoleMember {
  account: string;
  /** The block time of the grant now in force. */
  grantedAt: string;
  grantedBy: string;
  blockNumber: number;
  transactionHash: string;
}

export interface RoleView {
  role: LedgerRoleName;
  /** Granted and revoked through the gateway (POST/DELETE /v1/roles/{role}/members). */
  managed: boolean;
  /** The role whose holders may grant and revoke this one on chain. */
  adminRole: string;
  members: RoleMember[];
}

/**
 * The ledger's AccessControl roles: who holds which (read from the record mirror: the mirrored RoleGranted /
 * RoleRevoked events), and the authority's grants and revocations of OPERATOR and VERIFIER, submitted as the authority's
 * transactions. A grant of a role already held, or a revocation of one not held, is refused (409) before anything
 * is written or sent; so is a change while another change of the same role and account is still to be posted.
 */
export class RoleService {
  private readonly locks = new KeyedLock();

  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly operations: OperationService,
    private readonly idempotency: IdempotencyService,
    private readonly mirror: Mirror,
  ) {}

  /** A role by the name a client sent (any case); ROLE_UNKNOWN when the ledger has none such. */
  static roleNamed(name: string): LedgerRoleName {
    const role = parseLedgerRole(name);
    if (!role) throw new AppError("ROLE_UNKNOWN", { role: name, roles: LEDGER_ROLE_NAMES, managed: MANAGED_ROLES });
    return role;
  }

  /** A role the gateway grants and revokes; ROLE_UNKNOWN or ROLE_NOT_MANAGED otherwise. */
  static managedRole(name: string): ManagedRole {
    const role = RoleService.roleNamed(name);
    if (!(MANAGED_ROLES as readonly string[]).includes(role))
      throw new AppError("ROLE_NOT_MANAGED", { role, managed: MANAGED_ROLES });
    return role as ManagedRole;
  }

  /** Every role with its holders, in the ledger's role order, from the record mirror as of `asOfBlock`. */
  async list(): Promise<{ roles: RoleView[]; asOfBlock: number }> {
    const { members, admins, asOfBlock } = await this.mirrored();
    return { roles: LEDGER_ROLE_NAMES.map((role) => this.view(role, members, admins)), asOfBlock };
  }

  /** One role with its holders, from the record mirror as of `asOfBlock`. */
  async get(name: string): Promise<RoleView & { asOfBlock: number }> {
    const role = RoleService.roleNamed(name);
    const { members, admins, asOfBlock } = await this.mirrored();
    return { ...this.view(role, members, admins), asOfBlock };
  }

  /**
   * The staff roles an address holds on the ledger now (AccessControl.hasRole at the node's latest block, not the
   * mirror): a revocation stops a wallet's staff access from the block that posts it. CHAIN_UNAVAILABLE when the
   * node does not answer.
   */
  async staffRolesOf(address: string): Promise<WalletStaffRole[]> {
    const account = getAddress(address);
    const held = await Promise.all(
      WALLET_STAFF_ROLES.map((r) => this.chain.ledger.hasRole(LEDGER_ROLES[WALLET_STAFF_LEDGER_ROLE[r]], account)),
    ).catch((err: unknown) => {
      throw new AppError("CHAIN_UNAVAILABLE", { reason: err instanceof Error ? err.message : String(err) });
    });
    return WALLET_STAFF_ROLES.filter((_r, i) => held[i]);
  }

  grant(name: string, account: string, clientId: string, idempotencyId?: string): Promise<Operation> {
    return this.change("grant", name, account, clientId, idempotencyId);
  }

  revoke(name: string, account: string, clientId: string, idempotencyId?: string): Promise<Operation> {
    return this.change("revoke", name, account, clientId, idempotencyId);
  }

  private async change(
    action: "grant" | "revoke",
    name: string,
    account: string,
    clientId: string,
    idempotencyId?: string,
  ): Promise<Operation> {
    const role = RoleService.managedRole(name);
    const address = getAddress(account);
    if (address === ZeroAddress)
      throw new AppError("VALIDATION_FAILED", {
        in: "body",
        issues: [{ path: "account", message: "must not be the zero address" }],
      });
    this.chain.wallet("authority"); // AUTHORITY_KEY_NOT_CONFIGURED before anything else
    const hash = LEDGER_ROLES[role];
    return this.locks.run(`${role}:${address}`, async () => {
      const pending = await this.pendingChange(hash, address);
      if (pending)
        throw new AppError("ROLE_CHANGE_PENDING", {
          role,
          account: address,
          operation: pending.id,
          kind: pending.kind,
        });
      const held = await this.chain.ledger.hasRole(hash, address);
      if (action === "grant" && held) throw new AppError("ROLE_ALREADY_GRANTED", { role, account: address });
      if (action === "revoke" && !held) throw new AppError("ROLE_NOT_HELD", { role, account: address });
      return this.operations.submitCall(
        {
          kind: `role.${action}`,
          signer: "authority",
          method: action === "grant" ? "grantRole" : "revokeRole",
          args: [hash, address],
          clientId,
          idempotencyId,
        },
        this.idempotency,
      );
    });
  }

  /** An accepted change of this role for this account that is not posted or failed yet. */
  private async pendingChange(hash: string, account: string): Promise<Operation | null> {
    const open = await this.db.manager.find(Operation, {
      where: { kind: In([...ROLE_CHANGE_KINDS]), status: In(["pending", "submitted"]) },
      order: { createdAt: "ASC" },
    });
    return (
      open.find((op) => {
        const { args } = JSON.parse(op.payload) as CallPayload;
        return args[0] === hash && args[1] === account;
      }) ?? null
    );
  }

  private view(
    role: LedgerRoleName,
    members: Map<LedgerRoleName, RoleMember[]>,
    admins: Map<LedgerRoleName, string>,
  ): RoleView {
    return {
      role,
      managed: (MANAGED_ROLES as readonly string[]).includes(role),
      adminRole: admins.get(role)!,
      members: members.get(role) ?? [],
    };
  }

  /**
   * The current holders of each role and each role's admin, from the record mirror (as of `asOfBlock`, after the
   * bounded wait for this gateway's own last posting): the mirrored RoleGranted / RoleRevoked / RoleAdminChanged
   * events replayed in chain order, with each grant's block time. No log scan or ledger call per read; only a grant
   * whose block time the indexer has not read yet (mirrored before this version, until its first pass) has its block
   * asked of the node.
   */
  private async mirrored(): Promise<{
    members: Map<LedgerRoleName, RoleMember[]>;
    admins: Map<LedgerRoleName, string>;
    asOfBlock: number;
  }> {
    const asOfBlock = await this.mirror.freshness.asOf();
    const roles = await this.mirror.queries.roles();
    const times = new Map<number, string>();
    await Promise.all(
      [...new Set(roles.members.filter((h) => h.blockTime === null).map((h) => h.blockNumber))].map(async (n) => {
        const block = await this.chain.provider.getBlock(n);
        // A grant's block the node no longer returns was reorganised away: the answer would be wrong, not late.
        if (!block) throw new AppError("CHAIN_UNAVAILABLE", { reason: `block ${n} of a role grant not returned` });
        times.set(n, new Date(block.timestamp * 1000).toISOString());
      }),
    );
    const members = new Map<LedgerRoleName, RoleMember[]>();
    for (const h of roles.members) {
      const role = ledgerRoleName(h.role);
      if (!role) continue; // a role the platform does not define
      const list = members.get(role) ?? [];
      list.push({
        account: h.account,
        grantedAt: h.blockTime === null ? times.get(h.blockNumber)! : new Date(h.blockTime * 1000).toISOString(),
        grantedBy: h.grantedBy,
        blockNumber: h.blockNumber,
        transactionHash: h.transactionHash,
      });
      members.set(role, list);
    }
    const admins = new Map<LedgerRoleName, string>(
      LEDGER_ROLE_NAMES.map((role) => {
        const admin = adminOf(roles, LEDGER_ROLES[role]);
        return [role, ledgerRoleName(admin) ?? admin];
      }),
    );
    return { members, admins, asOfBlock };
  }
}
