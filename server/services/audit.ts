import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { Database } from "../persistence/data-source";
import { AuditEntry } from "../persistence/entities";
import type { ApiCaller } from "../domain/roles";

export interface AuditInput {
  client: ApiCaller | null;
  action: string;
  target?: string | null;
  requestId?: string;
  detail?: Record<string, unknown>;
}

/** The audit trail of every gateway action (Art. 6.3): who, what, on what, with which outcome. */
export class AuditService {
  constructor(private readonly db: Database) {}

  async record(entry: AuditInput): Promise<void> {
    await this.db.transaction((em) => this.recordWithin(em, entry));
  }

  /** Records inside the caller's transaction (with the idempotency key's completion: one commit per request). */
  async recordWithin(em: EntityManager, entry: AuditInput): Promise<void> {
    const row = Object.assign(new AuditEntry(), {
      id: randomUUID(),
      at: new Date().toISOString(),
      clientId: entry.client?.id ?? null,
      role: entry.client?.role ?? null,
      action: entry.action,
      target: entry.target ? entry.target.slice(0, 200) : null,
      requestId: entry.requestId?.slice(0, 64) ?? null,
      // A staff wallet's session acts under a client id derived from its address: the detail names the address.
      detail:
        entry.detail || entry.client?.wallet
          ? JSON.stringify({ ...entry.detail, ...(entry.client?.wallet ? { wallet: entry.client.wallet } : {}) })
          : null,
    });
    await em.insert(AuditEntry, row);
  }

  async list(opts: { limit: number; offset: number; action?: string }): Promise<AuditEntry[]> {
    return this.db.manager.find(AuditEntry, {
      where: opts.action ? { action: opts.action } : {},
      order: { at: "DESC" },
      take: opts.limit,
      skip: opts.offset,
    });
  }
}
