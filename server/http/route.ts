import type { Express, Request, Response } from "express";
import type { ZodType, ZodObject } from "zod";
import { z, registry, ProblemBody } from "./openapi";
import { AppError, ERRORS } from "../errors";
import type { ErrorCode } from "../errors";
import type { ApiCaller, WalletStaffRole } from "../domain/roles";
import type { Role } from "../domain/roles";
import { WALLET_STAFF_ROLES } from "../domain/roles";
import type { AppContext } from "../context";
import { requestHash } from "../services/idempotency";
import { inspectJson } from "./validation";
import { parse as parseCookie } from "cookie";
import { SESSION_TOKEN_PREFIX, SessionService } from "../services/sessions";
import type { SessionView } from "../services/sessions";
import { participantClientId } from "../services/self-service";
import { REQUEST_EXAMPLES } from "./examples";
import { problemExample, RESPONSE_EXAMPLES } from "./response-examples";

type Infer<T> = T extends ZodType ? z.infer<T> : undefined;

export interface HandlerInput<B, P, Q> {
  body: B;
  params: P;
  query: Q;
  client: ApiCaller | null;
  /** The signed-in participant, on routes whose roles are "participant". */
  participant: Participant | null;
  /** The site participants see (PUBLIC_URL, else this request's scheme and Host): what a sign-in must name. */
  site: { scheme: string; host: string };
  requestId: string;
  /** The request's path and query as sent (a list builds its `next` link from it). */
  url: string;
  /** Set when the route takes an Idempotency-Key: the reserved key's id, to complete with the operation. */
  idempotencyId?: string;
}
export interface HandlerResult {
  status: number;
  body: Record<string, unknown>;
  /** Target recorded in the audit log. */
  target?: string;
  /** The session cookie to set (sign-in) or clear (sign-out). */
  sessionCookie?: { token: string; expiresAt: string } | "clear";
}

/** A participant signed in with Ethereum (EIP-4361), by session cookie or bearer session token. */
export interface Participant {
  sessionId: string;
  address: string;
  expiresAt: string;
  /** How the session was presented: a cookie (a browser: writes need the CSRF header) or a bearer token. */
  via: "cookie" | "bearer";
}

/** The session cookie's name. */
export const SESSION_COOKIE = "sda_session";

export interface RouteSpec<
  B extends ZodType | undefined,
  P extends ZodObject | undefined,
  Q extends ZodObject | undefined,
> {
  method: "get" | "post" | "put" | "delete";
  /** OpenAPI-style path: /v1/things/{id} */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /**
   * Roles allowed; "public" = no key needed; "any" = any valid key; "participant" = a participant's session (never
   * an API key): the handler acts for `participant.address` only.
   */
  roles: Role[] | "public" | "any" | "participant";
  idempotency?: "required" | "optional";
  body?: B;
  params?: P;
  query?: Q;
  responses: Record<number, { description: string; schema?: ZodType }>;
  /**
   * The error codes this route's own work can return (what its service and the ledger's pre-checks throw). The codes
   * every route of its kind can return (authentication, validation, idempotency, rate limits, shutdown, internal
   * errors) are added from its traits by `routeErrorCodes`; the OpenAPI document lists them all, by status.
   */
  errors: readonly ErrorCode[];
  handler: (ctx: AppContext, input: HandlerInput<Infer<B>, Infer<P>, Infer<Q>>) => Promise<HandlerResult>;
}

export interface Route {
  spec: RouteSpec<ZodType | undefined, ZodObject | undefined, ZodObject | undefined>;
}

/** One declarative route: roles, schemas (validation + OpenAPI), handler. */
export function defineRoute<
  B extends ZodType | undefined = undefined,
  P extends ZodObject | undefined = undefined,
  Q extends ZodObject | undefined = undefined,
>(spec: RouteSpec<B, P, Q>): Route {
  return { spec };
}

/** Validates one part of a request (path, query, body) against its schema; VALIDATION_FAILED lists what is wrong. */
export function parseInput<T extends ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  // Depth and well-formed text first: zod and the services may recurse into what the schema leaves open.
  const problem = inspectJson(value);
  if (problem) throw new AppError("VALIDATION_FAILED", { in: where, issues: [problem] });
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AppError("VALIDATION_FAILED", {
      in: where,
      issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return result.data;
}

const roleAllowed = (spec: Route["spec"], client: ApiCaller | null, participant: Participant | null): boolean =>
  spec.roles === "public" ||
  spec.roles === "any" ||
  (spec.roles === "participant" ? participant !== null : client !== null && spec.roles.includes(client.role));

/** Every code a route can return: its own, then those of its traits (roles, input, idempotency, method). */
export function routeErrorCodes(spec: Route["spec"]): ErrorCode[] {
  const codes = new Set<ErrorCode>(spec.errors);
  if (spec.params || spec.query || spec.body) codes.add("VALIDATION_FAILED");
  if (spec.query && "cursor" in spec.query.shape) codes.add("CURSOR_INVALID");
  if (spec.method !== "get") {
    for (const c of ["MALFORMED_JSON", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "SHUTTING_DOWN"] as const)
      codes.add(c);
  }
  if (spec.roles === "participant") {
    codes.add("SESSION_INVALID");
    if (spec.method !== "get") codes.add("CSRF_TOKEN_INVALID");
  } else if (spec.roles !== "public") {
    codes.add("UNAUTHENTICATED");
    codes.add("PARTICIPANT_SESSION_NOT_ALLOWED");
    if (spec.roles !== "any") codes.add("FORBIDDEN");
    // A staff wallet's session: its cookie writes need the CSRF token; its roles are asked of the node.
    if (spec.method !== "get") codes.add("CSRF_TOKEN_INVALID");
    codes.add("CHAIN_UNAVAILABLE");
  }
  if (spec.idempotency === "required") codes.add("IDEMPOTENCY_KEY_MISSING");
  if (spec.idempotency) {
    codes.add("IDEMPOTENCY_KEY_REUSED");
    codes.add("IDEMPOTENCY_REQUEST_IN_PROGRESS");
  }
  codes.add("MALFORMED_REQUEST");
  codes.add("RATE_LIMITED");
  codes.add("DATABASE_UNAVAILABLE");
  codes.add("INTERNAL");
  return [...codes];
}

type ErrorResponse = { description: string; content: Record<string, { schema: ZodType; example: unknown }> };

/**
 * The OpenAPI responses of a route's error codes: one response per status listing its codes and their meaning, with
 * the problem of the first code as the server writes it for a request to `path` (a VALIDATION_FAILED example lists
 * the fields that `validation` names).
 */
export function errorResponses(
  codes: readonly ErrorCode[],
  path: string,
  validation?: Record<string, unknown>,
): Record<string, ErrorResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERRORS[code][0], [...(byStatus.get(ERRORS[code][0]) ?? []), code]);
  const out: Record<string, ErrorResponse> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const list = byStatus.get(status)!;
    const example = problemExample(list[0], path, list[0] === "VALIDATION_FAILED" ? validation : undefined);
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${ERRORS[c][1]}`).join("\n\n"),
      content: { "application/problem+json": { schema: ProblemBody, example } },
    };
  }
  return out;
}

/**
 * What VALIDATION_FAILED says for a typical mistake on this route, as parseInput reports it: an empty body (or an
 * array where an object is due), else a
 * path parameter that is not of its type (`0x1234`) or too long, else a page size of 0, else query values not of their type (`x`).
 */
export function validationExample(spec: {
  body?: ZodType;
  params?: ZodObject;
  query?: ZodObject;
}): Record<string, unknown> | undefined {
  const wrong = (schema: ZodObject | undefined, value: string) =>
    Object.fromEntries(Object.keys(schema?.shape ?? {}).map((k) => [k, value]));
  const attempts: [string, ZodType | undefined, unknown][] = [
    ["body", spec.body, {}],
    ["body", spec.body, []],
    ["path", spec.params, wrong(spec.params, "0x1234")],
    ["path", spec.params, wrong(spec.params, "GRAIN_".repeat(12))],
    ["query", spec.query, { limit: "0" }],
    ["query", spec.query, wrong(spec.query, "x")],
  ];
  for (const [where, schema, value] of attempts) {
    const result = schema?.safeParse(value);
    if (result && !result.success)
      return {
        in: where,
        issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      };
  }
  return undefined;
}

const IDEMPOTENCY_KEY_DESCRIPTION =
  "A unique string (at most 255 characters) per intended action. The same key with the same request replays the " +
  "first answer (the same operation, never a second transaction) with the header `Idempotent-Replayed: true`; the " +
  "same key with another request is refused with 409 `IDEMPOTENCY_KEY_REUSED`. Keys are kept per API client.";

export function registerOpenApi(routes: Route[]): void {
  for (const { spec } of routes) {
    const responses: Record<
      string,
      { description: string; content?: Record<string, { schema: ZodType; example?: unknown }> }
    > = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      const example = RESPONSE_EXAMPLES[spec.operationId]?.[Number(status)];
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { "application/json": { schema: r.schema, example } } } : {}),
      };
    }
    Object.assign(responses, errorResponses(routeErrorCodes(spec), spec.path, validationExample(spec)));
    const key = z
      .string()
      .min(1)
      .max(255)
      .openapi({ description: IDEMPOTENCY_KEY_DESCRIPTION, example: "transfer-7f3c2a" });
    const headers = spec.idempotency
      ? z.object({ "idempotency-key": spec.idempotency === "required" ? key : key.optional() })
      : undefined;
    registry.registerPath({
      method: spec.method,
      path: spec.path,
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      description:
        spec.roles === "public"
          ? "No API key needed."
          : spec.roles === "participant"
            ? "A signed-in participant (session cookie with X-CSRF-Token on writes, or the session as bearer token), for itself only."
            : `Roles: ${spec.roles === "any" ? "any API key" : spec.roles.join(", ")}.${staffWalletNote(spec.roles)}`,
      ...(spec.roles === "public"
        ? {}
        : {
            security:
              spec.roles === "participant" || staffWalletNote(spec.roles)
                ? [...(spec.roles === "participant" ? [] : [{ apiKey: [] }]), { session: [] }, { sessionCookie: [] }]
                : [{ apiKey: [] }],
          }),
      request: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.query ? { query: spec.query } : {}),
        ...(headers ? { headers } : {}),
        ...(spec.body
          ? {
              body: {
                content: { "application/json": { schema: spec.body, example: REQUEST_EXAMPLES[spec.operationId] } },
              },
            }
          : {}),
      },
      responses,
    });
  }
}

/** Mounts routes: authentication, role, validation, idempotency, handler, audit. Errors go to the error middleware. */
export function mountRoutes(app: Express, ctx: AppContext, routes: Route[]): void {
  for (const { spec } of routes) {
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    app[spec.method](expressPath, async (req: Request, res: Response) => {
      const requestId = String((req.id as string | undefined) ?? ""); // genReqId (app.ts) makes every id a string
      const participant = spec.roles === "participant" ? await authenticateParticipant(ctx, req) : null;
      const client =
        spec.roles === "public" || spec.roles === "participant" ? null : await authenticate(ctx, req, spec.roles);
      if (!roleAllowed(spec, client, participant)) {
        if (spec.method !== "get")
          await ctx.audit.record({
            client,
            action: spec.operationId,
            target: targetOf(req),
            requestId,
            detail: { outcome: "refused", code: "FORBIDDEN" },
          });
        throw new AppError("FORBIDDEN", { role: client?.role, allowed: spec.roles });
      }
      if (spec.method !== "get" && ctx.state.shuttingDown) throw new AppError("SHUTTING_DOWN");
      // The node is known not to answer: refuse at once, before anything is reserved or recorded.
      const chainDownSince = spec.errors.includes("CHAIN_UNAVAILABLE") ? ctx.services.health.chainDownSince() : null;
      if (chainDownSince) throw new AppError("CHAIN_UNAVAILABLE", { since: chainDownSince });
      const params = spec.params ? parseInput(spec.params, req.params, "path") : undefined;
      const query = spec.query ? parseInput(spec.query, req.query, "query") : undefined;
      // A route without a body schema still hashes what it got (idempotency): the same bounds apply.
      const bodyProblem = spec.body ? null : inspectJson(req.body);
      if (bodyProblem) throw new AppError("VALIDATION_FAILED", { in: "body", issues: [bodyProblem] });
      const body = spec.body ? parseInput(spec.body, req.body ?? undefined, "body") : undefined;

      let idempotencyId: string | undefined;
      // Keys are scoped by who sends them: an API client, or a participant (across its sessions).
      const actorId = client?.id ?? (participant ? participantClientId(participant.address) : null);
      if (spec.idempotency && actorId) {
        const key = req.get("idempotency-key");
        if (!key) {
          if (spec.idempotency === "required") throw new AppError("IDEMPOTENCY_KEY_MISSING");
        } else {
          if (key.length > 255 || !key.isWellFormed())
            throw new AppError("VALIDATION_FAILED", {
              in: "header",
              issues: [{ path: "Idempotency-Key", message: "at most 255 characters" }],
            });
          const r = await ctx.idempotency.reserve(actorId, key, requestHash(req.method, req.path, req.body));
          if (r.kind === "replay") {
            const replay = await replayBody(ctx, r.body);
            // A key bound to the operation its request created answers as that request did: accepted.
            res
              .set("Idempotent-Replayed", "true")
              .status(r.status ?? 202)
              .json(replay);
            return;
          }
          idempotencyId = r.id;
        }
      }

      const audited = spec.method !== "get";
      let result: HandlerResult;
      try {
        result = await spec.handler(ctx, {
          body,
          params,
          query,
          client,
          participant,
          site: siteOf(ctx, req),
          requestId,
          url: req.originalUrl,
          idempotencyId,
        });
      } catch (err) {
        if (idempotencyId) await ctx.idempotency.release(idempotencyId);
        if (audited) {
          const code = err instanceof AppError ? err.code : "INTERNAL";
          await ctx.audit.record({
            client,
            action: spec.operationId,
            target: targetOf(req),
            requestId,
            detail: { outcome: "refused", code, ...(participant ? { participant: participant.address } : {}) },
          });
        }
        throw err;
      }
      const operation = result.body.operation as { id?: string } | undefined;
      if (idempotencyId || audited)
        await ctx.requests.record({
          idempotencyId,
          status: result.status,
          body: operation?.id ? { operationId: operation.id } : result.body,
          audit: audited
            ? {
                client,
                action: spec.operationId,
                target: result.target ?? targetOf(req),
                requestId,
                detail: {
                  outcome: "accepted",
                  status: result.status,
                  ...(participant ? { participant: participant.address } : {}),
                  ...(operation?.id ? { operation: operation.id } : {}),
                },
              }
            : undefined,
        });
      if (result.sessionCookie === "clear") res.clearCookie(SESSION_COOKIE, { path: "/" });
      else if (result.sessionCookie)
        res.cookie(SESSION_COOKIE, result.sessionCookie.token, {
          httpOnly: true,
          sameSite: "strict",
          secure: req.secure,
          path: "/",
          expires: new Date(result.sessionCookie.expiresAt),
        });
      res.status(result.status).json(result.body);
    });
  }
}

function targetOf(req: Request): string {
  return req.path;
}

async function replayBody(ctx: AppContext, stored: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (typeof stored.operationId === "string") {
    return { operation: await ctx.services.operations.get(stored.operationId) };
  }
  return stored;
}

declare global {
  namespace Express {
    interface Locals {
      /** The caller, resolved once per request before the rate limits (app.ts): a client, or null for none. */
      apiClient?: ApiCaller | null;
    }
  }
}

/** The key of an `Authorization: Bearer <key>` header, or null. */
export function bearerKey(req: Request): string | null {
  return req.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? null;
}

/** What the OpenAPI description adds for the routes a staff wallet's session may call (authority or operator). */
function staffWalletNote(roles: Role[] | "any"): string {
  const open = roles === "any" ? WALLET_STAFF_ROLES : WALLET_STAFF_ROLES.filter((r) => roles.includes(r));
  return open.length
    ? ` Or the session of a wallet holding ${open.map((r) => STAFF_LEDGER_ROLE[r]).join(" or ")} on the ledger (checked ` +
        "on the node at each request; X-CSRF-Token on writes with the cookie)."
    : "";
}

const STAFF_LEDGER_ROLE: Record<WalletStaffRole, string> = { authority: "AUTHORITY", operator: "OPERATOR" };

/**
 * The caller of a staff route: the API client of the request's bearer key, else a signed-in wallet acting in the
 * staff role it holds on the ledger now. UNAUTHENTICATED without either. A session whose address holds neither
 * AUTHORITY nor OPERATOR is refused (PARTICIPANT_SESSION_NOT_ALLOWED); one that holds a role the route does not take
 * comes back with that role (the route's role check refuses it: FORBIDDEN). Holding both, it acts as the first of
 * the route's roles it holds.
 */
export async function authenticate(ctx: AppContext, req: Request, allowed: Role[] | "any" = "any"): Promise<ApiCaller> {
  // Resolved once by the app, rate-limited on the way (app.ts); looked up here only where mounted without it.
  const resolved = req.res?.locals.apiClient;
  const key = bearerKey(req);
  const client = resolved !== undefined ? resolved : key ? await ctx.apiKeys.authenticate(key) : null;
  if (client) return client;
  const found = await sessionOf(ctx, req);
  if (!found) throw new AppError("UNAUTHENTICATED");
  const { session, via } = found;
  if (
    via === "cookie" &&
    req.method !== "GET" &&
    !SessionService.csrfMatches(session.csrfHash, req.get("x-csrf-token"))
  )
    throw new AppError("CSRF_TOKEN_INVALID");
  // Decided from the ledger at this request, never from what the client says.
  const held = await ctx.services.roles.staffRolesOf(session.address);
  // A signed-in participant without a staff role is known, and refused: whoever's data they hold.
  if (held.length === 0) throw new AppError("PARTICIPANT_SESSION_NOT_ALLOWED", { session: session.address });
  const role = (allowed === "any" ? undefined : allowed.find((r) => (held as Role[]).includes(r))) ?? held[0];
  return { id: participantClientId(session.address), name: session.address, role, wallet: session.address };
}

/** The request's session (bearer token, else cookie) if it is a live one; null otherwise. */
async function sessionOf(
  ctx: AppContext,
  req: Request,
): Promise<{ session: SessionView & { csrfHash: string }; via: "cookie" | "bearer" } | null> {
  const bearer = bearerKey(req);
  const fromBearer = bearer?.startsWith(SESSION_TOKEN_PREFIX) ? bearer : null;
  const token = fromBearer ?? (bearer ? null : (parseCookie(req.get("cookie") ?? "")[SESSION_COOKIE] ?? null));
  if (!token) return null;
  const session = await ctx.services.sessions.authenticate(token).catch(() => null);
  return session ? { session, via: fromBearer ? "bearer" : "cookie" } : null;
}

/**
 * The participant of a session: the bearer token if it is a session token, else the session cookie. A write with
 * the cookie must also carry the session's CSRF token in X-CSRF-Token (a page of another site can make the browser
 * send the cookie, but cannot read the token).
 */
export async function authenticateParticipant(ctx: AppContext, req: Request): Promise<Participant> {
  const bearer = bearerKey(req);
  const fromBearer = bearer?.startsWith(SESSION_TOKEN_PREFIX) ? bearer : null;
  const fromCookie = fromBearer ? null : (parseCookie(req.get("cookie") ?? "")[SESSION_COOKIE] ?? null);
  const token = fromBearer ?? fromCookie;
  if (!token) throw new AppError("SESSION_INVALID", { reason: "no session: sign in first" });
  const session = await ctx.services.sessions.authenticate(token);
  if (fromCookie && req.method !== "GET" && !SessionService.csrfMatches(session.csrfHash, req.get("x-csrf-token")))
    throw new AppError("CSRF_TOKEN_INVALID");
  return {
    sessionId: session.id,
    address: session.address,
    expiresAt: session.expiresAt,
    via: fromBearer ? "bearer" : "cookie",
  };
}

function siteOf(ctx: AppContext, req: Request): { scheme: string; host: string } {
  if (ctx.config.publicUrl) {
    const u = new URL(ctx.config.publicUrl);
    return { scheme: u.protocol.replace(/:$/, ""), host: u.host };
  }
  return { scheme: req.protocol, host: req.get("host") ?? "" };
}
