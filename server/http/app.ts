import { randomUUID } from "node:crypto";
import express from "express";
import type { NextFunction, Request, Response, Express } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import { rateLimit, ipKeyGenerator } from "express-rate-limit";
import { createHash } from "node:crypto";
import { isUtf8 } from "node:buffer";
import swaggerUi from "swagger-ui-express";
import type { AppContext } from "../context";
import { AppError } from "../errors";
import { openApiDocument } from "./openapi";
import { mountRoutes, registerOpenApi } from "./route";
import type { Route } from "./route";
import health from "./routes/health";
import operations from "./routes/operations";
import transfers from "./routes/transfers";
import participants from "./routes/participants";
import disclosures from "./routes/disclosures";
import registers from "./routes/registers";
import issuance from "./routes/issuance";
import assets from "./routes/assets";
import audit from "./routes/audit";
import records, { mountRecordExport } from "./routes/records";
import subscriptions from "./routes/subscriptions";
import monitoring from "./routes/monitoring";
import alerts from "./routes/alerts";
import mirrorFaults from "./routes/mirror-faults";
import { mountAuditExport } from "./routes/audit-export";

export const ROUTES: Route[] = [...health, ...registers, ...participants, ...disclosures, ...issuance, ...transfers, ...operations, ...assets, ...audit, ...records, ...subscriptions, ...monitoring, ...alerts, ...mirrorFaults];
let openApiRegistered = false;

export function buildApp(ctx: AppContext): Express {
  if (!openApiRegistered) {
    registerOpenApi(ROUTES);
    openApiRegistered = true;
  }
  const doc = openApiDocument();
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
      redact: { paths: ["req.headers.authorization", "req.headers.cookie", "req.headers[\"idempotency-key\"]"], censor: "[redacted]" },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "warn" : "info"),
      autoLogging: { ignore: (req) => req.url === "/healthz" },
    }),
  );
  app.use("/docs", helmet({ contentSecurityPolicy: false }), swaggerUi.serve, swaggerUi.setup(doc));
  app.use(helmet());
  app.use(
    rateLimit({
      windowMs: 60_000,
      limit: ctx.config.rateLimitPerMinute,
      standardHeaders: "draft-8",
      legacyHeaders: false,
      keyGenerator: (req) => {
        const auth = req.get("authorization");
        return auth ? createHash("sha256").update(auth).digest("hex") : ipKeyGenerator(req.ip ?? "0.0.0.0");
      },
      handler: (_req, _res, next) => next(new AppError("RATE_LIMITED")),
    }),
  );
  app.use(express.json({ limit: ctx.config.bodyLimit, strict: true, type: ["application/json", "application/*+json"], verify: requireUtf8 }));
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

/**
 * JSON is UTF-8 (RFC 8259): another declared charset (utf-7 would be decoded by iconv) is 415, and bytes that are
 * not UTF-8 are malformed JSON rather than text silently repaired with U+FFFD.
 */
function requireUtf8(_req: Request, _res: Response, body: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== "utf-8" && encoding.toLowerCase() !== "utf8") {
    throw Object.assign(new Error(`unsupported charset "${encoding}"`), { status: 415, type: "charset.unsupported" });
  }
  if (!isUtf8(body)) throw Object.assign(new Error("the body is not UTF-8"), { status: 400, type: "entity.parse.failed" });
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
      else if (e?.type === "entity.too.large" || status === 413) appError = new AppError("PAYLOAD_TOO_LARGE", { limit: ctx.config.bodyLimit });
      else if (e?.type === "charset.unsupported" || e?.type === "encoding.unsupported" || status === 415) appError = new AppError("UNSUPPORTED_MEDIA_TYPE");
      else if (typeof status === "number" && status >= 400 && status < 500) {
        // The body parser (a body that is not what its Content-Encoding says) and the router (a path that does not
        // percent-decode to UTF-8) refuse with a 4xx of their own: keep it a client error.
        appError = new AppError("MALFORMED_REQUEST", { reason: e.expose === false ? "unreadable request" : String(e.message ?? "unreadable request").slice(0, 200) });
      } else {
        req.log?.error({ err }, "unhandled error");
        appError = new AppError("INTERNAL", { requestId: String(req.id ?? "") });
      }
    }
    if (appError.code === "RATE_LIMITED") res.set("Retry-After", "60");
    res.status(appError.status).json(appError.toBody());
  };
}
