import { createServer } from "node:http";
import type { Server } from "node:http";
import type { Express, NextFunction, Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { AppContext } from "../context";
import type { DatabaseGauges } from "../services/health";
import { AppError } from "../errors";
import { authenticate } from "./route";

/** Who may scrape GET /metrics with an API key. */
export const METRICS_ROLES = ["monitor", "authority"] as const;

/** What the metrics read on a scrape (the parts of the gateway they watch). */
export interface MetricsSources {
  /** What the database holds at scrape time (operations by kind, state and signer; mirror faults; worker leases). */
  gauges(): Promise<DatabaseGauges>;
  /** Transactions in flight per lane (signing key). */
  inFlight(): Array<{ signer: string; address: string; count: number }>;
  /** The indexer's last pass: the chain head it saw and the block the mirror reached (null before the first pass). */
  indexerPass(): { at: string; head: number; block: number } | null;
  /** This gateway instance (the holder name its worker leases carry). */
  instanceId: string;
}

const TIME_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * The gateway's Prometheus metrics, in a registry of its own (several gateways may share a process). Counters and
 * histograms are observed where things happen (requests, the submitter, the webhook dispatcher); gauges of the
 * database (operations, outbox, faults, leases) are read on each scrape with a few cheap aggregate queries.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<"method" | "route" | "status">;
  readonly batchSize: Histogram<"signer">;
  readonly acceptanceToPosting: Histogram<"kind">;
  readonly webhookDeliveries: Counter<"outcome">;
  readonly webhookLag: Histogram<never>;
  private readonly operations: Gauge<"kind" | "state">;
  private readonly outboxDepth: Gauge<"signer">;
  private readonly outboxOldest: Gauge<"signer">;
  private readonly inFlight: Gauge<"signer" | "address">;
  private readonly indexerLag: Gauge<never>;
  private readonly indexerLastPass: Gauge<never>;
  private readonly mirrorFaults: Gauge<never>;
  private readonly workerLease: Gauge<"worker" | "holder">;
  private readonly databaseUp: Gauge<never>;
  private sources: MetricsSources | null = null;

  constructor(private readonly log?: Logger) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: "gateway_http_request_duration_seconds",
      help: "HTTP request latency by method, route (the OpenAPI path template) and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.batchSize = new Histogram({
      name: "gateway_batch_size",
      help: "Transfers per batch transaction sent by the submitter",
      labelNames: ["signer"],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    });
    this.acceptanceToPosting = new Histogram({
      name: "gateway_acceptance_to_posting_seconds",
      help: "Time from an operation's acceptance to its settlement as posted, by kind",
      labelNames: ["kind"],
      buckets: TIME_BUCKETS,
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: "gateway_webhook_deliveries_total",
      help: "Webhook delivery attempts by outcome (delivered, failed: retried later)",
      labelNames: ["outcome"],
      registers,
    });
    this.webhookLag = new Histogram({
      name: "gateway_webhook_delivery_lag_seconds",
      help: "Time from an event's creation to its successful webhook delivery",
      buckets: TIME_BUCKETS,
      registers,
    });
    this.operations = new Gauge({
      name: "gateway_operations",
      help: "Operations in the database by kind and state",
      labelNames: ["kind", "state"],
      registers,
    });
    this.outboxDepth = new Gauge({
      name: "gateway_outbox_depth",
      help: "Operations not yet settled (pending or submitted), by signer",
      labelNames: ["signer"],
      registers,
    });
    this.outboxOldest = new Gauge({
      name: "gateway_outbox_oldest_pending_age_seconds",
      help: "Age of the oldest pending operation, by signer (0: none)",
      labelNames: ["signer"],
      registers,
    });
    this.inFlight = new Gauge({
      name: "gateway_transactions_in_flight",
      help: "Transactions sent and not yet settled, per signing key",
      labelNames: ["signer", "address"],
      registers,
    });
    this.indexerLag = new Gauge({
      name: "gateway_indexer_lag_blocks",
      help: "Chain head less the mirror's cursor, at the indexer's last pass",
      registers,
    });
    this.indexerLastPass = new Gauge({
      name: "gateway_indexer_last_pass_timestamp_seconds",
      help: "When the indexer's last pass ended (Unix time)",
      registers,
    });
    this.mirrorFaults = new Gauge({
      name: "gateway_mirror_faults",
      help: "Ledger logs the mirror could not read as declared (GET /v1/mirror/faults)",
      registers,
    });
    this.workerLease = new Gauge({
      name: "gateway_worker_lease",
      help: "Worker leases (supervision workers, signer lanes lane:operator and lane:authority): 1 for the holder now",
      labelNames: ["worker", "holder"],
      registers,
    });
    this.databaseUp = new Gauge({
      name: "gateway_metrics_database_up",
      help: "1 when the scrape could read the database's gauges, else 0",
      registers,
    });
  }

  /** Connects the scrape-time gauges to what they read; called once the gateway is assembled. */
  attach(sources: MetricsSources): void {
    this.sources = sources;
    new Gauge({
      name: "gateway_instance_info",
      help: "This gateway instance (the holder name of its worker leases)",
      labelNames: ["instance_id"],
      registers: [this.registry],
    }).set({ instance_id: sources.instanceId }, 1);
  }

  // ------------------------------------------------------------------ observation points

  /** The submitter sent a transfer batch transaction. */
  batchSent(signer: string, size: number): void {
    this.batchSize.observe({ signer }, size);
  }

  /** An operation settled as posted (after its database transaction committed). */
  posted(op: { kind: string; createdAt: string }): void {
    this.acceptanceToPosting.observe({ kind: op.kind }, Math.max(0, (Date.now() - Date.parse(op.createdAt)) / 1000));
  }

  /** A webhook delivery attempt ended; `eventCreatedAt` for a successful one. */
  webhookDelivery(ok: boolean, eventCreatedAt?: string): void {
    this.webhookDeliveries.inc({ outcome: ok ? "delivered" : "failed" });
    if (ok && eventCreatedAt) this.webhookLag.observe(Math.max(0, (Date.now() - Date.parse(eventCreatedAt)) / 1000));
  }

  /** Times every request, labelled by its route's template once routed ("unmatched" when no route took it). */
  httpMiddleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const end = this.httpDuration.startTimer();
      res.once("finish", () => end({ method: req.method, route: routeTemplate(req), status: String(res.statusCode) }));
      next();
    };
  }

  // ------------------------------------------------------------------ scrape

  /** Reads the database's gauges and the components' state, then renders the registry. */
  async render(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  private async refresh(): Promise<void> {
    const s = this.sources;
    if (!s) return;
    this.inFlight.reset();
    for (const lane of s.inFlight()) this.inFlight.set({ signer: lane.signer, address: lane.address }, lane.count);
    const pass = s.indexerPass();
    if (pass) {
      this.indexerLag.set(Math.max(0, pass.head - pass.block));
      this.indexerLastPass.set(Date.parse(pass.at) / 1000);
    }
    try {
      const now = Date.now();
      const { operations: rows, mirrorFaults: f, leases } = await s.gauges();
      this.operations.reset();
      this.outboxDepth.reset();
      this.outboxOldest.reset();
      for (const signer of ["operator", "authority"]) {
        this.outboxDepth.set({ signer }, 0);
        this.outboxOldest.set({ signer }, 0);
      }
      const oldest = new Map<string, number>();
      for (const r of rows) {
        this.operations.inc({ kind: r.kind, state: r.status }, Number(r.n));
        if (r.status === "pending" || r.status === "submitted") this.outboxDepth.inc({ signer: r.signer }, Number(r.n));
        if (r.status === "pending" && r.oldest)
          oldest.set(r.signer, Math.min(oldest.get(r.signer) ?? Infinity, Date.parse(r.oldest)));
      }
      for (const [signer, at] of oldest) this.outboxOldest.set({ signer }, Math.max(0, (now - at) / 1000));
      this.mirrorFaults.set(Number(f));
      this.workerLease.reset();
      for (const l of leases) {
        const held = l.lease_owner !== null && l.lease_until !== null && Date.parse(l.lease_until) > now;
        this.workerLease.set({ worker: l.name, holder: held ? l.lease_owner! : "" }, held ? 1 : 0);
      }
      this.databaseUp.set(1);
    } catch (err) {
      // The process and in-memory metrics are still served: a database outage is what they should show.
      this.databaseUp.set(0);
      this.log?.warn({ err }, "metrics: the database's gauges could not be read");
    }
  }
}

/** The OpenAPI path template of the route that handled the request: /v1/operations/{id}, never the raw URL. */
function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== "string") return "unmatched";
  return (req.baseUrl + path).replace(/:(\w+)/g, "{$1}");
}

/**
 * GET /metrics (Prometheus text format), for the monitor and authority roles with their API key (Bearer); mounted
 * after the caller is resolved and rate-limited. Also installs the request timer for the routes mounted after it.
 */
export function mountMetrics(app: Express, ctx: AppContext): void {
  app.use(ctx.metrics.httpMiddleware());
  app.get("/metrics", async (req: Request, res: Response) => {
    const client = await authenticate(ctx, req);
    if (!(METRICS_ROLES as readonly string[]).includes(client.role))
      throw new AppError("FORBIDDEN", { role: client.role, allowed: METRICS_ROLES });
    const body = await ctx.metrics.render();
    res.set("Content-Type", ctx.metrics.registry.contentType).set("Cache-Control", "no-store").send(body);
  });
}

/**
 * The metrics on a port of their own (METRICS_PORT, bound to HOST), without an API key: for a Prometheus that
 * reaches this port only (keep it off public networks). GET /metrics; anything else is 404.
 */
export function metricsServer(metrics: GatewayMetrics, log?: Logger): Server {
  return createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    metrics.render().then(
      (body) =>
        res.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" }).end(body),
      (err: unknown) => {
        log?.error({ err }, "metrics: rendering failed");
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n");
      },
    );
  });
}
