import "reflect-metadata";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { Config } from "./config";
import { openDatabase } from "./persistence/data-source";
import { GATEWAY_MODEL } from "./database-model";
import type { Database } from "./persistence/data-source";
import { LedgerClient } from "./chain/ledger";
import { Submitter } from "./outbox/submitter";
import { ApiKeyService } from "./services/api-keys";
import { AuditService } from "./services/audit";
import { IdempotencyService } from "./services/idempotency";
import { OperationService } from "./services/operations";
import { TransferService } from "./services/transfers";
import { ParticipantService } from "./services/participants";
import { DisclosureService } from "./services/disclosures";
import { RegistryService } from "./services/registry";
import { IssuanceService } from "./services/issuance";
import { AssetService } from "./services/assets";
import { RoleService } from "./services/roles";
import { SessionService } from "./services/sessions";
import { SelfService } from "./services/self-service";
import { HealthService } from "./services/health";
import { RequestOutcomes } from "./services/request-outcome";
import { DocumentUriPolicy } from "./services/document-uri";
import { Supervision } from "./supervision";
import { buildApp } from "./http/app";
import { createMirror } from "./mirror";
import { GatewayMetrics, metricsServer } from "./http/metrics";
import type { AppContext } from "./context";

export interface Gateway {
  /** `metricsUrl`: the separate metrics port's /metrics, when METRICS_PORT is set. */
  start(): Promise<{ url: string; port: number; metricsUrl?: string }>;
  stop(): Promise<void>;
  readonly dataSource: DataSource;
  readonly context: AppContext;
  /** What the composition root wires the services with: for tests, scripts and tools, never for routes. */
  readonly internals: { db: Database; chain: LedgerClient; submitter: Submitter };
}

export function createLogger(config: Pick<Config, "logLevel">): Logger {
  return pino({
    level: config.logLevel,
    base: { service: "gateway" },
    redact: ["*.privateKey", "*.secret", "*.password", "config.operatorKey", "config.authorityKey"],
  });
}

/** Builds the gateway: database (migrated), chain client (chain id checked), submitter, services, HTTP app. */
export async function createGateway(config: Config, logger?: Logger): Promise<Gateway> {
  const log = logger ?? createLogger(config);
  const chain = await LedgerClient.connect(config);
  let db: Database;
  try {
    db = await openDatabase(config.database, GATEWAY_MODEL);
  } catch (err) {
    await chain.destroy();
    throw err;
  }
  const submitter = new Submitter(db, chain, config, log.child({ component: "submitter" }));
  const metrics = new GatewayMetrics(log.child({ component: "metrics" }));
  submitter.observer = metrics;
  const idempotency = new IdempotencyService(db, {
    staleMs: config.idempotencyStaleMs ?? Math.max(120_000, config.waitTimeoutMs + 60_000),
    retentionMs: (config.idempotencyRetentionHours ?? 168) * 3_600_000,
  });
  const operations = new OperationService(db, chain, submitter);
  const documentUris = new DocumentUriPolicy(config.documentUriAllowHttp ?? false);
  const transfers = new TransferService(db, chain, operations, idempotency, config.maxWaitingPerHolder);
  const disclosures = new DisclosureService(db, chain, operations, idempotency, submitter, documentUris);
  const audit = new AuditService(db);
  const mirror = createMirror(db, chain, config, log.child({ component: "mirror" }), () => submitter.lastPostedBlock);
  const ctx: AppContext = {
    config,
    log,
    idempotency,
    apiKeys: new ApiKeyService(db),
    audit,
    requests: new RequestOutcomes(db, idempotency, audit),
    state: { shuttingDown: false },
    mirror,
    metrics,
    services: {
      operations,
      transfers,
      participants: new ParticipantService(db, chain, operations, idempotency, submitter, mirror),
      disclosures,
      self: new SelfService(chain, transfers, disclosures),
      registry: new RegistryService(chain, operations, idempotency),
      issuance: new IssuanceService(db, chain, operations, idempotency, submitter, documentUris),
      assets: new AssetService(chain, operations, idempotency, documentUris),
      roles: new RoleService(db, chain, operations, idempotency, mirror),
      sessions: new SessionService(
        db,
        {
          nonceTtlMs: 10 * 60_000,
          maxMessageAgeMs: 10 * 60_000,
          sessionTtlMs: (config.sessionTtlMinutes ?? 12 * 60) * 60_000,
        },
        chain.provider,
      ),
      health: new HealthService(db, chain),
      supervision: new Supervision({ db, chain, config, log, participants: () => ctx.services.participants }),
    },
  };
  ctx.services.supervision.dispatcher.observer = metrics;
  metrics.attach({
    gauges: () => ctx.services.health.gauges(),
    inFlight: () => submitter.inFlight(),
    indexerPass: () => ctx.mirror.indexer.lastSync,
    instanceId: ctx.services.supervision.instanceId,
  });
  const app = buildApp(ctx);
  let server: Server | null = null;
  let metricsListener: Server | null = null;
  let stopped = false;

  return {
    dataSource: db.dataSource,
    context: ctx,
    internals: { db, chain, submitter },
    async start() {
      await submitter.start();
      ctx.mirror.indexer.start();
      ctx.services.supervision.start();
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.port, config.host, () => resolve(s));
        s.once("error", reject);
      });
      server.keepAliveTimeout = 5_000;
      const port = (server.address() as AddressInfo).port;
      const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
      let metricsUrl: string | undefined;
      if (config.metricsPort !== undefined) {
        const m = metricsServer(metrics, log.child({ component: "metrics" }));
        metricsListener = await new Promise<Server>((resolve, reject) => {
          m.listen(config.metricsPort, config.host, () => resolve(m));
          m.once("error", reject);
        }).catch((err: Error) => {
          server?.close();
          throw new Error(`metrics port ${config.metricsPort}: ${err.message}`);
        });
        metricsUrl = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${(m.address() as AddressInfo).port}/metrics`;
      }
      // How each lane signs (key, keystore or remote); never a key.
      const signers = Object.fromEntries(
        (["operator", "authority"] as const).filter((n) => chain.hasSigner(n)).map((n) => [n, chain.signer(n).kind]),
      );
      log.info(
        {
          url,
          chainId: chain.chainId.toString(),
          ledger: chain.deployment.ledger,
          operator: chain.operatorAddress,
          signers,
          database: config.database.type,
          ...(metricsUrl ? { metrics: metricsUrl } : {}),
        },
        "gateway started",
      );
      return { url, port, metricsUrl };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      ctx.state.shuttingDown = true;
      // Stop accepting connections; in-flight requests finish.
      const closed = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
      metricsListener?.close();
      metricsListener?.closeAllConnections();
      server?.closeIdleConnections();
      // Finish the submitter's current step (its bookkeeping), then close the server, then the database.
      await submitter.stop();
      await ctx.mirror.indexer.stop();
      await ctx.services.supervision.stop();
      const timer = setTimeout(() => server?.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
      await db.close();
      await chain.destroy();
      log.info("gateway stopped");
    },
  };
}
