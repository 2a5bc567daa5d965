import { randomUUID } from "node:crypto";
import type { Command } from "commander";

/** Exit codes of the CLI's gateway commands, for scripts. */
export const EXIT = {
  OK: 0,
  /** The gateway refused the request (any 4xx/5xx answer), or the change failed on chain. */
  REFUSED: 1,
  /** Bad usage: unknown command or option, a required option missing, no API key. */
  USAGE: 2,
  /** The gateway could not be reached (connection refused, timeout, not an HTTP answer). */
  UNREACHABLE: 3,
} as const;

/** Where the CLI writes and what it reads from the environment (the process's, or a test's). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

/** Ends a command with an exit code after it has said why. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

interface GatewayOptions {
  url?: string;
  apiKey?: string;
  json?: boolean;
}
interface ChangeOptions extends GatewayOptions {
  role: string;
  account: string;
  wait: boolean;
  idempotencyKey?: string;
}

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
interface OperationBody {
  operation: {
    id: string;
    kind: string;
    status: string;
    txHash?: string;
    blockNumber?: number;
    error?: ErrorBody["error"];
  };
}
interface RoleBody {
  role: string;
  managed: boolean;
  adminRole: string;
  members: { account: string; grantedAt: string; grantedBy: string; blockNumber: number; transactionHash: string }[];
}

const DEFAULT_URL = "http://localhost:8080";

const EXAMPLES = `
Examples:
  $ export GATEWAY_URL=https://gateway.example.kz GATEWAY_API_KEY=sda_authority_...
  $ npm run cli -- role list
  $ npm run cli -- role grant --role OPERATOR --account 0x90F79bf6EB2c4f870365E785982E1f101E93b906
  $ npm run cli -- role revoke --role VERIFIER --account 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65 --json

Roles: OPERATOR and VERIFIER are granted and revoked (by the authority's API key); AUTHORITY and DEFAULT_ADMIN
are listed only. Exit codes: 0 done, 1 refused by the gateway (or failed on chain), 2 bad usage, 3 gateway
unreachable.`;

/** One HTTP call to the gateway: its status and JSON body; CliExit(UNREACHABLE) when there is no HTTP answer. */
async function call(
  io: CliIo,
  o: GatewayOptions,
  method: string,
  path: string,
  body?: unknown,
  idempotencyKey?: string,
): Promise<{ status: number; body: unknown }> {
  const url = (o.url ?? io.env.GATEWAY_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  const apiKey = o.apiKey ?? io.env.GATEWAY_API_KEY;
  if (!apiKey) {
    io.err("no API key: pass --api-key or set GATEWAY_API_KEY (the authority's key to grant or revoke)\n");
    throw new CliExit(EXIT.USAGE);
  }
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  let res: Response;
  try {
    res = await fetch(url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    io.err(`cannot reach the gateway at ${url}: ${cause}\n`);
    throw new CliExit(EXIT.UNREACHABLE);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    io.err(`the gateway at ${url} answered ${res.status} with a body that is not JSON\n`);
    throw new CliExit(EXIT.UNREACHABLE);
  }
}

const isError = (b: unknown): b is ErrorBody => typeof b === "object" && b !== null && "error" in b;

/** A 4xx/5xx answer: printed (JSON on stdout with --json, a line on stderr otherwise), then exit 1. */
function refused(io: CliIo, o: GatewayOptions, status: number, body: unknown): never {
  if (o.json) io.out(JSON.stringify({ status, ...(isError(body) ? body : { body }) }) + "\n");
  else if (isError(body))
    io.err(
      `refused (${status} ${body.error.code}): ${body.error.message}${body.error.details ? `\n  details: ${JSON.stringify(body.error.details)}` : ""}\n`,
    );
  else io.err(`refused (${status})\n`);
  throw new CliExit(EXIT.REFUSED);
}

async function list(io: CliIo, o: GatewayOptions & { role?: string }): Promise<void> {
  const res = await call(io, o, "GET", o.role ? `/v1/roles/${encodeURIComponent(o.role)}` : "/v1/roles");
  if (res.status !== 200) refused(io, o, res.status, res.body);
  if (o.json) {
    io.out(JSON.stringify(res.body) + "\n");
    return;
  }
  const roles = o.role ? [res.body as RoleBody] : (res.body as { items: RoleBody[] }).items;
  for (const r of roles) {
    io.out(`${r.role}  (administered by ${r.adminRole}${r.managed ? "; granted and revoked here" : "; read only"})\n`);
    if (r.members.length === 0) io.out("  no holder\n");
    for (const m of r.members)
      io.out(`  ${m.account}  since ${m.grantedAt}  granted by ${m.grantedBy}  (block ${m.blockNumber})\n`);
  }
}

async function change(io: CliIo, action: "grant" | "revoke", o: ChangeOptions): Promise<void> {
  const role = encodeURIComponent(o.role);
  const wait = o.wait ? "?wait=true" : "";
  const key = o.idempotencyKey ?? randomUUID();
  const res =
    action === "grant"
      ? await call(io, o, "POST", `/v1/roles/${role}/members${wait}`, { account: o.account }, key)
      : await call(
          io,
          o,
          "DELETE",
          `/v1/roles/${role}/members/${encodeURIComponent(o.account)}${wait}`,
          undefined,
          key,
        );
  if (res.status !== 200 && res.status !== 202) refused(io, o, res.status, res.body);
  const op = (res.body as OperationBody).operation;
  if (o.json) io.out(JSON.stringify(res.body) + "\n");
  if (op.status === "failed") {
    if (!o.json) io.err(`failed on chain (${op.error?.code}): ${op.error?.message} (operation ${op.id})\n`);
    throw new CliExit(EXIT.REFUSED);
  }
  if (o.json) return;
  const what = `${o.role.toUpperCase()} ${action === "grant" ? "granted to" : "revoked from"} ${o.account}`;
  if (op.status === "posted")
    io.out(`${what}: posted in block ${op.blockNumber} (transaction ${op.txHash}, operation ${op.id})\n`);
  else io.out(`${what}: accepted, ${op.status} (operation ${op.id}; follow it with GET /v1/operations/${op.id})\n`);
}

function gatewayOptions(cmd: Command): Command {
  return cmd
    .option("--url <url>", `the gateway's base URL (env GATEWAY_URL, default ${DEFAULT_URL})`)
    .option("--api-key <key>", "an API key; the authority's to grant or revoke (env GATEWAY_API_KEY)")
    .option("--json", "print the gateway's JSON answer (errors too, as {status, error}) on stdout");
}

/** `role list|grant|revoke`: the ledger's roles through the gateway's HTTP API (GET/POST/DELETE /v1/roles). */
export function addRoleCommands(program: Command, io: CliIo): void {
  const role = program
    .command("role")
    .description(
      "on-chain roles through the gateway: who holds which; the authority grants and revokes OPERATOR and VERIFIER",
    )
    .addHelpText("after", EXAMPLES);

  gatewayOptions(
    role
      .command("list")
      .description("who holds which role (DEFAULT_ADMIN, AUTHORITY, OPERATOR, VERIFIER), read from the chain"),
  )
    .option("--role <role>", "only this role")
    .addHelpText("after", EXAMPLES)
    .action((o: GatewayOptions & { role?: string }) => list(io, o));

  for (const action of ["grant", "revoke"] as const) {
    gatewayOptions(
      role
        .command(action)
        .description(
          action === "grant"
            ? "grant OPERATOR or VERIFIER to an account (the authority's transaction)"
            : "revoke OPERATOR or VERIFIER from an account (the authority's transaction)",
        ),
    )
      .requiredOption("--role <role>", "OPERATOR or VERIFIER (any case)")
      .requiredOption("--account <address>", "the account (0x-prefixed address)")
      .option("--no-wait", "return once the gateway accepts the change, without waiting for it to be posted")
      .option(
        "--idempotency-key <key>",
        "send this Idempotency-Key (default: a new one), so a retried command is answered by the same operation",
      )
      .addHelpText("after", EXAMPLES)
      .action((o: ChangeOptions) => change(io, action, o));
  }
}
