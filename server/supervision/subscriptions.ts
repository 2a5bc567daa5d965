import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { getAddress } from "ethers";
import { Webhook } from "standardwebhooks";
import type { Logger } from "pino";
import type { Database } from "../persistence/data-source";
import { keyset, pageOf } from "../persistence/keyset";
import type { KeyValue } from "../persistence/keyset";
import type { ApiCaller } from "../domain/roles";
import { PlatformEvent } from "../persistence/event-log";
import type { EventType } from "../persistence/event-log";
import { AppError } from "../errors";
import { Subscription, SubscriptionDelivery } from "./entities";
import type { DeliveryStatus, SubscriptionStatus } from "./entities";
import type { SupervisionSettings } from "./settings";
import { isoIn, maxEventSeq, nowIso, parseJson, readEventsAfter, Ticker } from "./util";
import { withDeadline } from "../deadline";
import type { EgressPolicy } from "./egress";

/**
 * Headers of a webhook delivery (lower-case, as Node's http module exposes them to a receiver). `id`, `timestamp`
 * and `signature` are the Standard Webhooks headers (https://www.standardwebhooks.com): a receiver verifies with
 * any Standard Webhooks library, e.g. npm `standardwebhooks`: `new Webhook(secret).verify(rawBody, headers)`.
 */
export const WEBHOOK_HEADERS = {
  id: "webhook-id",
  timestamp: "webhook-timestamp",
  signature: "webhook-signature",
  subscription: "x-webhook-subscription",
  sequence: "x-webhook-sequence",
} as const;

/**
 * Deprecated headers of the first signing scheme, still sent alongside the Standard Webhooks ones for one version
 * (0.1.x) so receivers can move over; they will be removed in the next version.
 */
export const LEGACY_WEBHOOK_HEADERS = {
  id: "x-webhook-id",
  timestamp: "x-webhook-timestamp",
  signature: "x-webhook-signature",
} as const;

/** A new subscription's secret, in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
export const newWebhookSecret = (): string => "whsec_" + randomBytes(32).toString("base64");

/**
 * The Standard Webhooks signature (`webhook-signature`): `v1,` + base64 HMAC-SHA256 over `<id>.<timestamp>.<raw
 * body>`, keyed with the bytes the secret's base64 part (after `whsec_`) decodes to; signed by the reference library.
 * Secrets issued before (`whsec_` + 64 hex digits) are valid base64 too, so they keep working with the library.
 */
export function standardWebhookSignature(secret: string, id: string, timestamp: string, rawBody: string): string {
  return new Webhook(secret).sign(id, new Date(Number(timestamp) * 1000), rawBody);
}

/**
 * Deprecated (`x-webhook-signature`, kept for one version): HMAC-SHA256 keyed with the secret's text as is, over
 * `<timestamp>.<raw body>` (the timestamp header's value, a dot, the body bytes exactly as received), hex encoded
 * and sent as `sha256=<hex>`.
 */
export function webhookSignature(secret: string, timestamp: string, rawBody: string | Buffer): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}

/** The JSON body of one delivery. */
export interface DeliveryBody {
  subscriptionId: string;
  /** Per-subscription sequence number, from 1, without gaps; a replay resends the same numbers. */
  sequence: number;
  deliveryId: string;
  event: {
    seq: number;
    type: EventType;
    assetId: string | null;
    account: string | null;
    counterparty: string | null;
    createdAt: string;
    payload: unknown;
  };
}

export interface SubscriptionInput {
  url: string;
  eventTypes: EventType[];
  assetIds?: string[];
  accounts?: string[];
  issuer?: string;
  description?: string;
  /** "now" (default): events from now on; "beginning": every event in the log. */
  startAt?: "now" | "beginning";
}

export function viewSubscription(s: Subscription) {
  return {
    id: s.id,
    url: s.url,
    description: s.description,
    issuer: s.issuer,
    clientId: s.clientId,
    eventTypes: parseJson<string[]>(s.eventTypes) ?? [],
    filters: { assetIds: parseJson<string[]>(s.assetIds), accounts: parseJson<string[]>(s.accounts) },
    status: s.status,
    lastSequence: s.lastSequence,
    cursorEventSeq: s.cursorSeq,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export function viewDelivery(d: SubscriptionDelivery) {
  return {
    id: d.id,
    sequence: d.sequence,
    eventSeq: d.eventSeq,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === "pending" ? d.nextAttemptAt : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    lastAttemptAt: d.lastAttemptAt,
    deliveredAt: d.deliveredAt,
    createdAt: d.createdAt,
  };
}

/** Whether an event passes a subscription's filters. */
export function matches(
  s: Pick<Subscription, "eventTypes" | "assetIds" | "accounts">,
  e: Pick<PlatformEvent, "type" | "assetId" | "account" | "counterparty">,
): boolean {
  const types = parseJson<string[]>(s.eventTypes) ?? [];
  if (!types.includes(e.type)) return false;
  const assets = parseJson<string[]>(s.assetIds);
  if (assets && (!e.assetId || !assets.includes(e.assetId))) return false;
  const accounts = parseJson<string[]>(s.accounts);
  if (accounts) {
    const parties = [e.account, e.counterparty].filter((a): a is string => !!a).map((a) => a.toLowerCase());
    if (!parties.some((p) => accounts.includes(p))) return false;
  }
  return true;
}

/**
 * Webhook subscriptions (issue 4, section 4): a client subscribes a URL to event types with filters; the
 * dispatcher delivers the matching events of the shared event log in order, at least once.
 * Clients see and manage their own subscriptions; the authority sees all.
 */
export class SubscriptionService {
  constructor(
    private readonly db: Database,
    private readonly egress: EgressPolicy,
    private readonly onChange: () => void = () => undefined,
  ) {}

  async create(
    client: ApiCaller,
    input: SubscriptionInput,
  ): Promise<{ subscription: ReturnType<typeof viewSubscription>; secret: string }> {
    const url = new URL(input.url);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new AppError("SUBSCRIPTION_URL_INVALID", { url: input.url });
    const refusal = await this.egress.refusal(url);
    if (refusal) throw new AppError("SUBSCRIPTION_URL_NOT_ALLOWED", { url: input.url, reason: refusal });
    if (input.issuer && client.role !== "operator")
      throw new AppError("FORBIDDEN", { role: client.role, allowed: ["operator"], field: "issuer" });
    const issuer = input.issuer ? getAddress(input.issuer) : null;
    const accounts = input.accounts?.length
      ? input.accounts.map((a) => a.toLowerCase())
      : issuer
        ? [issuer.toLowerCase()]
        : null;
    const secret = newWebhookSecret();
    const at = nowIso();
    const sub = await this.db.transaction(async (em) => {
      const cursorSeq = input.startAt === "beginning" ? 0 : await maxEventSeq(em);
      const s = Object.assign(new Subscription(), {
        id: randomUUID(),
        clientId: client.id,
        issuer,
        url: url.toString(),
        description: input.description ?? null,
        secret,
        eventTypes: JSON.stringify([...new Set(input.eventTypes)]),
        assetIds: input.assetIds?.length ? JSON.stringify([...new Set(input.assetIds)]) : null,
        accounts: accounts ? JSON.stringify([...new Set(accounts)]) : null,
        status: "active",
        cursorSeq,
        lastSequence: 0,
        leaseOwner: null,
        leaseUntil: null,
        createdAt: at,
        updatedAt: at,
      } satisfies Subscription);
      await em.insert(Subscription, s);
      return s;
    });
    this.onChange();
    return { subscription: viewSubscription(sub), secret };
  }

  private async visible(client: ApiCaller, id: string): Promise<Subscription> {
    const s = await this.db.manager.findOneBy(Subscription, { id });
    if (!s || s.status === "deleted" || (client.role !== "authority" && s.clientId !== client.id))
      throw new AppError("SUBSCRIPTION_NOT_FOUND", { id });
    return s;
  }

  /** The client's subscriptions (all for the authority), oldest first: keyset on (createdAt, id). */
  async list(client: ApiCaller, opts: { limit: number; after: KeyValue[] | null }) {
    const qb = this.db.manager
      .getRepository(Subscription)
      .createQueryBuilder("s")
      .where("s.status <> :deleted", { deleted: "deleted" });
    if (client.role !== "authority") qb.andWhere("s.client_id = :client", { client: client.id });
    const rows = await keyset(qb, ["s.created_at", "s.id"], "ASC", opts.after, opts.limit).getMany();
    return pageOf(rows, opts.limit, (s) => [s.createdAt, s.id], viewSubscription);
  }

  async get(client: ApiCaller, id: string) {
    const s = await this.visible(client, id);
    const repo = this.db.manager.getRepository(SubscriptionDelivery);
    const pending = await repo.count({ where: { subscriptionId: id, status: "pending" } });
    const next = await repo.findOne({ where: { subscriptionId: id, status: "pending" }, order: { sequence: "ASC" } });
    return { ...viewSubscription(s), pendingDeliveries: pending, nextDelivery: next ? viewDelivery(next) : null };
  }

  async setStatus(client: ApiCaller, id: string, status: Exclude<SubscriptionStatus, "deleted">) {
    const s = await this.visible(client, id);
    await this.db.transaction((em) => em.update(Subscription, { id: s.id }, { status, updatedAt: nowIso() }));
    this.onChange();
    return viewSubscription({ ...s, status, updatedAt: nowIso() });
  }

  /** Deletes (stops) a subscription; its delivery history is kept. */
  async remove(client: ApiCaller, id: string): Promise<void> {
    const s = await this.visible(client, id);
    await this.db.transaction((em) =>
      em.update(Subscription, { id: s.id }, { status: "deleted", updatedAt: nowIso() }),
    );
  }

  async deliveries(
    client: ApiCaller,
    id: string,
    opts: { status?: DeliveryStatus; after: KeyValue[] | null; limit: number },
  ) {
    await this.visible(client, id);
    const qb = this.db.manager
      .getRepository(SubscriptionDelivery)
      .createQueryBuilder("d")
      .where("d.subscription_id = :id", { id });
    if (opts.status) qb.andWhere("d.status = :status", { status: opts.status });
    const rows = await keyset(qb, ["d.sequence"], "ASC", opts.after, opts.limit).getMany();
    return pageOf(rows, opts.limit, (d) => [Number(d.sequence)], viewDelivery);
  }

  /** Marks every delivery from `fromSequence` on as pending again: they are resent in order, with the same numbers. */
  async replay(
    client: ApiCaller,
    id: string,
    fromSequence: number,
  ): Promise<{ replayed: number; fromSequence: number; toSequence: number }> {
    const s = await this.visible(client, id);
    if (fromSequence > s.lastSequence)
      throw new AppError("REPLAY_SEQUENCE_INVALID", { fromSequence, lastSequence: s.lastSequence });
    const replayed = await this.db.transaction(async (em) => {
      const result = await em
        .getRepository(SubscriptionDelivery)
        .createQueryBuilder()
        .update(SubscriptionDelivery)
        .set({ status: "pending", nextAttemptAt: nowIso(), generation: () => "generation + 1" })
        .where("subscription_id = :id AND sequence >= :from", { id: s.id, from: fromSequence })
        .execute();
      return result.affected ?? 0;
    });
    this.onChange();
    return { replayed, fromSequence, toSequence: s.lastSequence };
  }
}

/**
 * The dispatcher worker. For each active subscription (under a lease, so one gateway instance at a time works on
 * it): appends the new matching events of the log to the subscription's delivery queue with consecutive sequence
 * numbers (cursor and queue in one transaction), then sends the queue in sequence order. A failed delivery is
 * retried with capped exponential backoff, and nothing after it is sent before it succeeds: in order, at least once.
 */
export class WebhookDispatcher {
  private readonly ticker: Ticker;
  private readonly busy = new Map<string, Promise<void>>();
  private stopping = false;
  /** Aborts the attempts in flight at shutdown (they count as failed and are retried later). */
  private abort = new AbortController();
  /** Told of each attempt's outcome once stored (metrics: failures, and the event-to-delivery lag). */
  observer: { webhookDelivery(ok: boolean, eventCreatedAt?: string): void } | null = null;

  constructor(
    private readonly db: Database,
    private readonly settings: SupervisionSettings,
    private readonly egress: EgressPolicy,
    private readonly log: Logger,
    private readonly instanceId: string,
  ) {
    this.ticker = new Ticker(settings.dispatchIntervalMs, () => this.tick());
  }

  start(): void {
    this.stopping = false;
    this.abort = new AbortController();
    this.ticker.start();
  }

  wake(): void {
    this.ticker.wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.ticker.stop();
    this.abort.abort(new Error("the gateway is stopping"));
    await Promise.all([...this.busy.values()]);
  }

  private get leaseMs(): number {
    return this.settings.webhookTimeoutMs * 2 + 30_000;
  }

  private async tick(): Promise<void> {
    try {
      const subs = await this.db.manager.find(Subscription, { where: { status: "active" }, select: { id: true } });
      for (const { id } of subs) {
        if (this.busy.has(id) || this.stopping) continue;
        const work = this.process(id)
          .catch((err: unknown) => this.log.error({ err, subscription: id }, "webhook dispatch failed; will retry"))
          .finally(() => this.busy.delete(id));
        this.busy.set(id, work);
      }
    } catch (err) {
      this.log.error({ err }, "webhook dispatcher tick failed");
    }
  }

  private async lease(id: string): Promise<boolean> {
    const now = nowIso();
    const r = await this.db.manager
      .getRepository(Subscription)
      .createQueryBuilder()
      .update(Subscription)
      .set({ leaseOwner: this.instanceId, leaseUntil: isoIn(this.leaseMs) })
      .where("id = :id AND status = :active AND (lease_owner = :me OR lease_until IS NULL OR lease_until < :now)", {
        id,
        active: "active",
        me: this.instanceId,
        now,
      })
      .execute();
    return !!r.affected;
  }

  private async release(id: string): Promise<void> {
    await this.db.manager
      .getRepository(Subscription)
      .createQueryBuilder()
      .update(Subscription)
      .set({ leaseOwner: null, leaseUntil: null })
      .where("id = :id AND lease_owner = :me", { id, me: this.instanceId })
      .execute();
  }

  private async process(id: string): Promise<void> {
    if (!(await this.lease(id))) return;
    try {
      await this.enqueue(id);
      while (!this.stopping) {
        const sub = await this.db.manager.findOneBy(Subscription, { id });
        if (!sub || sub.status !== "active") break;
        const next = await this.db.manager.findOne(SubscriptionDelivery, {
          where: { subscriptionId: id, status: "pending" },
          order: { sequence: "ASC" },
        });
        if (!next || next.nextAttemptAt > nowIso()) break;
        const ok = await this.send(sub, next);
        if (!ok || !(await this.lease(id))) break;
        if (!(await this.db.manager.exists(SubscriptionDelivery, { where: { subscriptionId: id, status: "pending" } })))
          await this.enqueue(id);
      }
    } finally {
      await this.release(id);
    }
  }

  /** Moves the cursor over new events, queueing the matching ones. */
  private async enqueue(id: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const sub = await em.findOneBy(Subscription, { id });
      if (!sub || sub.status !== "active") return;
      const events = await readEventsAfter(em, sub.cursorSeq, 500, this.settings.gapGraceMs);
      if (!events.length) return;
      let sequence = sub.lastSequence;
      const at = nowIso();
      const rows = events
        .filter((e) => matches(sub, e))
        .map((e) =>
          Object.assign(new SubscriptionDelivery(), {
            id: randomUUID(),
            subscriptionId: id,
            sequence: ++sequence,
            eventSeq: e.seq,
            eventType: e.type,
            status: "pending",
            attempts: 0,
            generation: 0,
            nextAttemptAt: at,
            lastStatusCode: null,
            lastError: null,
            lastAttemptAt: null,
            deliveredAt: null,
            createdAt: at,
          } satisfies SubscriptionDelivery),
        );
      for (let i = 0; i < rows.length; i += 100) await em.insert(SubscriptionDelivery, rows.slice(i, i + 100));
      await em.update(
        Subscription,
        { id, cursorSeq: sub.cursorSeq },
        { cursorSeq: events[events.length - 1].seq, lastSequence: sequence },
      );
    });
  }

  /** One attempt; true when the receiver answered 2xx. */
  private async send(sub: Subscription, d: SubscriptionDelivery): Promise<boolean> {
    const event = await this.db.manager.findOneBy(PlatformEvent, { seq: d.eventSeq });
    const body: DeliveryBody = {
      subscriptionId: sub.id,
      sequence: d.sequence,
      deliveryId: d.id,
      event: event
        ? {
            seq: event.seq,
            type: event.type,
            assetId: event.assetId,
            account: event.account,
            counterparty: event.counterparty,
            createdAt: event.createdAt,
            payload: JSON.parse(event.payload) as unknown,
          }
        : {
            seq: d.eventSeq,
            type: d.eventType as EventType,
            assetId: null,
            account: null,
            counterparty: null,
            createdAt: d.createdAt,
            payload: null,
          },
    };
    const raw = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    let status: number | null = null;
    let error: string | null = null;
    try {
      const refusal = await this.egress.refusal(new URL(sub.url));
      if (refusal) throw new Error(refusal);
      status = await withDeadline(this.settings.webhookTimeoutMs, this.abort.signal, async (signal) => {
        const res = await fetch(sub.url, {
          method: "POST",
          body: raw,
          redirect: "manual",
          signal,
          headers: {
            "content-type": "application/json",
            "user-agent": "sda-gateway-webhooks/1",
            // The delivery's row id: the same on every retry and replay of this delivery, so receivers can dedupe.
            [WEBHOOK_HEADERS.id]: d.id,
            [WEBHOOK_HEADERS.timestamp]: timestamp,
            [WEBHOOK_HEADERS.signature]: standardWebhookSignature(sub.secret, d.id, timestamp, raw),
            [WEBHOOK_HEADERS.subscription]: sub.id,
            [WEBHOOK_HEADERS.sequence]: String(d.sequence),
            [LEGACY_WEBHOOK_HEADERS.id]: d.id,
            [LEGACY_WEBHOOK_HEADERS.timestamp]: timestamp,
            [LEGACY_WEBHOOK_HEADERS.signature]: webhookSignature(sub.secret, timestamp, raw),
          },
        });
        await res.body?.cancel().catch(() => undefined);
        return res.status;
      });
      if (status < 200 || status > 299) error = `receiver answered ${status}`;
    } catch (err) {
      const e = err as Error;
      error =
        e.name === "TimeoutError"
          ? `no answer within ${this.settings.webhookTimeoutMs} ms`
          : `${e.message}${(e as { cause?: Error }).cause ? `: ${(e as { cause?: Error }).cause?.message}` : ""}`;
    }
    const at = nowIso();
    const attempts = d.attempts + 1;
    await this.db.transaction(async (em) => {
      const where = { id: d.id, generation: d.generation };
      if (error === null) {
        await em.update(SubscriptionDelivery, where, {
          status: "delivered",
          attempts,
          lastStatusCode: status,
          lastError: null,
          lastAttemptAt: at,
          deliveredAt: at,
        });
      } else {
        const delay = Math.min(this.settings.retryBaseMs * 2 ** Math.min(attempts - 1, 30), this.settings.retryMaxMs);
        const jitter = Math.floor(Math.random() * delay * 0.1);
        await em.update(SubscriptionDelivery, where, {
          attempts,
          lastStatusCode: status,
          lastError: error.slice(0, 500),
          lastAttemptAt: at,
          nextAttemptAt: isoIn(delay + jitter),
        });
      }
    });
    this.observer?.webhookDelivery(error === null, body.event.createdAt);
    if (error !== null)
      this.log.warn(
        { subscription: sub.id, sequence: d.sequence, attempts, error },
        "webhook delivery failed; will retry",
      );
    return error === null;
  }
}
