import type { Database } from "../persistence/data-source";
import type { AuditInput, AuditService } from "./audit";
import type { IdempotencyService } from "./idempotency";

/** How a request ended, as the HTTP layer reports it. */
export interface RequestOutcome {
  /** The request's idempotency key reservation, when it had one. */
  idempotencyId?: string;
  /** The answer, kept for a resend with the same key. */
  status: number;
  body: Record<string, unknown>;
  /** The audit entry of a write. */
  audit?: AuditInput;
}

/**
 * The end of a request: its idempotency key completed (a no-op when the service bound it to its operation) and its
 * audit entry, in one transaction, so a crash cannot keep one without the other.
 */
export class RequestOutcomes {
  constructor(
    private readonly db: Database,
    private readonly idempotency: IdempotencyService,
    private readonly audit: AuditService,
  ) {}

  async record(o: RequestOutcome): Promise<void> {
    if (!o.idempotencyId && !o.audit) return;
    await this.db.transaction(async (em) => {
      if (o.idempotencyId) await this.idempotency.completeWithin(em, o.idempotencyId, o.status, o.body);
      if (o.audit) await this.audit.recordWithin(em, o.audit);
    });
  }
}
