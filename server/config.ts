import { z } from "zod";
import type { SupervisionSettings } from "./supervision/settings";
import { isCidr } from "./supervision/egress";
import { DATABASE_SCHEMA_RULE, isDatabaseSchema } from "./persistence/schema-name";

const hexKey = z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, "must be a 32-byte hex private key");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte hex address (0x...)");
const httpUrl = z.url().refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL");
const boolish = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const envSchema = z
  .object({
    RPC_URL: z.url().default("http://127.0.0.1:8545"),
    CHAIN_ID: z.coerce.number().int().positive().optional(),
    PUBLIC_URL: httpUrl.optional(),
    CORS_ORIGINS: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .refine(
        (list) => list.every((o) => /^https?:\/\/[^/\s]+$/i.test(o)),
        "must be a comma-separated list of origins (scheme://host[:port])",
      )
      .optional(),
    MAX_WAITING_PER_HOLDER: z.coerce.number().int().min(1).max(1_000).default(64),
    LANE_LEASE_MS: z.coerce.number().int().min(1_000).max(600_000).default(10_000),
    IDEMPOTENCY_STALE_MS: z.coerce.number().int().min(1_000).max(86_400_000).optional(),
    IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(1).max(87_600).default(168),
    SESSION_TTL_MINUTES: z.coerce.number().int().min(1).max(43_200).default(720),
    // Interval plus deadline bound how late an outage is noticed: under 2 s (/readyz and writes answer 503 by then).
    CHAIN_PROBE_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
    CHAIN_PROBE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    DEPLOYMENT_FILE: z.string().min(1).default("data/deployment.json"),
    OPERATOR_KEY: hexKey.optional(),
    OPERATOR_KEYSTORE_FILE: z.string().min(1).optional(),
    OPERATOR_KEYSTORE_PASSWORD: z.string().optional(),
    AUTHORITY_KEY: hexKey.optional(),
    OPERATOR_SIGNER_URL: httpUrl.optional(),
    OPERATOR_ADDRESS: address.optional(),
    AUTHORITY_SIGNER_URL: httpUrl.optional(),
    AUTHORITY_ADDRESS: address.optional(),
    SIGNER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
    DATABASE_SCHEMA: z.string().refine(isDatabaseSchema, DATABASE_SCHEMA_RULE).optional(),
    SQLITE_FILE: z.string().min(1).default("data/gateway.sqlite"),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default("0.0.0.0"),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    BATCH_MAX: z.coerce.number().int().min(1).max(500).default(100),
    BATCH_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(25),
    BATCH_HOLD_MS: z.coerce.number().int().min(0).max(60_000).default(250),
    MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(8),
    CONFIRMATIONS: z.coerce.number().int().min(1).max(64).default(1),
    POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
    WAIT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
    BODY_LIMIT: z.string().default("100kb"),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60_000),
    RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    SUBMITTER_ENABLED: boolish.default(true),
    SIGNATURE_THREADS: z.coerce.number().int().min(0).max(64).optional(),
    SUPERVISION_ENABLED: boolish.optional(),
    WEBHOOK_DISPATCH_INTERVAL_MS: z.coerce.number().int().min(10).max(600_000).optional(),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).optional(),
    WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).optional(),
    MONITORING_INTERVAL_MS: z.coerce.number().int().min(10).max(3_600_000).optional(),
    DECISION_CHECK_INTERVAL_MS: z.coerce.number().int().min(100).max(604_800_000).optional(),
    DECISION_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
    DECISION_MAX_BYTES: z.coerce.number().int().min(1).optional(),
    DOCUMENT_URI_ALLOW_HTTP: boolish.default(false),
    OUTBOUND_ALLOW: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .refine(
        (list) => list.every(isCidr),
        "must be a comma-separated list of networks in CIDR notation, e.g. 10.20.0.0/16,fd00::/8",
      )
      .optional(),
  })
  .superRefine((env, ctx) => {
    // Exactly one way to sign for the operator, at most one for the authority (signerWays checks it again).
    const operatorWays = [env.OPERATOR_KEY, env.OPERATOR_KEYSTORE_FILE, env.OPERATOR_SIGNER_URL].filter(Boolean).length;
    if (operatorWays === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["OPERATOR_KEY"],
        message:
          "set OPERATOR_SIGNER_URL with OPERATOR_ADDRESS (a remote signer), OPERATOR_KEYSTORE_FILE with OPERATOR_KEYSTORE_PASSWORD, or OPERATOR_KEY (development)",
      });
    } else if (operatorWays > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["OPERATOR_KEY"],
        message: "set only one of OPERATOR_KEY, OPERATOR_KEYSTORE_FILE and OPERATOR_SIGNER_URL",
      });
    }
    if (env.AUTHORITY_KEY && env.AUTHORITY_SIGNER_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTHORITY_KEY"],
        message: "set only one of AUTHORITY_KEY and AUTHORITY_SIGNER_URL",
      });
    }
    if (env.OPERATOR_SIGNER_URL && !env.OPERATOR_ADDRESS) {
      ctx.addIssue({
        code: "custom",
        path: ["OPERATOR_ADDRESS"],
        message: "required with OPERATOR_SIGNER_URL: the account the remote signer signs for",
      });
    }
    if (env.AUTHORITY_SIGNER_URL && !env.AUTHORITY_ADDRESS) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTHORITY_ADDRESS"],
        message: "required with AUTHORITY_SIGNER_URL: the account the remote signer signs for",
      });
    }
    if (env.OPERATOR_KEYSTORE_FILE && env.OPERATOR_KEYSTORE_PASSWORD === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["OPERATOR_KEYSTORE_PASSWORD"],
        message: "required with OPERATOR_KEYSTORE_FILE",
      });
    }
  });

export type Env = z.input<typeof envSchema>;

/** The variables the gateway reads from the environment, each with its schema (the README's configuration table lists each). */
export const ENVIRONMENT_SHAPE = envSchema.shape;

export interface Config {
  rpcUrl: string;
  /** Expected chain id; the gateway refuses to start on another chain. Defaults to the deployment file's. */
  chainId?: number;
  /**
   * Where participants reach the gateway (scheme://host[:port]): a sign-in message must name this site. Unset: the
   * request's own scheme and Host (development).
   */
  publicUrl?: string;
  /** Origins allowed to call the API from a browser (CORS, with credentials); none by default. */
  corsOrigins?: string[];
  /** Authorizations of one holder and asset that may wait behind a missing nonce (default 64; beyond: 409). */
  maxWaitingPerHolder?: number;
  /** An Idempotency-Key left in progress this long is abandoned and a resend runs (default: wait timeout + 60 s, at least 2 min). */
  idempotencyStaleMs?: number;
  /** How long a signer role's outbox lane stays with an instance that stopped renewing it (default 10 s). */
  laneLeaseMs?: number;
  /** How long completed Idempotency-Keys are kept (default 168 h). */
  idempotencyRetentionHours?: number;
  /** How long a participant's session lasts (default 12 h; a sign-in message's expiry shortens it). */
  sessionTtlMinutes?: number;
  /** How often the node is probed (eth_blockNumber); while a probe fails, chain work is refused at once with 503. */
  chainProbeIntervalMs?: number;
  /** How long a probe may take before the node counts as not answering. */
  chainProbeTimeoutMs?: number;
  deploymentFile: string;
  operatorKey?: string;
  operatorKeystore?: { file: string; password: string };
  authorityKey?: string;
  /** A remote signer (Web3Signer's eth1 JSON-RPC) holding the operator's key, which then never enters the gateway. */
  operatorSignerUrl?: string;
  /** The operator's account: required with `operatorSignerUrl` (checked against its eth_accounts), else checked against the key. */
  operatorAddress?: string;
  authoritySignerUrl?: string;
  authorityAddress?: string;
  /** Deadline of one call to a remote signer (default 10 s). */
  signerTimeoutMs?: number;
  database: { type: "postgres"; url: string; schema?: string } | { type: "sqlite"; file: string };
  port: number;
  host: string;
  /** A separate port (on `host`) serving GET /metrics without an API key; unset: /metrics on the API port only. */
  metricsPort?: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  batchMax: number;
  batchWaitMs: number;
  /** How long a partial transfer batch may wait for the transfer batch in flight to be mined (so they share no block). */
  batchHoldMs: number;
  /** Transactions in flight at once per signing key (MAX_IN_FLIGHT, default 8; 0 here = 8). 1 for a node that automines. */
  maxInFlight: number;
  confirmations: number;
  pollIntervalMs: number;
  waitTimeoutMs: number;
  bodyLimit: string;
  rateLimitPerMinute: number;
  /** Per client address, for requests without a valid key (default: rateLimitPerMinute; 600 from the environment). */
  rateLimitUnauthenticatedPerMinute?: number;
  submitterEnabled: boolean;
  /** Worker threads recovering signers of EIP-712 signatures; 0 = on the event loop. Default: cores - 1. */
  signatureThreads?: number;
  /** Accept plain-http URIs for published documents (decisions, disclosures); https only when false (default). */
  documentUriAllowHttp?: boolean;
  /** Supervision workers (webhooks, monitoring, decision checks); unset fields take their defaults. */
  supervision?: Partial<SupervisionSettings>;
}

export class ConfigError extends Error {}

/** Reads and validates the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new ConfigError(`invalid gateway configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    rpcUrl: e.RPC_URL,
    chainId: e.CHAIN_ID,
    publicUrl: e.PUBLIC_URL,
    corsOrigins: e.CORS_ORIGINS,
    sessionTtlMinutes: e.SESSION_TTL_MINUTES,
    idempotencyStaleMs: e.IDEMPOTENCY_STALE_MS,
    laneLeaseMs: e.LANE_LEASE_MS,
    maxWaitingPerHolder: e.MAX_WAITING_PER_HOLDER,
    idempotencyRetentionHours: e.IDEMPOTENCY_RETENTION_HOURS,
    chainProbeIntervalMs: e.CHAIN_PROBE_INTERVAL_MS,
    chainProbeTimeoutMs: e.CHAIN_PROBE_TIMEOUT_MS,
    deploymentFile: e.DEPLOYMENT_FILE,
    operatorKey: e.OPERATOR_KEY,
    operatorKeystore: e.OPERATOR_KEYSTORE_FILE
      ? { file: e.OPERATOR_KEYSTORE_FILE, password: e.OPERATOR_KEYSTORE_PASSWORD ?? "" }
      : undefined,
    authorityKey: e.AUTHORITY_KEY,
    operatorSignerUrl: e.OPERATOR_SIGNER_URL,
    operatorAddress: e.OPERATOR_ADDRESS,
    authoritySignerUrl: e.AUTHORITY_SIGNER_URL,
    authorityAddress: e.AUTHORITY_ADDRESS,
    signerTimeoutMs: e.SIGNER_TIMEOUT_MS,
    database: e.DATABASE_URL
      ? { type: "postgres", url: e.DATABASE_URL, schema: e.DATABASE_SCHEMA }
      : { type: "sqlite", file: e.SQLITE_FILE },
    port: e.PORT,
    host: e.HOST,
    metricsPort: e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    batchMax: e.BATCH_MAX,
    batchWaitMs: e.BATCH_WAIT_MS,
    batchHoldMs: e.BATCH_HOLD_MS,
    maxInFlight: e.MAX_IN_FLIGHT,
    confirmations: e.CONFIRMATIONS,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    waitTimeoutMs: e.WAIT_TIMEOUT_MS,
    bodyLimit: e.BODY_LIMIT,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitUnauthenticatedPerMinute: e.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
    submitterEnabled: e.SUBMITTER_ENABLED,
    signatureThreads: e.SIGNATURE_THREADS,
    documentUriAllowHttp: e.DOCUMENT_URI_ALLOW_HTTP,
    supervision: {
      enabled: e.SUPERVISION_ENABLED,
      dispatchIntervalMs: e.WEBHOOK_DISPATCH_INTERVAL_MS,
      webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      monitoringIntervalMs: e.MONITORING_INTERVAL_MS,
      decisionCheckIntervalMs: e.DECISION_CHECK_INTERVAL_MS,
      decisionFetchTimeoutMs: e.DECISION_FETCH_TIMEOUT_MS,
      decisionMaxBytes: e.DECISION_MAX_BYTES,
      outboundAllow: e.OUTBOUND_ALLOW,
    },
  };
}

/** Only the database part of the configuration (for command-line tasks that need no chain). */
export function loadDatabaseConfig(env: Record<string, string | undefined> = process.env): Config["database"] {
  const url = env.DATABASE_URL;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError("DATABASE_URL: must be a postgres:// URL");
    const schema = env.DATABASE_SCHEMA || undefined;
    if (schema !== undefined && !isDatabaseSchema(schema))
      throw new ConfigError(`DATABASE_SCHEMA: ${DATABASE_SCHEMA_RULE}`);
    return { type: "postgres", url, schema };
  }
  return { type: "sqlite", file: env.SQLITE_FILE || "data/gateway.sqlite" };
}
