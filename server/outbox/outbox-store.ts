import { In, IsNull, Not } from "typeorm";
import type { EntityManager } from "typeorm";
import type { Database } from "../persistence/data-source";
import { ChainTransaction, Operation } from "../persistence/entities";
import type { SignerName } from "../domain/roles";
import { TRANSFER_KIND } from "../domain/operation-kinds";
import type { SignedTransaction, TransactionStore } from "../chain/transaction-store";
import { LeaseLostError } from "./lane-lease";
import type { LaneLease } from "./lane-lease";

/** Operations this lane meant to send were taken, settled or re-queued meanwhile: nothing was stored. */
export class ClaimLostError extends Error {
  constructor(readonly operations: string[]) {
    super(`operations no longer pending for this lane: ${operations.join(", ")}`);
  }
}

const now = () => new Date().toISOString();

/**
 * One signer role's outbox in the database: the pending operations it picks from, and the transaction manager's
 * port (TransactionStore) over chain_transactions. Taking operations into a transaction claims them atomically
 * (`claimed_by` = the lane lease's owner and epoch): on PostgreSQL their rows are locked with FOR UPDATE SKIP
 * LOCKED in the transaction that stores the chain transaction, and on both databases each is taken by a
 * conditional update (still pending, in no transaction) checked by its affected rows. Every write is fenced by
 * the lane lease, in the same database transaction.
 */
export class OutboxStore implements TransactionStore<Operation[]> {
  constructor(
    private readonly db: Database,
    readonly role: SignerName,
    private readonly lease: LaneLease,
  ) {}

  /** This lane's claim token while it holds the lease (`owner:epoch`). */
  claim(): string {
    if (this.lease.epoch === null) throw new LeaseLostError(this.lease.name);
    return `${this.lease.owner}:${this.lease.epoch}`;
  }

  /** Runs `work` in a database transaction fenced by the lane lease. */
  fenced<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (em) => {
      await this.lease.fence(em);
      return work(em);
    });
  }

  // ------------------------------------------------------------------ pending work

  /** The oldest pending operation of the role, or the oldest that is not a transfer. */
  oldestPending(callsOnly = false): Promise<Operation | null> {
    return this.db.manager.getRepository(Operation).findOne({
      where: {
        signer: this.role,
        status: "pending",
        txId: IsNull(),
        ...(callsOnly ? { kind: Not(TRANSFER_KIND) } : {}),
      },
      order: { createdAt: "ASC", id: "ASC" },
    });
  }

  countPendingTransfers(): Promise<number> {
    return this.db.manager
      .getRepository(Operation)
      .count({ where: { signer: this.role, status: "pending", kind: TRANSFER_KIND, txId: IsNull() } });
  }

  /**
   * Pending transfer authorizations to choose a batch from, oldest first: at most `perHolder` per holder and asset
   * (the lowest nonces), so one holder's authorizations waiting behind a missing nonce can never fill the window
   * and hold up everyone else's.
   */
  async transferCandidates(perHolder: number, limit: number): Promise<Operation[]> {
    const ranked = this.db.manager
      .getRepository(Operation)
      .createQueryBuilder("o")
      .select("o.id", "id")
      .addSelect("o.created_at", "created_at")
      // Nonces are decimal strings: shorter is smaller, then text order.
      .addSelect(
        "ROW_NUMBER() OVER (PARTITION BY o.from_address, o.asset_id ORDER BY LENGTH(o.nonce), o.nonce)",
        "rank",
      )
      .where("o.signer = :signer AND o.status = 'pending' AND o.kind = :kind AND o.tx_id IS NULL", {
        signer: this.role,
        kind: TRANSFER_KIND,
      });
    const rows = await this.db.manager
      .createQueryBuilder()
      .select("r.id", "id")
      .from(`(${ranked.getQuery()})`, "r")
      .setParameters(ranked.getParameters())
      .where("r.rank <= :perHolder", { perHolder })
      .orderBy("r.created_at", "ASC")
      .addOrderBy("r.id", "ASC")
      .limit(limit)
      .getRawMany<{ id: string }>();
    if (!rows.length) return [];
    const ops = await this.db.manager.getRepository(Operation).findBy({ id: In(rows.map((r) => r.id)) });
    const order = new Map(rows.map((r, i) => [r.id, i]));
    return ops.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  // ------------------------------------------------------------------ the transaction manager's port

  /** Claims the operations and stores the transaction carrying them, in one fenced database transaction. */
  async store(tx: SignedTransaction, ops: Operation[]): Promise<void> {
    const at = now();
    const claim = await this.fenced(async (em) => {
      const claim = this.claim();
      const ids = ops.map((op) => op.id);
      if (!this.db.isSqlite) {
        // Rows another transaction is taking are skipped, not waited for: then this claim is lost at once.
        const locked = await em
          .getRepository(Operation)
          .createQueryBuilder("o")
          .select("o.id")
          .where("o.id IN (:...ids) AND o.status = 'pending' AND o.tx_id IS NULL", { ids })
          .setLock("pessimistic_write")
          .setOnLocked("skip_locked")
          .getMany();
        if (locked.length !== ids.length) {
          const have = new Set(locked.map((o) => o.id));
          throw new ClaimLostError(ids.filter((id) => !have.has(id)));
        }
      }
      await em.insert(ChainTransaction, {
        ...tx,
        signer: this.role,
        blockNumber: null,
        createdAt: at,
        updatedAt: at,
      } satisfies ChainTransaction);
      // One statement for the batch (each item's position by CASE): a hundred round trips would hold the lane.
      const positions: Record<string, string> = {};
      const cases = ids.map((id, i) => {
        positions[`p${i}`] = id;
        return `WHEN :p${i} THEN ${i}`;
      });
      const taken = await em
        .createQueryBuilder()
        .update(Operation)
        .set({
          status: "submitted",
          txId: tx.id,
          signerAddress: tx.signerAddress,
          batchIndex: () => `CASE id ${cases.join(" ")} END`,
          claimedBy: claim,
          claimedAt: at,
          updatedAt: at,
        })
        .where("id IN (:...ids) AND status = 'pending' AND tx_id IS NULL", { ids, ...positions })
        .execute();
      if (taken.affected !== ids.length) throw new ClaimLostError(ids);
      return claim;
    });
    for (const [i, op] of ops.entries())
      Object.assign(op, {
        status: "submitted",
        txId: tx.id,
        signerAddress: tx.signerAddress,
        batchIndex: i,
        claimedBy: claim,
        claimedAt: at,
        updatedAt: at,
      });
  }

  /**
   * The role's unfinished transactions, whichever instance and key signed them, with their operations: re-claimed
   * for this lane's epoch (the previous holder's lease has ended or was released).
   */
  async open(): Promise<Array<{ tx: SignedTransaction; work: Operation[] }>> {
    const open = await this.db.manager.getRepository(ChainTransaction).find({
      where: { signer: this.role, status: In(["signed", "sent"]) },
      order: { signerAddress: "ASC", nonce: "ASC" },
    });
    if (open.length) {
      const at = now();
      await this.fenced(async (em) => {
        const claim = this.claim();
        for (const tx of open)
          await em.update(
            Operation,
            { txId: tx.id, status: In(["pending", "submitted"]) },
            { claimedBy: claim, claimedAt: at },
          );
      });
    }
    const result: Array<{ tx: SignedTransaction; work: Operation[] }> = [];
    for (const tx of open) {
      const work = await this.db.manager
        .getRepository(Operation)
        .find({ where: { txId: tx.id }, order: { batchIndex: "ASC" } });
      const { id, signerAddress, nonce, hash, raw } = tx;
      result.push({ tx: { id, signerAddress, nonce, hash, raw, status: tx.status as "signed" | "sent" }, work });
    }
    return result;
  }

  async markSent(tx: SignedTransaction): Promise<void> {
    await this.db.transaction((em) => em.update(ChainTransaction, { id: tx.id }, { status: "sent", updatedAt: now() }));
  }

  /** In the caller's (fenced) transaction, with the outcomes of its operations. */
  async markMined(em: EntityManager, tx: SignedTransaction, blockNumber: number): Promise<void> {
    await em.update(ChainTransaction, { id: tx.id }, { status: "mined", blockNumber, updatedAt: now() });
  }

  async requeue(tx: SignedTransaction): Promise<void> {
    await this.fenced(async (em) => {
      await em.update(ChainTransaction, { id: tx.id }, { status: "replaced", updatedAt: now() });
      await em.update(
        Operation,
        { txId: tx.id },
        {
          status: "pending",
          txId: null,
          signerAddress: null,
          batchIndex: null,
          claimedBy: null,
          claimedAt: null,
          updatedAt: now(),
        },
      );
    });
  }

  async maxNonce(address: string): Promise<number | null> {
    const last = await this.db.manager
      .getRepository(ChainTransaction)
      .createQueryBuilder("t")
      .select("MAX(t.nonce)", "max")
      .where("t.signer_address = :a", { a: address })
      .getRawOne<{ max: number | null }>();
    return last?.max == null ? null : Number(last.max);
  }
}
