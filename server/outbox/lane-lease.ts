import type { EntityManager } from "typeorm";
import type { Database } from "../persistence/data-source";
import { SupervisionWorker } from "../supervision/entities";

/** The lease ended or another instance took it: what this instance knew about the lane is no longer true. */
export class LeaseLostError extends Error {
  constructor(readonly lease: string) {
    super(`lease ${lease} is no longer held by this instance`);
  }
}

const iso = (ms = 0) => new Date(Date.now() + ms).toISOString();

/**
 * Who drives a signer role's outbox lane among the gateway instances of one database: one instance at a time,
 * under a lease that ends `ttlMs` after its last renewal. Every takeover by another instance increments the
 * lease's epoch (the fencing token, kept in the row's cursor column); each write of the lane first renews the
 * lease on its own epoch inside the same database transaction, so a holder that stalled past its lease (a pause,
 * a partition) cannot store or settle anything once another has taken over: its transaction is aborted instead.
 */
export class LaneLease {
  /** The fencing token while held, else null. */
  epoch: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    readonly name: string,
    readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if it is free or expired (or renews it). True when held afterwards. */
  async acquire(): Promise<boolean> {
    const repo = this.db.manager.getRepository(SupervisionWorker);
    if (!(await repo.findOneBy({ name: this.name }))) {
      await repo
        .insert({ name: this.name, cursorSeq: 0, leaseOwner: null, leaseUntil: null, updatedAt: iso() })
        .catch(() => undefined); // inserted by another instance meanwhile
    }
    const now = iso();
    const taken = await repo
      .createQueryBuilder()
      .update(SupervisionWorker)
      .set({
        leaseOwner: this.owner,
        leaseUntil: iso(this.ttlMs),
        updatedAt: now,
        cursorSeq: () => "CASE WHEN lease_owner = :owner THEN cursor_seq ELSE cursor_seq + 1 END",
      })
      .where("name = :name AND (lease_owner = :owner OR lease_until IS NULL OR lease_until < :now)", {
        name: this.name,
        owner: this.owner,
        now,
      })
      .execute();
    if (!taken.affected) {
      this.epoch = null;
      return false;
    }
    const row = await repo.findOneByOrFail({ name: this.name });
    this.epoch = row.cursorSeq;
    return true;
  }

  /**
   * Renews the lease on this holder's epoch, in `em`'s transaction when given (the row stays locked until it
   * commits, so a takeover waits for it and then finds the lease renewed). Throws LeaseLostError when not held.
   */
  async fence(em: EntityManager = this.db.manager): Promise<void> {
    if (this.epoch === null) throw new LeaseLostError(this.name);
    const now = iso();
    const renewed = await em
      .createQueryBuilder()
      .update(SupervisionWorker)
      .set({ leaseUntil: iso(this.ttlMs), updatedAt: now })
      .where("name = :name AND lease_owner = :owner AND cursor_seq = :epoch AND lease_until >= :now", {
        name: this.name,
        owner: this.owner,
        epoch: this.epoch,
        now,
      })
      .execute();
    if (!renewed.affected) {
      this.epoch = null;
      throw new LeaseLostError(this.name);
    }
  }

  /**
   * Renews the lease every third of its length while held, whatever the lane is doing (a step waiting on a slow
   * node is not a dead instance). A paused or partitioned process renews nothing, and loses it to another.
   */
  keepAlive(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.epoch !== null) this.fence().catch(() => undefined);
    }, this.ttlMs / 3);
    this.timer.unref();
  }

  /** Gives the lease up (a clean stop), so another instance takes over at once instead of after `ttlMs`. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.epoch === null) return;
    this.epoch = null;
    await this.db.manager
      .getRepository(SupervisionWorker)
      .createQueryBuilder()
      .update(SupervisionWorker)
      .set({ leaseOwner: null, leaseUntil: null, updatedAt: iso() })
      .where("name = :name AND lease_owner = :owner", { name: this.name, owner: this.owner })
      .execute();
  }
}
