import { randomUUID } from "node:crypto";
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { In } from "typeorm";
import type { EntityManager } from "typeorm";
import type { Logger } from "pino";
import type { Database } from "../persistence/data-source";
import { keyset, pageOf } from "../persistence/keyset";
import type { KeyValue } from "../persistence/keyset";
import { Participant } from "../persistence/entities";
import type { ApiCaller } from "../domain/roles";
import { appendEvent, PlatformEvent } from "../persistence/event-log";
import { AppError } from "../errors";
import type { ParticipantService } from "../services/participants";
import { AssetValue, MonitoringMovement, MonitoringReport, MonitoringRule, SupervisionWorker } from "./entities";
import type { ReportStatus, RuleKind } from "./entities";
import { fromMicro, toMicro } from "./decimal";
import type { SupervisionSettings } from "./settings";
import { acquireWorkerLease, nowIso, parseJson, readEventsAfter, releaseWorkerLease, Ticker } from "./util";

/** Payload of a `record.posted` event (written by the mirror). */
export interface RecordPostedPayload {
  assetId: string;
  sequence: string;
  from: string;
  to: string;
  amount: string;
  ref?: string;
  /** Block time: unix seconds (number or decimal string) or ISO-8601. */
  postedAt: string | number;
  txHash?: string;
  blockNumber?: number;
  logIndex?: number;
  recordHash?: string;
}

export interface RuleInput {
  name: string;
  kind: RuleKind;
  assetId?: string | null;
  thresholdUnits?: string | null;
  thresholdValue?: string | null;
  windowSeconds?: number | null;
  minCount?: number | null;
  enabled?: boolean;
}

const ZERO = ZeroAddress.toLowerCase();
const checksummed = (v: unknown): unknown => (typeof v === "string" && isAddress(v) ? getAddress(v) : v);

export function postedAtIso(p: string | number): string {
  if (typeof p === "number" || /^[0-9]+$/.test(p)) {
    const n = Number(p);
    return new Date(n < 1e12 ? n * 1000 : n).toISOString();
  }
  const t = Date.parse(p);
  if (Number.isNaN(t)) throw new Error(`unreadable postedAt ${p}`);
  return new Date(t).toISOString();
}

/** A time read from an event payload, as ISO 8601 UTC (payloads written by older versions carry unix seconds). */
function timeOf(v: unknown): string | null {
  if (typeof v !== "string" && typeof v !== "number") return null;
  try {
    return postedAtIso(v);
  } catch {
    return null;
  }
}

export function viewRule(r: MonitoringRule) {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    assetId: r.assetId,
    thresholdUnits: r.thresholdUnits,
    thresholdValue: r.thresholdValue,
    windowSeconds: r.windowSeconds,
    minCount: r.minCount,
    enabled: !!r.enabled,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export function viewReport(r: MonitoringReport) {
  return {
    id: r.id,
    ruleId: r.ruleId,
    ruleKind: r.ruleKind,
    status: r.status,
    assetId: r.assetId,
    account: getAddress(r.account),
    eventSeq: r.eventSeq,
    detail: parseJson<Record<string, unknown>>(r.detail),
    acknowledgedBy: r.acknowledgedBy,
    acknowledgedAt: r.acknowledgedAt,
    closedBy: r.closedBy,
    closedAt: r.closedAt,
    note: r.note,
    createdAt: r.createdAt,
  };
}

function checkRule(r: RuleInput): void {
  const fail = (problem: string) => {
    throw new AppError("MONITORING_RULE_INVALID", { problem });
  };
  if (r.kind !== "frozen-participant") {
    if ((r.thresholdUnits == null) === (r.thresholdValue == null))
      fail("give exactly one of thresholdUnits and thresholdValue");
  } else if (r.thresholdUnits != null || r.thresholdValue != null || r.windowSeconds != null) {
    fail("a frozen-participant rule takes no threshold or window");
  }
  if (r.kind === "window-aggregate" && !r.windowSeconds) fail("a window-aggregate rule needs windowSeconds");
  if (r.kind !== "window-aggregate" && (r.windowSeconds != null || r.minCount != null))
    fail("windowSeconds and minCount apply to window-aggregate rules only");
}

/** A freeze order in force on an account (participant) or on some of its units of an asset, from the event log. */
interface FreezeInForce {
  type: "participant.frozen" | "tokens.frozen";
  seq: number;
  payload: Record<string, unknown>;
}

/**
 * Financial monitoring (Art. 6.3): rules, declared asset values, reports for the monitor role, and the
 * monitor's view of one participant.
 */
export class MonitoringService {
  constructor(
    private readonly db: Database,
    private readonly participantService: () => ParticipantService,
  ) {}

  private get participants(): ParticipantService {
    return this.participantService();
  }

  // ---------------------------------------------------------------- rules

  async createRule(client: ApiCaller, input: RuleInput) {
    checkRule(input);
    const at = nowIso();
    const rule = Object.assign(new MonitoringRule(), {
      id: randomUUID(),
      name: input.name,
      kind: input.kind,
      assetId: input.assetId ?? null,
      thresholdUnits: input.thresholdUnits ?? null,
      thresholdValue: input.thresholdValue ?? null,
      windowSeconds: input.windowSeconds ?? null,
      minCount: input.kind === "window-aggregate" ? (input.minCount ?? 2) : null,
      enabled: input.enabled === false ? 0 : 1,
      createdBy: client.id,
      createdAt: at,
      updatedAt: at,
    } satisfies MonitoringRule);
    await this.db.transaction((em) => em.insert(MonitoringRule, rule));
    return viewRule(rule);
  }

  /** Rules, oldest first, a page at a time: keyset on (createdAt, id). */
  async listRules(q: { limit: number; after: KeyValue[] | null }) {
    const qb = this.db.manager.getRepository(MonitoringRule).createQueryBuilder("r");
    const rows = await keyset(qb, ["r.created_at", "r.id"], "ASC", q.after, q.limit).getMany();
    return pageOf(rows, q.limit, (r) => [r.createdAt, r.id], viewRule);
  }

  private async rule(id: string): Promise<MonitoringRule> {
    const r = await this.db.manager.findOneBy(MonitoringRule, { id });
    if (!r) throw new AppError("MONITORING_RULE_NOT_FOUND", { id });
    return r;
  }

  async getRule(id: string) {
    return viewRule(await this.rule(id));
  }

  async updateRule(id: string, input: RuleInput) {
    const r = await this.rule(id);
    checkRule(input);
    const next = Object.assign(r, {
      name: input.name,
      kind: input.kind,
      assetId: input.assetId ?? null,
      thresholdUnits: input.thresholdUnits ?? null,
      thresholdValue: input.thresholdValue ?? null,
      windowSeconds: input.windowSeconds ?? null,
      minCount: input.kind === "window-aggregate" ? (input.minCount ?? 2) : null,
      enabled: input.enabled === false ? 0 : 1,
      updatedAt: nowIso(),
    });
    await this.db.transaction((em) => em.save(MonitoringRule, next));
    return viewRule(next);
  }

  async deleteRule(id: string): Promise<void> {
    await this.rule(id);
    await this.db.transaction((em) => em.delete(MonitoringRule, { id }));
  }

  // ---------------------------------------------------------------- declared values

  async setAssetValue(client: ApiCaller, assetId: string, unitValue: string, currency: string) {
    const row = Object.assign(new AssetValue(), {
      assetId,
      unitValue: fromMicro(toMicro(unitValue)),
      currency,
      setBy: client.id,
      updatedAt: nowIso(),
    });
    await this.db.transaction((em) => em.save(AssetValue, row));
    return { assetId, unitValue: row.unitValue, currency, setBy: row.setBy, updatedAt: row.updatedAt };
  }

  async getAssetValue(assetId: string) {
    const row = await this.db.manager.findOneBy(AssetValue, { assetId });
    if (!row) throw new AppError("ASSET_VALUE_NOT_DECLARED", { assetId });
    return { assetId, unitValue: row.unitValue, currency: row.currency, setBy: row.setBy, updatedAt: row.updatedAt };
  }

  // ---------------------------------------------------------------- reports

  async listReports(q: {
    status?: ReportStatus;
    account?: string;
    ruleId?: string;
    assetId?: string;
    limit: number;
    after: KeyValue[] | null;
  }) {
    const qb = this.db.manager.getRepository(MonitoringReport).createQueryBuilder("r");
    if (q.status) qb.andWhere("r.status = :status", { status: q.status });
    if (q.account) qb.andWhere("r.account = :account", { account: q.account.toLowerCase() });
    if (q.ruleId) qb.andWhere("r.rule_id = :rule", { rule: q.ruleId });
    if (q.assetId) qb.andWhere("r.asset_id = :asset", { asset: q.assetId });
    const rows = await keyset(qb, ["r.event_seq", "r.id"], "DESC", q.after, q.limit).getMany();
    return pageOf(rows, q.limit, (r) => [Number(r.eventSeq), r.id], viewReport);
  }

  async getReport(id: string) {
    const r = await this.db.manager.findOneBy(MonitoringReport, { id });
    if (!r) throw new AppError("MONITORING_REPORT_NOT_FOUND", { id });
    return r;
  }

  /** open → acknowledged → closed (or open → closed). */
  async transitionReport(client: ApiCaller, id: string, to: "acknowledged" | "closed", note?: string) {
    const r = await this.getReport(id);
    if (r.status === "closed" || r.status === to)
      throw new AppError("MONITORING_REPORT_STATE_INVALID", { status: r.status, requested: to });
    const at = nowIso();
    const change: Partial<MonitoringReport> =
      to === "acknowledged"
        ? { status: to, acknowledgedBy: client.id, acknowledgedAt: at }
        : { status: to, closedBy: client.id, closedAt: at };
    if (note) change.note = r.note ? `${r.note}\n${note}` : note;
    const updated = await this.db.transaction(async (em) => {
      const res = await em.update(MonitoringReport, { id, status: r.status }, change);
      if (!res.affected) throw new AppError("MONITORING_REPORT_STATE_INVALID", { requested: to });
      return em.findOneByOrFail(MonitoringReport, { id });
    });
    return viewReport(updated);
  }

  // ---------------------------------------------------------------- participant view

  /** Everything the monitor may need on one participant. */
  async participantView(address: string, opts: { limit: number; after: KeyValue[] | null }) {
    const a = getAddress(address);
    const lower = a.toLowerCase();
    const row = await this.db.manager.findOneBy(Participant, { address: a });
    const onChain = await this.participants.get(a).catch((err: unknown) => {
      if (err instanceof AppError && err.code === "NOT_FOUND") return null;
      throw err;
    });
    if (!row && !onChain) throw new AppError("NOT_FOUND", { participant: a });
    const holdings = await this.participants.holdings(a);
    const events = this.db.manager.getRepository(PlatformEvent);
    const mq = events
      .createQueryBuilder("e")
      .where("e.type = :t", { t: "record.posted" })
      .andWhere("(e.account = :a OR e.counterparty = :a)", { a: lower });
    const movements = pageOf(
      await keyset(mq, ["e.seq"], "ASC", opts.after, opts.limit).getMany(),
      opts.limit,
      (e) => [Number(e.seq)],
      (e) => e,
    );
    const freezeEvents = await events.find({
      where: { account: lower, type: In(["participant.frozen", "participant.unfrozen", "tokens.frozen"]) },
      order: { seq: "ASC" },
    });
    const reports = await this.db.manager.find(MonitoringReport, {
      where: { account: lower },
      order: { eventSeq: "ASC" },
    });
    return {
      address: a,
      identity: row
        ? {
            kind: row.kind,
            identity: parseJson<Record<string, unknown>>(row.identity),
            identityHash: row.identityHash,
            status: row.status,
            registeredAt: row.createdAt,
            updatedAt: row.updatedAt,
          }
        : null,
      onChain: onChain?.onChain ?? null,
      holdings,
      movements: {
        items: movements.items.map((e) => {
          const p = JSON.parse(e.payload) as RecordPostedPayload;
          return {
            eventSeq: e.seq,
            ...p,
            postedAt: postedAtIso(p.postedAt),
            direction: p.from.toLowerCase() === lower ? "out" : "in",
          };
        }),
        last: movements.last,
      },
      acknowledgements: onChain?.acknowledgements ?? [],
      freezes: freezeEvents.map((e) => {
        const p = JSON.parse(e.payload) as Record<string, unknown>;
        return {
          eventSeq: e.seq,
          type: e.type,
          assetId: e.assetId,
          orderedBy: checksummed(p.by ?? p.orderedBy ?? null),
          byAuthority: typeof p.byAuthority === "boolean" ? p.byAuthority : null,
          reason: p.reason ?? null,
          amount: p.amount ?? null,
          at: timeOf(p.at ?? p.blockTime ?? e.createdAt),
          txHash: p.txHash ?? null,
          blockNumber: p.blockNumber ?? null,
        };
      }),
      frozen: onChain?.onChain.frozen ?? null,
      frozenByAuthority: onChain?.onChain.frozenByAuthority ?? null,
      reports: reports.map(viewReport),
    };
  }
}

/**
 * The monitoring worker: reads the event log in `seq` order from its persisted cursor (one instance at a time,
 * under a lease) and evaluates every enabled rule against each `record.posted` event. Reports, the movement rows
 * for window totals, the `alert.raised` events and the cursor are written in one transaction per record, so a
 * restart neither loses nor repeats a report.
 */
export class MonitoringWorker {
  private readonly ticker: Ticker;
  private stopping = false;
  static readonly NAME = "monitoring";

  constructor(
    private readonly db: Database,
    private readonly settings: SupervisionSettings,
    private readonly log: Logger,
    private readonly instanceId: string,
  ) {
    this.ticker = new Ticker(settings.monitoringIntervalMs, () => this.tick());
  }

  start(): void {
    this.stopping = false;
    this.ticker.start();
  }

  wake(): void {
    this.ticker.wake();
  }

  /** Stops after the record being evaluated (its transaction commits or not as a whole). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.ticker.stop();
    await releaseWorkerLease(this.db, MonitoringWorker.NAME, this.instanceId).catch(() => undefined);
  }

  /** Processes everything available now (also used by tests and the CLI). */
  async tick(): Promise<void> {
    try {
      const lease = await acquireWorkerLease(
        this.db,
        MonitoringWorker.NAME,
        this.instanceId,
        this.settings.monitoringIntervalMs * 5 + 30_000,
      );
      if (!lease) return;
      let cursor = lease.cursorSeq;
      while (!this.stopping) {
        const events = await readEventsAfter(this.db.manager, cursor, 200, this.settings.gapGraceMs);
        if (!events.length) break;
        const rules = await this.db.manager.find(MonitoringRule, { where: { enabled: 1 } });
        const values = new Map((await this.db.manager.find(AssetValue)).map((v) => [v.assetId, toMicro(v.unitValue)]));
        for (const e of events) {
          if (this.stopping) return;
          if (e.type !== "record.posted") continue;
          await this.db.transaction(async (em) => {
            await this.evaluate(em, e, rules, values);
            await em.update(
              SupervisionWorker,
              { name: MonitoringWorker.NAME },
              { cursorSeq: e.seq, updatedAt: nowIso() },
            );
          });
          cursor = e.seq;
        }
        const last = events[events.length - 1].seq;
        if (last !== cursor) {
          await this.db.transaction((em) =>
            em.update(SupervisionWorker, { name: MonitoringWorker.NAME }, { cursorSeq: last, updatedAt: nowIso() }),
          );
          cursor = last;
        }
      }
    } catch (err) {
      this.log.error({ err }, "monitoring tick failed; will retry");
    }
  }

  private async evaluate(
    em: EntityManager,
    e: PlatformEvent,
    rules: MonitoringRule[],
    values: Map<string, bigint>,
  ): Promise<void> {
    const p = JSON.parse(e.payload) as RecordPostedPayload;
    const assetId = String(p.assetId);
    const amount = BigInt(p.amount);
    const postedAt = postedAtIso(p.postedAt);
    const from = p.from.toLowerCase();
    const to = p.to.toLowerCase();
    const sides: { account: string; direction: "in" | "out" }[] = [];
    if (from !== ZERO) sides.push({ account: from, direction: "out" });
    if (to !== ZERO && to !== from) sides.push({ account: to, direction: "in" });
    for (const s of sides) {
      if (!(await em.existsBy(MonitoringMovement, { eventSeq: e.seq, account: s.account }))) {
        await em.insert(MonitoringMovement, {
          id: randomUUID(),
          eventSeq: e.seq,
          assetId,
          account: s.account,
          direction: s.direction,
          amount: amount.toString(),
          postedAt,
        });
      }
    }
    const movement = {
      eventSeq: e.seq,
      assetId,
      sequence: String(p.sequence),
      from: getAddress(p.from),
      to: getAddress(p.to),
      amount: amount.toString(),
      postedAt,
      txHash: p.txHash ?? null,
    };
    const unitValue = values.get(assetId);
    for (const rule of rules) {
      if (rule.assetId && rule.assetId !== assetId) continue;
      if (rule.kind === "single-movement") {
        const units = rule.thresholdUnits !== null ? amount >= BigInt(rule.thresholdUnits) : false;
        const value =
          rule.thresholdValue !== null && unitValue !== undefined
            ? amount * unitValue >= toMicro(rule.thresholdValue)
            : false;
        if (units || value) {
          await this.report(em, rule, e.seq, assetId, sides[0]?.account ?? to, {
            movement,
            thresholdUnits: rule.thresholdUnits,
            thresholdValue: rule.thresholdValue,
            ...(unitValue !== undefined ? { declaredValue: fromMicro(amount * unitValue) } : {}),
          });
        }
      } else if (rule.kind === "window-aggregate") {
        for (const s of sides)
          await this.windowRule(em, rule, e, s.account, assetId, amount, postedAt, values, movement);
      } else {
        for (const s of sides) {
          const freeze = await this.freezeInForce(em, s.account, assetId, e);
          if (freeze)
            await this.report(em, rule, e.seq, assetId, s.account, {
              movement,
              freeze: { type: freeze.type, eventSeq: freeze.seq, ...freeze.payload },
            });
        }
      }
    }
  }

  /** Reports when this movement makes the participant's total over the window pass the threshold. */
  private async windowRule(
    em: EntityManager,
    rule: MonitoringRule,
    e: PlatformEvent,
    account: string,
    assetId: string,
    amount: bigint,
    postedAt: string,
    values: Map<string, bigint>,
    movement: Record<string, unknown>,
  ): Promise<void> {
    const since = new Date(Date.parse(postedAt) - (rule.windowSeconds ?? 0) * 1000).toISOString();
    const byUnits = rule.thresholdUnits !== null;
    const qb = em
      .getRepository(MonitoringMovement)
      .createQueryBuilder("m")
      .where("m.account = :account", { account })
      .andWhere("m.posted_at >= :since AND m.posted_at <= :until", { since, until: postedAt })
      .andWhere("m.event_seq <= :seq", { seq: e.seq });
    // Units of different assets do not add up: a unit threshold without an asset counts this record's asset.
    if (rule.assetId || byUnits) qb.andWhere("m.asset_id = :asset", { asset: rule.assetId ?? assetId });
    const rows = await qb.getMany();
    const measure = (m: { assetId: string; amount: string }): bigint | null => {
      if (byUnits) return BigInt(m.amount);
      const v = values.get(m.assetId);
      return v === undefined ? null : BigInt(m.amount) * v;
    };
    const current = measure({ assetId, amount: amount.toString() });
    if (current === null) return;
    let total = 0n;
    let count = 0;
    for (const m of rows) {
      const v = measure(m);
      if (v === null) continue;
      total += v;
      count += 1;
    }
    const threshold = byUnits ? BigInt(rule.thresholdUnits!) : toMicro(rule.thresholdValue!);
    const before = total - current;
    if (count >= (rule.minCount ?? 2) && total >= threshold && before < threshold) {
      await this.report(em, rule, e.seq, assetId, account, {
        movement,
        windowSeconds: rule.windowSeconds,
        since,
        movements: count,
        ...(byUnits
          ? { totalUnits: total.toString(), thresholdUnits: rule.thresholdUnits }
          : { totalValue: fromMicro(total), thresholdValue: rule.thresholdValue }),
        eventSeqs: rows.map((m) => m.eventSeq),
      });
    }
  }

  /**
   * The freeze order in force on the account (or on its units of the asset) when the record was posted. Order is
   * the chain's (block, log index) when both events carry it — the mirror may append one block range's records
   * before its register changes — else the log's `seq`.
   */
  private async freezeInForce(
    em: EntityManager,
    account: string,
    assetId: string,
    record: PlatformEvent,
  ): Promise<FreezeInForce | null> {
    const rp = JSON.parse(record.payload) as RecordPostedPayload;
    const before = (e: PlatformEvent, p: Record<string, unknown>): boolean => {
      if (typeof rp.blockNumber === "number" && typeof p.blockNumber === "number") {
        const li = typeof p.logIndex === "number" ? p.logIndex : -1;
        return p.blockNumber < rp.blockNumber || (p.blockNumber === rp.blockNumber && li < (rp.logIndex ?? 0));
      }
      return e.seq < record.seq;
    };
    const latest = async (
      where: string,
      params: Record<string, unknown>,
    ): Promise<{ e: PlatformEvent; p: Record<string, unknown> } | null> => {
      const rows = await em
        .getRepository(PlatformEvent)
        .createQueryBuilder("e")
        .where(where, params)
        .orderBy("e.seq", "ASC")
        .getMany();
      let found: { e: PlatformEvent; p: Record<string, unknown> } | null = null;
      for (const e of rows) {
        const p = JSON.parse(e.payload) as Record<string, unknown>;
        if (!before(e, p)) continue;
        if (!found || this.earlier(found, { e, p })) found = { e, p };
      }
      return found;
    };
    const participant = await latest("e.account = :account AND e.type IN (:...types)", {
      account,
      types: ["participant.frozen", "participant.unfrozen"],
    });
    if (participant?.e.type === "participant.frozen")
      return { type: "participant.frozen", seq: participant.e.seq, payload: participant.p };
    const units = await latest("e.account = :account AND e.asset_id = :asset AND e.type = :type", {
      account,
      asset: assetId,
      type: "tokens.frozen",
    });
    if (units && BigInt(String((units.p.amount as string | number | undefined) ?? "0")) > 0n)
      return { type: "tokens.frozen", seq: units.e.seq, payload: units.p };
    return null;
  }

  /** Whether `a` comes before `b`: by (block, log index) when both carry them, else by the log's seq. */
  private earlier(
    a: { e: PlatformEvent; p: Record<string, unknown> },
    b: { e: PlatformEvent; p: Record<string, unknown> },
  ): boolean {
    if (typeof a.p.blockNumber !== "number" || typeof b.p.blockNumber !== "number") return a.e.seq < b.e.seq;
    const la = typeof a.p.logIndex === "number" ? a.p.logIndex : -1;
    const lb = typeof b.p.logIndex === "number" ? b.p.logIndex : -1;
    return (
      a.p.blockNumber < b.p.blockNumber ||
      (a.p.blockNumber === b.p.blockNumber && (la < lb || (la === lb && a.e.seq < b.e.seq)))
    );
  }

  private async report(
    em: EntityManager,
    rule: MonitoringRule,
    eventSeq: number,
    assetId: string,
    account: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    if (await em.existsBy(MonitoringReport, { ruleId: rule.id, eventSeq, account })) return;
    const report = Object.assign(new MonitoringReport(), {
      id: randomUUID(),
      ruleId: rule.id,
      ruleKind: rule.kind,
      status: "open",
      assetId,
      account,
      eventSeq,
      detail: JSON.stringify({ ruleName: rule.name, ...detail }),
      acknowledgedBy: null,
      acknowledgedAt: null,
      closedBy: null,
      closedAt: null,
      note: null,
      createdAt: nowIso(),
    } satisfies MonitoringReport);
    await em.insert(MonitoringReport, report);
    await appendEvent(em, {
      type: "alert.raised",
      assetId,
      account,
      payload: {
        source: "monitoring",
        reportId: report.id,
        ruleId: rule.id,
        ruleName: rule.name,
        ruleKind: rule.kind,
        assetId,
        account: getAddress(account),
        eventSeq,
        detail,
      },
    });
    this.log.info({ report: report.id, rule: rule.name, account }, "monitoring report raised");
  }
}
