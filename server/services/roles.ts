import { getAddress, ZeroAddress } from "ethers";
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
 * The ledger's AccessControl roles: who holds which (read from the chain: RoleGranted/RoleRevoked, confirmed by
 * hasRole), and the authority's grants and revocations of OPERATOR and VERIFIER, submitted as the authority's
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

  async list(): Promise<RoleView[]> {
    const members = await this.members();
    return Promise.all(LEDGER_ROLE_NAMES.map((role) => this.view(role, members.get(role) ?? [])));
  }

  async get(name: string): Promise<RoleView> {
    const role = RoleService.roleNamed(name);
    return this.view(role, (await this.members()).get(role) ?? []);
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

  private async view(role: LedgerRoleName, members: RoleMember[]): Promise<RoleView> {
    const hash = LEDGER_ROLES[role];
    const admin = await this.chain.ledger.getRoleAdmin(hash);
    return {
      role,
      managed: (MANAGED_ROLES as readonly string[]).includes(role),
      adminRole: ledgerRoleName(admin) ?? admin,
      members,
    };
  }

  /**
   * The current holders of each role: RoleGranted and RoleRevoked since the deployment replayed in chain order,
   * each remaining holder confirmed by hasRole (the chain's state is the answer), with its grant's block and time.
   */
  private async members(): Promise<Map<LedgerRoleName, RoleMember[]>> {
    const l = this.chain.ledger;
    const from = this.chain.deployment.deployBlock;
    const [granted, revoked] = await Promise.all([
      l.queryFilter(l.filters.RoleGranted(), from),
      l.queryFilter(l.filters.RoleRevoked(), from),
    ]);
    const changes = [
      ...granted.map((e) => ({ e, granted: true })),
      ...revoked.map((e) => ({ e, granted: false })),
    ].sort((a, b) => a.e.blockNumber - b.e.blockNumber || a.e.index - b.e.index);
    const current = new Map<
      string,
      {
        role: LedgerRoleName;
        hash: string;
        account: string;
        grantedBy: string;
        blockNumber: number;
        transactionHash: string;
      }
    >();
    for (const { e, granted: isGrant } of changes) {
      const role = ledgerRoleName(e.args.role);
      if (!role) continue; // a role the platform does not define
      const account = getAddress(e.args.account);
      const key = `${role}:${account}`;
      if (isGrant)
        current.set(key, {
          role,
          hash: e.args.role,
          account,
          grantedBy: getAddress(e.args.sender),
          blockNumber: e.blockNumber,
          transactionHash: e.transactionHash,
        });
      else current.delete(key);
    }
    const candidates = [...current.values()];
    const held = await Promise.all(candidates.map((c) => l.hasRole(c.hash, c.account)));
    const holders = candidates.filter((_, i) => held[i]);
    const times = new Map<number, string>();
    await Promise.all(
      [...new Set(holders.map((h) => h.blockNumber))].map(async (n) => {
        const block = await this.chain.provider.getBlock(n);
        // A grant's block the node no longer returns was reorganised away: the answer would be wrong, not late.
        if (!block) throw new AppError("CHAIN_UNAVAILABLE", { reason: `block ${n} of a role grant not returned` });
        times.set(n, new Date(block.timestamp * 1000).toISOString());
      }),
    );
    const byRole = new Map<LedgerRoleName, RoleMember[]>();
    for (const h of holders) {
      const list = byRole.get(h.role) ?? [];
      list.push({
        account: h.account,
        grantedAt: times.get(h.blockNumber)!,
        grantedBy: h.grantedBy,
        blockNumber: h.blockNumber,
        transactionHash: h.transactionHash,
      });
      byRole.set(h.role, list);
    }
    return byRole;
  }
}
