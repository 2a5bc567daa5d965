import { randomUUID } from "node:crypto";
import { getAddress, keccak256 } from "ethers";
import type { EntityManager } from "typeorm";
import type { Logger } from "pino";
import type { Database } from "../persistence/data-source";
import { keyset, pageOf } from "../persistence/keyset";
import type { KeyValue } from "../persistence/keyset";
import type { LedgerClient } from "../chain/ledger";
import { appendEvent } from "../persistence/event-log";
import { MirrorAsset } from "../mirror/entities";
import { AppError } from "../errors";
import { Alert, DecisionCheck } from "./entities";
import type { AlertKind, AlertStatus, CheckOutcome } from "./entities";
import type { SupervisionSettings } from "./settings";
import { acquireWorkerLease, nowIso, parseJson, Ticker } from "./util";
import { withDeadline } from "../deadline";
import type { EgressPolicy } from "./egress";
import { ASSET_STATUSES, enumMember } from "../domain/ledger-enums";

/** An asset whose decision must stay published: status Active or Suspended (not yet Closed). */
export interface DecisionTarget {
  assetId: string;
  status: "Active" | "Suspended" | "Closed";
  issuer: string;
  decisionHash: string;
  decisionURI: string;
  /**
   * The URI's exact bytes (hex) when they are not UTF-8 (any client of the ledger can post such a URI):
   * `decisionURI` is then their readable form, another address, so it is not fetched.
   */
  decisionUriHex?: string;
}

/** Where the assets to check come from: the mirror when it has them, else the chain. */
export interface DecisionTargetSource {
  targets(): Promise<DecisionTarget[]>;
}

/** Reads every asset from the ledger (`assetCount`, `assetInfo`). */
export class ChainDecisionTargets implements DecisionTargetSource {
  constructor(private readonly chain: LedgerClient) {}

  async targets(): Promise<DecisionTarget[]> {
    const count = Number(await this.chain.ledger.assetCount());
    const out: DecisionTarget[] = [];
    for (let id = 1; id <= count; id++) {
      const t = await this.target(String(id));
      if (t) out.push(t);
    }
    return out;
  }

  /** One asset as the chain has it now; null when there is no such asset. */
  async target(assetId: string): Promise<DecisionTarget | null> {
    const { value: info, texts } = await this.chain.view(this.chain.ledger.assetInfo, [assetId]);
    const status = enumMember(ASSET_STATUSES, info.status);
    if (status === "None") return null;
    const illFormed = texts.find((t) => t.arg === "decisionURI");
    return {
      assetId,
      status,
      issuer: info.issuer,
      decisionHash: info.decisionHash,
      decisionURI: info.decisionURI,
      ...(illFormed ? { decisionUriHex: illFormed.hex } : {}),
    };
  }
}

/**
 * Reads the assets from the record mirror (`mirror_assets`, kept by the indexer); while the mirror holds no
 * asset yet (indexer disabled or still catching up from an empty database), from the chain.
 */
export class MirrorDecisionTargets implements DecisionTargetSource {
  private readonly fallback: ChainDecisionTargets;

  constructor(
    private readonly db: Database,
    chain: LedgerClient,
  ) {
    this.fallback = new ChainDecisionTargets(chain);
  }

  async targets(): Promise<DecisionTarget[]> {
    const rows = await this.db.manager.find(MirrorAsset, { order: { assetId: "ASC" } });
    if (!rows.length) return this.fallback.targets();
    const out: DecisionTarget[] = [];
    for (const r of rows) {
      if (
        (r.status !== "Active" && r.status !== "Suspended" && r.status !== "Closed") ||
        !r.decisionHash ||
        !r.decisionUri ||
        !r.issuer
      )
        continue;
      if (r.decisionUri.includes("\ufffd")) {
        // Perhaps the mirror's readable form of a URI that is not UTF-8 on chain: the chain tells, with the bytes.
        const t = await this.fallback.target(r.assetId);
        if (t) out.push(t);
        continue;
      }
      out.push({
        assetId: r.assetId,
        status: r.status,
        issuer: getAddress(r.issuer),
        decisionHash: r.decisionHash,
        decisionURI: r.decisionUri,
      });
    }
    return out.sort((x, y) => (BigInt(x.assetId) < BigInt(y.assetId) ? -1 : 1));
  }
}

export interface FetchResult {
  outcome: CheckOutcome;
  httpStatus: number | null;
  actualHash: string | null;
  error: string | null;
}

/**
 * Fetches a decision document and compares keccak256(document bytes) with the hash recorded on chain. Only the
 * URI the asset declares is fetched (http or https, no redirects followed), with a timeout and a size limit.
 */
export async function fetchDecision(
  uri: string,
  expectedHash: string,
  timeoutMs: number,
  maxBytes: number,
  egress: EgressPolicy,
  stop?: AbortSignal,
): Promise<FetchResult> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { outcome: "unreachable", httpStatus: null, actualHash: null, error: "the decision URI is not a URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { outcome: "unreachable", httpStatus: null, actualHash: null, error: `unsupported scheme ${url.protocol}` };
  const refusal = await egress.refusal(url);
  if (refusal) return { outcome: "unreachable", httpStatus: null, actualHash: null, error: refusal };
  try {
    return await withDeadline(timeoutMs, stop, async (signal): Promise<FetchResult> => {
      const res = await fetch(url, {
        redirect: "manual",
        signal,
        headers: { "user-agent": "sda-gateway-decision-check/1" },
      });
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel().catch(() => undefined);
        const where = res.headers.get("location");
        return {
          outcome: "unreachable",
          httpStatus: res.status,
          actualHash: null,
          error: where ? `redirect to ${where} (not followed)` : `the server answered ${res.status}`,
        };
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      if (res.body) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          size += chunk.byteLength;
          if (size > maxBytes) {
            return {
              outcome: "unreachable",
              httpStatus: res.status,
              actualHash: null,
              error: `document larger than ${maxBytes} bytes`,
            };
          }
          chunks.push(chunk);
        }
      }
      const actualHash = keccak256(Buffer.concat(chunks));
      return actualHash.toLowerCase() === expectedHash.toLowerCase()
        ? { outcome: "ok", httpStatus: res.status, actualHash, error: null }
        : {
            outcome: "changed",
            httpStatus: res.status,
            actualHash,
            error: "the document's keccak256 differs from the decision hash on chain",
          };
    });
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const error =
      e.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : `${e.message}${e.cause ? `: ${e.cause.message}` : ""}`;
    return { outcome: "unreachable", httpStatus: null, actualHash: null, error };
  }
}

export function viewAlert(a: Alert) {
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    assetId: a.assetId,
    issuer: a.account ? getAddress(a.account) : null,
    detail: parseJson<Record<string, unknown>>(a.detail),
    occurrences: a.occurrences,
    raisedAt: a.raisedAt,
    lastSeenAt: a.lastSeenAt,
    resolvedAt: a.resolvedAt,
    resolution: a.resolution,
  };
}

export function viewCheck(c: DecisionCheck) {
  return {
    id: c.id,
    assetId: c.assetId,
    uri: c.uri,
    expectedHash: c.expectedHash,
    actualHash: c.actualHash,
    outcome: c.outcome,
    httpStatus: c.httpStatus,
    error: c.error,
    durationMs: c.durationMs,
    checkedAt: c.checkedAt,
  };
}

/** Alerts (decision availability) and the history of decision checks, read through the API. */
export class AlertService {
  constructor(private readonly db: Database) {}

  async list(q: {
    status?: AlertStatus;
    assetId?: string;
    kind?: AlertKind;
    issuer?: string;
    limit: number;
    after: KeyValue[] | null;
  }) {
    const qb = this.db.manager.getRepository(Alert).createQueryBuilder("a");
    if (q.status) qb.andWhere("a.status = :status", { status: q.status });
    if (q.assetId) qb.andWhere("a.asset_id = :asset", { asset: q.assetId });
    if (q.kind) qb.andWhere("a.kind = :kind", { kind: q.kind });
    if (q.issuer) qb.andWhere("a.account = :issuer", { issuer: q.issuer.toLowerCase() });
    const rows = await keyset(qb, ["a.raised_at", "a.id"], "DESC", q.after, q.limit).getMany();
    return pageOf(rows, q.limit, (a) => [a.raisedAt, a.id], viewAlert);
  }

  async get(id: string) {
    const a = await this.db.manager.findOneBy(Alert, { id });
    if (!a) throw new AppError("ALERT_NOT_FOUND", { id });
    return viewAlert(a);
  }

  async checks(q: { assetId?: string; outcome?: CheckOutcome; limit: number; after: KeyValue[] | null }) {
    const qb = this.db.manager.getRepository(DecisionCheck).createQueryBuilder("c");
    if (q.assetId) qb.andWhere("c.asset_id = :asset", { asset: q.assetId });
    if (q.outcome) qb.andWhere("c.outcome = :outcome", { outcome: q.outcome });
    const rows = await keyset(qb, ["c.checked_at", "c.id"], "DESC", q.after, q.limit).getMany();
    return pageOf(rows, q.limit, (c) => [c.checkedAt, c.id], viewCheck);
  }
}

/**
 * The decision-availability check (Art. 7.1): every `decisionCheckIntervalMs`, one gateway instance (the one
 * holding the round's lease) fetches the decision URI of each asset not yet Closed, verifies its keccak256 against
 * the decision hash on chain and records the result. An unreachable or changed document opens an alert (event
 * `alert.raised`, account = the issuer) until a check succeeds (`alert.resolved`); once the asset is Closed
 * (obligations fulfilled) it is no longer checked and its open alert is resolved.
 */
export class DecisionChecker {
  private readonly ticker: Ticker;
  private abort = new AbortController();
  static readonly NAME = "decision-check";

  constructor(
    private readonly db: Database,
    private readonly source: DecisionTargetSource,
    private readonly settings: SupervisionSettings,
    private readonly egress: EgressPolicy,
    private readonly log: Logger,
    private readonly instanceId: string,
  ) {
    this.ticker = new Ticker(Math.min(settings.decisionCheckIntervalMs, 5_000), () => this.tick());
  }

  start(): void {
    this.abort = new AbortController();
    this.ticker.start();
  }

  /** Stops after the current asset; a fetch in flight is abandoned (not recorded). */
  stop(): Promise<void> {
    this.abort.abort(new Error("the gateway is stopping"));
    return this.ticker.stop();
  }

  /** Runs a round when one is due: the lease of a round lasts one interval, so rounds are that far apart. */
  private async tick(): Promise<void> {
    try {
      const lease = await acquireWorkerLease(
        this.db,
        DecisionChecker.NAME,
        this.instanceId,
        this.settings.decisionCheckIntervalMs,
        { renew: false },
      );
      if (!lease) return;
      // The lease is not released: it expires after one interval, when the next round is due (on any instance).
      await this.runOnce();
    } catch (err) {
      this.log.error({ err }, "decision check round failed; will retry next round");
    }
  }

  /** One round over every asset (the tests and the API call it directly). */
  async runOnce(): Promise<{ checked: number; results: { assetId: string; outcome: CheckOutcome }[] }> {
    const targets = await this.source.targets();
    const results: { assetId: string; outcome: CheckOutcome }[] = [];
    const stop = this.abort.signal;
    for (const t of targets) {
      if (stop.aborted) break;
      if (t.status === "Closed") {
        await this.db.transaction((em) =>
          this.resolve(
            em,
            t,
            "obligations fulfilled: the asset is closed and its decision no longer has to be published",
          ),
        );
        continue;
      }
      const started = Date.now();
      const r: FetchResult =
        t.decisionUriHex !== undefined
          ? {
              outcome: "unreachable",
              httpStatus: null,
              actualHash: null,
              error: `the decision URI on chain is not valid UTF-8 (bytes ${t.decisionUriHex}); not fetched`,
            }
          : await fetchDecision(
              t.decisionURI,
              t.decisionHash,
              this.settings.decisionFetchTimeoutMs,
              this.settings.decisionMaxBytes,
              this.egress,
              stop,
            );
      if (stop.aborted) break;
      const check = Object.assign(new DecisionCheck(), {
        id: randomUUID(),
        assetId: t.assetId,
        uri: t.decisionURI,
        expectedHash: t.decisionHash,
        actualHash: r.actualHash,
        outcome: r.outcome,
        httpStatus: r.httpStatus,
        error: r.error,
        durationMs: Date.now() - started,
        checkedAt: nowIso(),
      } satisfies DecisionCheck);
      await this.db.transaction(async (em) => {
        await em.insert(DecisionCheck, check);
        if (r.outcome === "ok")
          await this.resolve(em, t, `check ${check.id}: the document is reachable and matches the decision hash`);
        else await this.raise(em, t, r.outcome === "changed" ? "decision.changed" : "decision.unreachable", check);
      });
      if (r.outcome !== "ok")
        this.log.warn(
          { assetId: t.assetId, uri: t.decisionURI, outcome: r.outcome, error: r.error },
          "decision document check failed",
        );
      results.push({ assetId: t.assetId, outcome: r.outcome });
    }
    return { checked: results.length, results };
  }

  private openKey(assetId: string): string {
    return `decision:${assetId}`;
  }

  private async raise(em: EntityManager, t: DecisionTarget, kind: AlertKind, check: DecisionCheck): Promise<void> {
    const detail = JSON.stringify({
      uri: check.uri,
      expectedHash: check.expectedHash,
      actualHash: check.actualHash,
      httpStatus: check.httpStatus,
      error: check.error,
      checkId: check.id,
    });
    const open = await em.findOneBy(Alert, { openKey: this.openKey(t.assetId) });
    if (open && open.kind === kind) {
      await em.update(
        Alert,
        { id: open.id },
        { occurrences: open.occurrences + 1, lastSeenAt: check.checkedAt, detail },
      );
      return;
    }
    if (open)
      await this.close(
        em,
        open,
        `superseded: the document is now ${kind === "decision.changed" ? "changed" : "unreachable"}`,
      );
    const alert = Object.assign(new Alert(), {
      id: randomUUID(),
      kind,
      status: "open",
      assetId: t.assetId,
      account: t.issuer.toLowerCase(),
      openKey: this.openKey(t.assetId),
      detail,
      occurrences: 1,
      raisedAt: check.checkedAt,
      lastSeenAt: check.checkedAt,
      resolvedAt: null,
      resolution: null,
    } satisfies Alert);
    await em.insert(Alert, alert);
    await appendEvent(em, {
      type: "alert.raised",
      assetId: t.assetId,
      account: t.issuer,
      payload: {
        source: "decision-check",
        alertId: alert.id,
        kind,
        assetId: t.assetId,
        issuer: getAddress(t.issuer),
        ...(JSON.parse(detail) as Record<string, unknown>),
      },
    });
  }

  private async resolve(em: EntityManager, t: DecisionTarget, resolution: string): Promise<void> {
    const open = await em.findOneBy(Alert, { openKey: this.openKey(t.assetId) });
    if (open) await this.close(em, open, resolution);
  }

  private async close(em: EntityManager, a: Alert, resolution: string): Promise<void> {
    const at = nowIso();
    await em.update(Alert, { id: a.id }, { status: "resolved", openKey: null, resolvedAt: at, resolution });
    await appendEvent(em, {
      type: "alert.resolved",
      assetId: a.assetId,
      account: a.account,
      payload: {
        source: "decision-check",
        alertId: a.id,
        kind: a.kind,
        assetId: a.assetId,
        issuer: a.account ? getAddress(a.account) : null,
        resolution,
        resolvedAt: at,
      },
    });
  }
}
