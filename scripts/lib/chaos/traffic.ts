/**
 * Holder-signed transfers as real clients send them: POST /v1/transfers with an Idempotency-Key, resent with the
 * same key and body (to another instance when one is down) until acknowledged with a 2xx; then the acknowledged
 * operations polled until final, with a bound.
 */
import { call, operationOf, pool, problemCode } from "./client";
import type { Answer } from "./client";
import { aliveFrom } from "./setup";
import type { Transfer } from "./setup";
import type { GatewayInstance } from "./processes";
import { sleep } from "./processes";
import type { Outcome } from "./verify";

export function outcomeOf(t: Transfer): Outcome {
  return { key: t.key, from: t.from, nonce: t.nonce, ref: t.ref, operationIds: [], statuses: new Map() };
}

/** Whether an answer is worth resending with the same key: no answer, 409 (key in progress), 429, 5xx. */
export const retryable = (a: Answer) => a.status === 0 || a.status === 409 || a.status === 429 || a.status >= 500;

export class Traffic {
  readonly outcomes = new Map<string, Outcome>();
  acknowledged = 0;
  resends = 0;
  /** Resends answered 409 (the key still in progress), a figure of how long keys stay held. */
  conflicts = 0;
  /** Why requests were resent: the answer that was not an acknowledgement (status and problem code, or the error). */
  readonly resendReasons: Record<string, number> = {};

  constructor(
    private readonly instances: GatewayInstance[],
    private readonly apiKey: string,
  ) {}

  outcome(t: Transfer): Outcome {
    let o = this.outcomes.get(t.key);
    if (!o) this.outcomes.set(t.key, (o = outcomeOf(t)));
    return o;
  }

  /** Records a 2xx answer; returns whether it was one. */
  accept(t: Transfer, a: Answer): boolean {
    if (a.status < 200 || a.status >= 300) return false;
    const o = this.outcome(t);
    const op = operationOf(a);
    if (!op) {
      o.refused = `${a.status} without an operation`;
      return true;
    }
    if (o.operationIds.length === 0) this.acknowledged++;
    if (!o.operationIds.includes(op.id)) o.operationIds.push(op.id);
    o.statuses.set(op.id, { status: op.status });
    return true;
  }

  /** One POST, no resend. */
  async send(t: Transfer, instance: GatewayInstance, timeoutMs = 30_000): Promise<Answer> {
    const a = await call(instance.url, "POST", "/v1/transfers", {
      apiKey: this.apiKey,
      body: t.body,
      idempotencyKey: t.key,
      timeoutMs,
    });
    this.accept(t, a);
    return a;
  }

  /** Sends until acknowledged, a refusal (4xx other than 409/429), or `deadline` (epoch ms). */
  async deliver(t: Transfer, preferred: number, deadline: number, first?: Answer): Promise<void> {
    const o = this.outcome(t);
    let last = first;
    let attempt = first ? 1 : 0;
    if (first && !retryable(first)) {
      if (first.status >= 300) o.refused = `${first.status} ${problemCode(first) ?? ""}`.trim();
      return;
    }
    while (Date.now() < deadline) {
      if (attempt > 0) {
        this.resends++;
        await sleep(Math.min(2_000, 150 * attempt));
      }
      const inst = aliveFrom(this.instances, preferred + attempt);
      attempt++;
      if (!inst) continue;
      last = await this.send(t, inst);
      if (last.status >= 200 && last.status < 300) return;
      if (last.status === 409) this.conflicts++;
      const why = last.status ? `${last.status} ${problemCode(last) ?? ""}`.trim() : (last.error ?? "no answer");
      this.resendReasons[why] = (this.resendReasons[why] ?? 0) + 1;
      if (!retryable(last)) {
        o.refused = `${last.status} ${problemCode(last) ?? ""}`.trim();
        return;
      }
    }
    o.refused = `not acknowledged by the resend bound (last ${last ? `${last.status} ${problemCode(last) ?? last.error ?? ""}` : "none"})`;
  }

  /** Polls every acknowledged operation until all are posted or failed, or until `deadline`; returns how many are not. */
  async awaitFinal(deadline: number): Promise<number> {
    const open = () =>
      [...this.outcomes.values()].flatMap((o) =>
        [...o.statuses.entries()]
          .filter(([, s]) => s.status !== "posted" && s.status !== "failed")
          .map(([id, s]) => ({ id, s })),
      );
    let pending = open();
    let round = 0;
    while (pending.length > 0 && Date.now() < deadline) {
      await pool(pending, 8, async ({ id, s }) => {
        const inst = aliveFrom(this.instances, round);
        if (!inst) return;
        const a = await call(inst.url, "GET", `/v1/operations/${id}`, { apiKey: this.apiKey, timeoutMs: 5_000 });
        if (a.status !== 200 || !a.body) return;
        s.status = String(a.body.status);
        const err = a.body.error as { code?: string } | undefined;
        if (err?.code) s.code = err.code;
      });
      pending = open();
      round++;
      if (pending.length > 0) await sleep(500);
    }
    return pending.length;
  }
}
