import { randomUUID } from "node:crypto";
import { CliExit, EXIT, usage } from "./io";
import type { CliIo, GlobalOptions } from "./io";

/**
 * The CLI's one HTTP client of the gateway: base URL and API key from the options or the environment, JSON in and
 * out, and every answer that is not a success turned into an exit code after saying why:
 *   4xx (an RFC 9457 problem with its `code`) -> EXIT.REFUSED, its code and detail printed;
 *   no answer, 502/503/504 -> EXIT.UNAVAILABLE;   anything else unexpected -> EXIT.FAILURE.
 * With --json the problem itself is the one JSON document on stdout.
 */

/** The default base URL: the gateway's own default port (server/config.ts, PORT 8080) on this machine. */
export const defaultUrl = (env: Record<string, string | undefined>): string => `http://127.0.0.1:${env.PORT || "8080"}`;

/** A problem as the gateway sends it (RFC 9457 with `code`; older gateways: `{ error: { code, message } }`). */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  title?: string;
  errors?: unknown[];
  [member: string]: unknown;
}

/** An operation as the gateway shows it (GET /v1/operations/{id}). */
export interface Operation {
  id: string;
  kind: string;
  status: "pending" | "submitted" | "posted" | "failed";
  txHash?: string;
  blockNumber?: number;
  recordSequence?: string;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

/** How a write is sent: wait for the chain (default) and the Idempotency-Key (default: a new one). */
export interface WriteOptions {
  wait?: boolean;
  idempotencyKey?: string;
}

type Query = Record<string, string | number | undefined>;

function problemOf(status: number, body: unknown): Problem {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const legacy = (b.error ?? {}) as { code?: string; message?: string };
  return {
    ...b,
    status,
    code: typeof b.code === "string" ? b.code : (legacy.code ?? `HTTP_${status}`),
    detail: typeof b.detail === "string" ? b.detail : (legacy.message ?? (typeof b.title === "string" ? b.title : "")),
  };
}

export class Gateway {
  readonly url: string;
  private readonly apiKey: string | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly o: GlobalOptions,
  ) {
    this.url = (o.url ?? io.env.GATEWAY_URL ?? defaultUrl(io.env)).replace(/\/+$/, "");
    this.apiKey = o.apiKey ?? io.env.SDA_API_KEY ?? io.env.GATEWAY_API_KEY;
    if (!/^https?:\/\/[^/]/.test(this.url)) usage(io, `--url must be an http(s) URL, not '${this.url}'`);
  }

  async get<T>(path: string, query: Query = {}, auth: "required" | "optional" = "required"): Promise<T> {
    return (await this.call("GET", path + queryString(query), undefined, auth)).body as T;
  }

  /** A read where some refusals are an answer (e.g. 404 NOT_FOUND): those give null instead of ending the command. */
  async find<T>(path: string, allow: string[], auth: "required" | "optional" = "required"): Promise<T | null> {
    return (await this.call("GET", path, undefined, auth, undefined, allow)).body as T | null;
  }

  /** A write that answers with an operation: sent with ?wait=true unless told not to; a failed operation is refused. */
  async operation(method: "POST" | "DELETE", path: string, body: unknown, w: WriteOptions): Promise<Operation> {
    const wait = w.wait === false ? "" : "?wait=true";
    const res = await this.call(method, path + wait, body, "required", w.idempotencyKey ?? randomUUID());
    const op = (res.body as { operation?: Operation }).operation;
    if (!op) this.fail(`the gateway answered ${res.status} without an operation`);
    if (op.status === "failed") {
      if (this.o.json) this.io.out(JSON.stringify({ operation: op }, null, 2) + "\n");
      this.io.err(
        `failed on chain: ${op.error?.code ?? "?"}: ${op.error?.message ?? ""} (operation ${op.id}, ${op.kind})\n`,
      );
      throw new CliExit(EXIT.REFUSED);
    }
    return op;
  }

  /** A write that answers with a plain JSON body. */
  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.call("POST", path, body, "required")).body as T;
  }

  private async call(
    method: string,
    path: string,
    body: unknown,
    auth: "required" | "optional",
    idempotencyKey?: string,
    allow: string[] = [],
  ): Promise<{ status: number; body: unknown }> {
    if (!this.apiKey && auth === "required")
      usage(this.io, "no API key: pass --api-key or set SDA_API_KEY (create one with `npm run cli -- keys create`)");
    const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      this.io.err(`gateway unavailable: cannot reach ${this.url}: ${cause}\n`);
      throw new CliExit(EXIT.UNAVAILABLE);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? {} : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok && parsed !== undefined) return { status: res.status, body: parsed };
    const unavailable = res.status === 502 || res.status === 503 || res.status === 504;
    if (parsed === undefined && !unavailable)
      this.fail(`the gateway at ${this.url} answered ${res.status} with a body that is not JSON`);
    const problem = problemOf(res.status, parsed);
    if (res.status < 500 && allow.includes(problem.code)) return { status: res.status, body: null };
    if (this.o.json) this.io.out(JSON.stringify(problem, null, 2) + "\n");
    const fields = Array.isArray(problem.errors)
      ? (problem.errors as { in?: string; path?: string; message?: string }[])
          .map((e) => `\n  ${e.in ? `${e.in}:` : ""}${e.path ?? ""}: ${e.message ?? ""}`)
          .join("")
      : "";
    const what = unavailable ? "gateway unavailable" : res.status < 500 ? "refused" : "gateway error";
    this.io.err(`${what} (${res.status} ${problem.code}): ${problem.detail}${fields}\n`);
    throw new CliExit(unavailable ? EXIT.UNAVAILABLE : res.status < 500 ? EXIT.REFUSED : EXIT.FAILURE);
  }

  private fail(message: string): never {
    this.io.err(`${message}\n`);
    throw new CliExit(EXIT.FAILURE);
  }
}

export function queryString(q: Query): string {
  const entries = Object.entries(q).filter((e): e is [string, string | number] => e[1] !== undefined);
  return entries.length
    ? "?" + new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()
    : "";
}

/** One line about a settled or accepted operation, for people. */
export function describeOperation(what: string, op: Operation): string {
  if (op.status === "posted")
    return `${what}: posted in block ${op.blockNumber} (transaction ${op.txHash}, operation ${op.id})`;
  return `${what}: accepted, ${op.status} (operation ${op.id}; follow it with GET /v1/operations/${op.id})`;
}

/** The cursor carried by a list's `next` link (the API's pagination convention); null on the last page. */
export function cursorOf(next: string | null): string | null {
  return next ? new URL(next, "http://gateway.invalid").searchParams.get("cursor") : null;
}

/** A page's table, then how to ask for the next page when there is one. */
export function withNextPage(rendered: string, next: string | null): string {
  const cursor = cursorOf(next);
  return cursor ? `${rendered}next page: --cursor ${cursor}\n` : rendered;
}
