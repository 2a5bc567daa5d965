import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { LedgerClient } from "../chain/ledger";
import { LEDGER_ROLES, withRoleNames } from "../domain/ledger-roles";
import type { Submitter, CallPayload } from "../outbox/submitter";
import type { Database } from "../persistence/data-source";
import { Operation } from "../persistence/entities";
import { keyset, pageOf } from "../persistence/keyset";
import type { KeyValue, KeysetPage } from "../persistence/keyset";
import type { SignerName } from "../domain/roles";
import type { OperationStatus } from "../domain/statuses";
import { AppError, errorMessage, isErrorCode } from "../errors";
import { decodeTimeCursor, encodeTimeCursor } from "./time-cursor";
import { getAddress } from "ethers";
import type { OperationKind } from "../domain/operation-kinds";

export interface OperationView {
  id: string;
  kind: string;
  status: OperationStatus;
  createdAt: string;
  updatedAt: string;
  /** The key that signed the transaction carrying it (once sent). */
  signerAddress?: string;
  txHash?: string;
  blockNumber?: number;
  recordSequence?: string;
  recordHash?: string;
  rightsArisenAt?: string;
  events?: unknown[];
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

export function viewOperation(op: Operation): OperationView {
  const result = op.result ? (JSON.parse(op.result) as Record<string, unknown>) : {};
  const view: OperationView = {
    id: op.id,
    kind: op.kind,
    status: op.status,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
    ...(op.signerAddress ? { signerAddress: op.signerAddress } : {}),
    ...result,
  };
  if (Array.isArray(view.events)) view.events = view.events.map(withRoleNames);
  if (op.errorCode) {
    const details = op.errorDetail ? (JSON.parse(op.errorDetail) as Record<string, unknown>) : undefined;
    view.error = {
      code: op.errorCode,
      message: isErrorCode(op.errorCode) ? errorMessage(op.errorCode, details) : op.errorCode,
      ...(details ? { details } : {}),
    };
  }
  return view;
}

export interface NewOperation {
  kind: OperationKind;
  signer: SignerName;
  payload: CallPayload | Record<string, unknown>;
  clientId: string | null;
  fromAddress?: string;
  toAddress?: string;
  assetId?: string;
  nonce?: string;
  amount?: string;
  dedupeKey?: string;
}

/** The outbox: operations are written here, then the submitter sends them. */
export class OperationService {
  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly submitter: Submitter,
  ) {}

  /** Writes an operation in the caller's transaction; call `notify` after commit. */
  async enqueue(em: EntityManager, n: NewOperation): Promise<Operation> {
    const at = new Date().toISOString();
    const op = Object.assign(new Operation(), {
      id: randomUUID(),
      kind: n.kind,
      status: "pending",
      signer: n.signer,
      payload: JSON.stringify(n.payload),
      result: null,
      errorCode: null,
      errorDetail: null,
      txId: null,
      signerAddress: null,
      batchIndex: null,
      fromAddress: n.fromAddress ?? null,
      toAddress: n.toAddress ?? null,
      assetId: n.assetId ?? null,
      nonce: n.nonce ?? null,
      amount: n.amount ?? null,
      dedupeKey: n.dedupeKey ?? null,
      clientId: n.clientId,
      claimedBy: null,
      claimedAt: null,
      createdAt: at,
      updatedAt: at,
    } satisfies Operation);
    await em.insert(Operation, op);
    return op;
  }

  notify(signer: SignerName): void {
    this.submitter.notify(signer);
  }

  /**
   * The condition of every operator power on the ledger, checked before anything of an operator action is
   * written or sent: the gateway's operator holds OPERATOR_ROLE (ROLE_MISSING_ON_CHAIN otherwise) and a permit
   * that is active now (OPERATOR_NOT_PERMITTED: none, suspended or revoked). Transfers get the same answer from
   * the ledger's checkTransfer.
   */
  async requireOperator(opts: { orAuthority?: boolean } = {}): Promise<void> {
    const account = this.chain.operatorAddress;
    const [[state], permitted] = await Promise.all([
      this.chain.ledger.permitOf(account),
      this.chain.ledger.isPermitted(account),
    ]);
    if (permitted) return;
    // Powers of the authority or an operator (disclosures, freezes): the ledger takes the authority's role as enough.
    if (opts.orAuthority && (await this.chain.ledger.hasRole(LEDGER_ROLES.AUTHORITY, account))) return;
    if (!state.operatorRole)
      throw new AppError("ROLE_MISSING_ON_CHAIN", { account, role: "OPERATOR", roles: ["OPERATOR"] });
    throw new AppError("OPERATOR_NOT_PERMITTED", { operator: account });
  }

  /**
   * Simulates a ledger call from the signing account (eth_call): a refusal is reported before anything is
   * written or sent, with the custom error's stable code.
   */
  async preflight(signer: SignerName, method: string, args: unknown[]): Promise<void> {
    const wallet = this.chain.wallet(signer);
    const data = this.chain.iface.encodeFunctionData(method, args);
    try {
      await this.chain.provider.call({ from: wallet.address, to: this.chain.deployment.ledger, data });
    } catch (err) {
      const revert = this.chain.decodeRevert(err);
      if (!revert) throw new AppError("CHAIN_UNAVAILABLE", { reason: (err as Error).message?.slice(0, 200) });
      throw new AppError(revert.code, { error: revert.name, ...revert.args, ...revert.context });
    }
  }

  /** Preflight, then one operation for one ledger call. */
  async submitCall(
    opts: {
      kind: OperationKind;
      signer: SignerName;
      method: string;
      args: unknown[];
      clientId: string | null;
      idempotencyId?: string;
      after?: (em: EntityManager, op: Operation) => Promise<void>;
    },
    idem?: {
      bindOperationWithin(em: EntityManager, id: string, operationId: string): Promise<void>;
    },
  ): Promise<Operation> {
    this.chain.wallet(opts.signer); // AUTHORITY_KEY_NOT_CONFIGURED before anything else
    await this.preflight(opts.signer, opts.method, opts.args);
    const op = await this.db.transaction(async (em) => {
      const op = await this.enqueue(em, {
        kind: opts.kind,
        signer: opts.signer,
        payload: { method: opts.method, args: opts.args },
        clientId: opts.clientId,
      });
      await opts.after?.(em, op);
      if (opts.idempotencyId && idem) await idem.bindOperationWithin(em, opts.idempotencyId, op.id);
      return op;
    });
    this.notify(opts.signer);
    return op;
  }

  /** One operation as the API shows it. */
  async get(id: string): Promise<OperationView> {
    const op = await this.db.manager.findOneBy(Operation, { id });
    if (!op) throw new AppError("NOT_FOUND", { operation: id });
    return viewOperation(op);
  }

  /** Operations, newest first, a page at a time: keyset on (createdAt, id) after the previous page's last key. */
  async list(opts: {
    status?: OperationStatus;
    kind?: OperationKind;
    limit: number;
    after: KeyValue[] | null;
  }): Promise<KeysetPage<OperationView>> {
    const qb = this.db.manager.getRepository(Operation).createQueryBuilder("o");
    if (opts.status) qb.andWhere("o.status = :status", { status: opts.status });
    if (opts.kind) qb.andWhere("o.kind = :kind", { kind: opts.kind });
    const rows = await keyset(qb, ["o.created_at", "o.id"], "DESC", opts.after, opts.limit).getMany();
    return pageOf(rows, opts.limit, (o) => [o.createdAt, o.id], viewOperation);
  }

  /**
   * A participant's own operations (those it signed: transfers, redemptions...), newest first, a page at a time
   * (`cursor` is `next` of the previous page).
   */
  async listForAccount(
    address: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: OperationView[]; next: string | null }> {
    const page = await this.accountPage("o.from_address = :a", address, false, limit, cursor);
    return { items: page.items.map(viewOperation), next: page.next };
  }

  /**
   * A participant's authorizations not yet posted (pending or submitted): those it signed (`out`) and transfers to
   * it (`in`), newest first, a page at a time.
   */
  async pendingForAccount(
    address: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: (OperationView & { direction: "in" | "out" })[]; next: string | null }> {
    const a = getAddress(address);
    const page = await this.accountPage("(o.from_address = :a OR o.to_address = :a)", a, true, limit, cursor);
    return {
      items: page.items.map((op) => ({ ...viewOperation(op), direction: op.fromAddress === a ? "out" : "in" })),
      next: page.next,
    };
  }

  private async accountPage(
    where: string,
    address: string,
    pendingOnly: boolean,
    limit: number,
    cursor?: string,
  ): Promise<{ items: Operation[]; next: string | null }> {
    const a = getAddress(address);
    const qb = this.db.manager
      .getRepository(Operation)
      .createQueryBuilder("o")
      .where(where, { a })
      .orderBy("o.created_at", "DESC")
      .addOrderBy("o.id", "DESC")
      .take(limit + 1);
    if (pendingOnly) qb.andWhere("o.status IN (:...live)", { live: ["pending", "submitted"] });
    if (cursor) {
      const [createdAt, id] = decodeTimeCursor(cursor);
      qb.andWhere("(o.created_at < :createdAt OR (o.created_at = :createdAt AND o.id < :id))", { createdAt, id });
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      next: rows.length > limit && last ? encodeTimeCursor(last.createdAt, last.id) : null,
    };
  }

  /** Waits for posting (?wait=true) up to the timeout; the operation as it stands then, and whether it settled. */
  async waitFor(op: { id: string }, timeoutMs: number): Promise<{ operation: OperationView; settled: boolean }> {
    const found = await this.submitter.waitFor(op.id, timeoutMs);
    const operation = found ? viewOperation(found) : await this.get(op.id);
    return { operation, settled: operation.status === "posted" || operation.status === "failed" };
  }
}
