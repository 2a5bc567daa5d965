import type { EntityManager } from "typeorm";
import type { Database } from "../persistence/data-source";
import { PlatformEvent } from "../persistence/event-log";
import { SupervisionWorker } from "./entities";

export const nowIso = (): string => new Date().toISOString();
export const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** Parses a JSON column that the gateway itself wrote. */
export function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/**
 * Reads events after `cursor` in `seq` order, stopping before a gap that may still be filled: on PostgreSQL a
 * sequence value is taken when a transaction inserts, and that transaction may commit after a later one. A gap
 * older than `graceMs` is a rolled-back insert and is passed over. Returns the contiguous events.
 */
export async function readEventsAfter(
  em: EntityManager,
  cursor: number,
  limit: number,
  graceMs: number,
): Promise<PlatformEvent[]> {
  const rows = await em
    .getRepository(PlatformEvent)
    .createQueryBuilder("e")
    .where("e.seq > :cursor", { cursor })
    .orderBy("e.seq", "ASC")
    .take(limit)
    .getMany();
  const out: PlatformEvent[] = [];
  let expected = cursor + 1;
  for (const e of rows) {
    if (e.seq !== expected && Date.now() - Date.parse(e.createdAt) < graceMs) break;
    out.push(e);
    expected = e.seq + 1;
  }
  return out;
}

/** Highest event seq now (0 when the log is empty). */
export async function maxEventSeq(em: EntityManager): Promise<number> {
  const r = await em
    .getRepository(PlatformEvent)
    .createQueryBuilder("e")
    .select("MAX(e.seq)", "max")
    .getRawOne<{ max: number | string | null }>();
  return r?.max == null ? 0 : Number(r.max);
}

/**
 * Takes (or renews) the lease of a named worker, so one gateway instance at a time runs it. Conditional update:
 * only one instance's UPDATE matches. Returns the worker row when held.
 * With `renew: false` the lease is a schedule, not only an owner: nobody, its holder included, takes it again
 * before it ends, so a round that holds it for one interval runs once per interval, whatever the tick.
 */
export async function acquireWorkerLease(
  db: Database,
  name: string,
  owner: string,
  leaseMs: number,
  opts: { renew: boolean } = { renew: true },
): Promise<SupervisionWorker | null> {
  const repo = db.manager.getRepository(SupervisionWorker);
  if (!(await repo.findOneBy({ name }))) {
    await db
      .transaction(async (em) => {
        if (!(await em.findOneBy(SupervisionWorker, { name })))
          await em.insert(SupervisionWorker, {
            name,
            cursorSeq: 0,
            leaseOwner: null,
            leaseUntil: null,
            updatedAt: nowIso(),
          });
      })
      .catch(() => undefined); // another instance inserted it
  }
  const now = nowIso();
  const result = await repo
    .createQueryBuilder()
    .update(SupervisionWorker)
    .set({ leaseOwner: owner, leaseUntil: isoIn(leaseMs), updatedAt: now })
    .where(
      opts.renew
        ? "name = :name AND (lease_owner = :owner OR lease_until IS NULL OR lease_until < :now)"
        : "name = :name AND (lease_until IS NULL OR lease_until < :now)",
      { name, owner, now },
    )
    .execute();
  if (!result.affected) return null;
  return repo.findOneBy({ name });
}

export async function releaseWorkerLease(db: Database, name: string, owner: string): Promise<void> {
  await db.manager
    .getRepository(SupervisionWorker)
    .createQueryBuilder()
    .update(SupervisionWorker)
    .set({ leaseOwner: null, leaseUntil: null })
    .where("name = :name AND lease_owner = :owner", { name, owner })
    .execute();
}

/**
 * A loop that calls `tick` every `intervalMs` until stopped; `wake()` runs it early. Errors are logged by the
 * caller's tick; stop() waits for the tick in progress.
 */
export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private again = false;

  constructor(
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.tick()
        .catch(() => undefined)
        .finally(() => {
          this.running = null;
          if (this.stopped) return;
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : this.intervalMs);
        });
    }, ms);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
