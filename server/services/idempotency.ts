import { createHash } from "node:crypto";
import type { EntityManager } from "typeorm";
import { In } from "typeorm";
import type { Database } from "../persistence/data-source";
import { isUniqueViolation } from "../persistence/data-source";
import { IdempotencyKey } from "../persistence/entities";
import { AppError } from "../errors";
import { canonicalJson } from "../domain/canonical-json";

/**
 * A key's state for a new request: reserved for it, or the earlier answer to replay. `status` is null when the key
 * was bound to the operation the request created (the HTTP layer answers it as accepted).
 */
export type Reservation =
  { kind: "reserved"; id: string } | { kind: "replay"; status: number | null; body: Record<string, unknown> };

/** What an idempotency key is bound to: SHA-256 of the method, the path and the body's RFC 8785 (JCS) form. */
export const requestHash = (method: string, path: string, body: unknown): string =>
  createHash("sha256")
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest("hex");

/**
 * Idempotency keys, per API client. A key is reserved before the action; an action that creates an operation
 * marks the key done in the same database transaction (`completeWithin`), so a retry finds the operation even
 * after a crash. The same key with another request is refused (409).
 */
export interface IdempotencySettings {
  /**
   * How long a key may stay `in_progress` before it is taken as abandoned (its request's process died between the
   * reservation and the answer): a resend then runs the request again instead of answering 409 for ever. Longer
   * than any request may take (`?wait=true` included).
   */
  staleMs: number;
  /** How long a completed key is kept (a resend within it replays the answer); older ones are deleted. */
  retentionMs: number;
}

export class IdempotencyService {
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly settings: IdempotencySettings = { staleMs: 120_000, retentionMs: 7 * 86_400_000 },
  ) {}

  /** Deletes completed keys past the retention period; returns how many. Runs at most hourly from `reserve`. */
  async sweep(now = Date.now()): Promise<number> {
    this.lastSweep = now;
    const cutoff = new Date(now - this.settings.retentionMs).toISOString();
    const r = await this.db.manager
      .createQueryBuilder()
      .delete()
      .from(IdempotencyKey)
      .where("state = 'done' AND created_at < :cutoff", { cutoff })
      .execute();
    return r.affected ?? 0;
  }

  async reserve(clientId: string, key: string, hash: string): Promise<Reservation> {
    if (Date.now() - this.lastSweep > 3_600_000) void this.sweep().catch(() => undefined); // housekeeping only
    const id = createHash("sha256").update(`${clientId}\n${key}`).digest("hex");
    try {
      await this.db.transaction((em) =>
        em.insert(IdempotencyKey, {
          id,
          clientId,
          requestHash: hash,
          state: "in_progress",
          responseStatus: null,
          responseBody: null,
          createdAt: new Date().toISOString(),
        }),
      );
      return { kind: "reserved", id };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    const existing = await this.db.manager.findOneBy(IdempotencyKey, { id });
    if (!existing) return this.reserve(clientId, key, hash);
    if (existing.requestHash !== hash) throw new AppError("IDEMPOTENCY_KEY_REUSED");
    if (existing.state !== "done") {
      // Abandoned by a process that died mid-request: taken over by exactly one resend (a conditional update).
      const now = new Date().toISOString();
      const staleBefore = new Date(Date.now() - this.settings.staleMs).toISOString();
      const taken = await this.db.manager
        .createQueryBuilder()
        .update(IdempotencyKey)
        .set({ createdAt: now })
        .where("id = :id AND state = 'in_progress' AND created_at < :staleBefore", { id, staleBefore })
        .execute();
      if (taken.affected) return { kind: "reserved", id };
      throw new AppError("IDEMPOTENCY_REQUEST_IN_PROGRESS");
    }
    return {
      kind: "replay",
      status: existing.responseStatus,
      body: JSON.parse(existing.responseBody ?? "{}") as Record<string, unknown>,
    };
  }

  /**
   * Binds the key to the operation its request created, inside the transaction that writes the operation: a resend
   * finds the operation even after a crash before the answer.
   */
  async bindOperationWithin(em: EntityManager, id: string, operationId: string): Promise<void> {
    await em.update(
      IdempotencyKey,
      { id, state: "in_progress" },
      { state: "done", responseStatus: null, responseBody: JSON.stringify({ operationId }) },
    );
  }

  /** Marks the key done with the answer given (a no-op when it was bound to an operation already). */
  async completeWithin(em: EntityManager, id: string, status: number, body: Record<string, unknown>): Promise<void> {
    await em.update(
      IdempotencyKey,
      { id, state: "in_progress" },
      { state: "done", responseStatus: status, responseBody: JSON.stringify(body) },
    );
  }

  /** Frees a key whose request was refused, so the client may retry it once the problem is fixed. */
  async release(id: string): Promise<void> {
    await this.db.transaction((em) => em.delete(IdempotencyKey, { id, state: In(["in_progress"]) }));
  }
}
