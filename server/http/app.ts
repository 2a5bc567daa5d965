import { randomUUID } from "node:crypto";
import express from "express";
import type { NextFunction, Request, RequestHandler, Response, Express } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import { rateLimit, ipKeyGenerator } from "express-rate-limit";
import { isUtf8 } from "node:buffer";
import swaggerUi from "swagger-ui-express";
import type { AppContext } from "../context";
import { AppError, isDatabaseConnectionFailure } from "../errors";
import { openApiDocument } from "./openapi";
import { bearerKey, mountRoutes, registerOpenApi } from "./route";
import type { Route } from "./route";
import health from "./routes/health";
import operations from "./routes/operations";
import transfers from "./routes/transfers";
import participants from "./routes/participants";
import disclosures from "./routes/disclosures";
import registers from "./routes/registers";
import issuance from "./routes/issuance";
import assets from "./routes/assets";
import roles from "./routes/roles";
import audit from "./routes/audit";
import records, { mountRecordExport } from "./routes/records";
import subscriptions from "./routes/subscriptions";
import monitoring from "./routes/monitoring";
import alerts from "./routes/alerts";
import errorRoutes from "./routes/errors";
import cors from "cors";
import authRoutes from "./routes/auth";
import meRoutes from "./routes/me";
import mirrorFaults from "./routes/mirror-faults";
import { mountAuditExport } from "./routes/audit-export";
import { mountMetrics } from "./metrics";
import { mountPortal } from "./portal";

export const ROUTES: Route[] = [
  ...health,
  ...authRoutes,
  ...meRoutes,
  ...registers,
  ...roles,
  ...participants,
  ...disclosures,
  ...issuance,
  ...transfers,
  ...operations,
  ...assets,
  ...audit,
  ...records,
  ...subscriptions,
  ...monitoring,
  ...alerts,
  ...mirrorFaults,
  ...errorRoutes,
];
let openApiRegistered = false;

/** The OpenAPI document of every route (registered once per process). */
export function apiDocument(): object {
  if (!openApiRegistered) {
    registerOpenApi(ROUTES);
    openApiRegistered = true;
  }
  return openApiDocument();
}

export function buildApp(ctx: AppContext): Express {
  const doc = apiDocument();
  const app = express();
  app.disable("x-powered-by");
  // Responses are per-request JSON (operations change state): no ETag hashing of every body.
  app.set("etag", false);
  app.set("trust proxy", false);
  app.use(
    pinoHttp({
      logger: ctx.log,
      genReqId: (req, res) => {
        const given = req.headers["x-request-id"];
        const id = typeof given === "string" && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
        res.setHeader("x-request-id", id);
        return id;
      },
      // Never log keys or API secrets.
      redact: {
        paths: ["req.headers.authorization", "req.headers.cookie", 'req.headers["idempotency-key"]'],
        censor: "[redacted]",
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info",
      autoLogging: { ignore: (req) => req.url === "/healthz" },
    }),
  );
  // Browsers on the listed origins only (none by default), with the session cookie; preflights answered here.
  if (ctx.config.corsOrigins?.length)
    app.use(
      cors({
        origin: ctx.config.corsOrigins,
        credentials: true,
        allowedHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-CSRF-Token", "X-Request-Id"],
        exposedHeaders: ["X-Request-Id", "Retry-After", "Idempotent-Replayed", "RateLimit", "RateLimit-Policy"],
        maxAge: 600,
      }),
    );
  app.use("/docs", helmet({ contentSecurityPolicy: false }), swaggerUi.serve, swaggerUi.setup(doc));
  mountPortal(app);
  app.use(helmet());
  app.use(...callerAndLimits(ctx));
  mountMetrics(app, ctx);
  app.use(
    express.json({
      limit: ctx.config.bodyLimit,
      strict: true,
      type: ["application/json", "application/*+json"],
      verify: requireUtf8,
    }),
  );
  app.get("/openapi.json", (_req, res) => {
    res.json(doc);
  });
  mountRoutes(app, ctx, ROUTES);
  mountRecordExport(app, ctx);
  mountAuditExport(app, ctx);
  app.use((_req, _res, next) => next(new AppError("ROUTE_NOT_FOUND")));
  app.use(errorHandler(ctx));
  return app;
}

declare global {
  namespace Express {
    interface Locals {
      /** A key the API-key cache holds but must check again (stale): no stranger, so not in the address's bucket. */
      knownKey?: boolean;
    }
  }
}

/**
 * Who is calling, resolved before the body is read, under two limits per minute. A key the API-key cache knows
 * (valid when last checked) is counted in its client's bucket, by client id. Everything else (no key, a malformed
 * header, a key not in the cache) is first counted in its address's bucket, a lower limit, and only inside that
 * limit may cost a database lookup: random keys can neither mint buckets nor turn into a query per request, and a
 * flood of them from one address leaves the valid clients behind that address their own buckets.
 * A cached but stale key is checked again without the address's bucket: only keys once valid are cached.
 */
function callerAndLimits(ctx: AppContext): RequestHandler[] {
  const common = {
    windowMs: 60_000,
    standardHeaders: "draft-8" as const,
    legacyHeaders: false,
    // Retry-After (seconds to the bucket's reset) is set by the limiter before this.
    handler: (_req: Request, _res: Response, next: NextFunction) => next(new AppError("RATE_LIMITED")),
  };
  const byAddress = rateLimit({
    ...common,
    identifier: "address",
    limit: ctx.config.rateLimitUnauthenticatedPerMinute ?? ctx.config.rateLimitPerMinute,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? "0.0.0.0"),
    skip: (_req, res) => res.locals.apiClient != null || res.locals.knownKey === true,
  });
  const byClient = rateLimit({
    ...common,
    identifier: "client",
    limit: ctx.config.rateLimitPerMinute,
    keyGenerator: (_req, res) => `client:${res.locals.apiClient!.id}`,
    skip: (_req, res) => !res.locals.apiClient,
  });
  const fromCache: RequestHandler = (req, res, next) => {
    const key = bearerKey(req);
    const hit = key ? ctx.apiKeys.cached(key) : null;
    if (!key) res.locals.apiClient = null;
    else if (hit?.fresh) res.locals.apiClient = hit.client;
    else res.locals.knownKey = hit !== null;
    next();
  };
  const fromDatabase: RequestHandler = async (req, res, next) => {
    if (res.locals.apiClient === undefined) res.locals.apiClient = await ctx.apiKeys.authenticate(bearerKey(req)!);
    next();
  };
  return [fromCache, byAddress, fromDatabase, byClient];
}

/**
 * JSON is UTF-8 (RFC 8259): another declared charset (utf-7 would be decoded by iconv) is 415, and bytes that are
 * not UTF-8 are malformed JSON rather than text silently repaired with U+FFFD.
 */
function requireUtf8(_req: Request, _res: Response, body: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== "utf-8" && encoding.toLowerCase() !== "utf8") {
    throw Object.assign(new Error(`unsupported charset "${encoding}"`), { status: 415, type: "charset.unsupported" });
  }
  if (!isUtf8(body))
    throw Object.assign(new Error("the body is not UTF-8"), { status: 400, type: "entity.parse.failed" });
}

/** The one error middleware: AppError -> its status and body; body-parser errors -> their codes; anything else -> 500. */
function errorHandler(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let appError: AppError;
    if (err instanceof AppError) {
      appError = err;
    } else {
      const e = err as { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string };
      const status = e?.status ?? e?.statusCode;
      if (e?.type === "entity.parse.failed") appError = new AppError("MALFORMED_JSON");
      else if (e?.type === "entity.too.large" || status === 413)
        appError = new AppError("PAYLOAD_TOO_LARGE", { limit: ctx.config.bodyLimit });
      else if (e?.type === "charset.unsupported" || e?.type === "encoding.unsupported" || status === 415)
        appError = new AppError("UNSUPPORTED_MEDIA_TYPE");
      else if (typeof status === "number" && status >= 400 && status < 500) {
        // The body parser (a body that is not what its Content-Encoding says) and the router (a path that does not
        // percent-decode to UTF-8) refuse with a 4xx of their own: keep it a client error.
        appError = new AppError("MALFORMED_REQUEST", {
          reason: e.expose === false ? "unreadable request" : String(e.message ?? "unreadable request").slice(0, 200),
        });
      } else if (isDatabaseConnectionFailure(err)) {
        req.log?.warn({ err }, "database unreachable");
        appError = new AppError("DATABASE_UNAVAILABLE");
      } else {
        req.log?.error({ err }, "unhandled error");
        appError = new AppError("INTERNAL", { requestId: String((req.id as string | undefined) ?? "") });
      }
    }
    if (appError.code === "RATE_LIMITED" && !res.get("Retry-After")) res.set("Retry-After", "60");
    // A node or database outage, or a restart: worth trying again shortly (with the same Idempotency-Key).
    if (appError.status === 503 && !res.get("Retry-After")) res.set("Retry-After", "5");
    const problem = appError.toProblem(req.originalUrl.split("?")[0], String((req.id as string | undefined) ?? ""));
    res.status(appError.status).type("application/problem+json").send(JSON.stringify(problem));
  };
}
