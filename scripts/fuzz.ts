import "reflect-metadata";
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { SingleBar, Presets } from "cli-progress";
import { id as keccakText } from "ethers";
import { ACKNOWLEDGEMENT_TYPES, TRANSFER_TYPES } from "../server/domain/eip712";
import { endpointsOf } from "./lib/fuzz-openapi";
import type { OpenApiDocument } from "./lib/fuzz-openapi";
import { endpointOrder, generate } from "./lib/fuzz-corpus";
import type { WireRequest } from "./lib/fuzz-corpus";
import { RawClient } from "./lib/fuzz-http";
import type { WireResponse } from "./lib/fuzz-http";
import { randomSeed } from "./lib/fuzz-random";
import { FAR_FUTURE, diffSnapshots, startStack, waitFor } from "./lib/fuzz-stack";
import type { FuzzDatabase, Snapshot, Stack } from "./lib/fuzz-stack";

/**
 * `npm run fuzz`: a corpus of hostile requests against a real gateway (its own Hardhat node, deployment and SQLite
 * database, or with `--database postgres` a fresh schema at DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test, dropped at the end: some values fail only there), every endpoint of
 * /openapi.json, with a valid key for the route's role. Checks: no 5xx; a refused
 * request changes neither the ledger (record counts and heads, balances, frozen units, signer nonces) nor the
 * gateway's operations and chain_transactions; afterwards a holder-signed canary transfer posts and reaches the
 * mirror. Every request carries one malformation a correct gateway refuses, so a 2xx on a mutating route is
 * reported as "accepted" (informational: its own operation may change state, which is then not counted as a
 * state change). The last stdout line is the JSON summary; the exit code is 0 only without 5xx and state changes
 * and with the canary posted.
 */

interface Finding {
  kind: "5xx" | "accepted" | "stateChange" | "stall";
  request?: WireRequest;
  response?: WireResponse;
  cause?: string;
  detail?: string;
}

const positiveInt = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return Number(v);
};

const program = new Command()
  .name("npm run fuzz --")
  .description(
    "Send a seeded corpus of malformed requests to every gateway endpoint and check that none gets a 5xx or changes state",
  )
  .option("--seed <n>", "seed of the corpus (printed at the start of every run; pass it to replay)", (v) => {
    if (!/^\d+$/.test(v) || Number(v) > 0xffffffff)
      throw new InvalidArgumentError("seed must be an integer in [0, 2^32)");
    return Number(v);
  })
  .option("--requests <n>", "number of requests (default 20000, or 5000 with --quick)", positiveInt("requests"))
  .option("--quick", "about 5000 requests, still every endpoint (CI)", false)
  .option("--concurrency <n>", "requests in flight at once", positiveInt("concurrency"), 8)
  .option(
    "--only <indexes>",
    "send only these request indexes of the seed's corpus (comma-separated), e.g. to replay findings",
    (v) => {
      if (!/^\d+(,\d+)*$/.test(v)) throw new InvalidArgumentError("--only takes comma-separated request indexes");
      return v.split(",").map(Number);
    },
  )
  .option(
    "--timeout <ms>",
    "time a request may take before it counts as a server failure",
    positiveInt("timeout"),
    60_000,
  )
  .option(
    "--database <kind>",
    "the gateway's database: sqlite (a temp file) or postgres (a fresh schema at DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, dropped at the end)",
    (v) => {
      if (v !== "sqlite" && v !== "postgres") throw new InvalidArgumentError("--database is sqlite or postgres");
      return v;
    },
    "sqlite",
  );

const log = (msg: string) => process.stderr.write(`[fuzz] ${msg}\n`);
const excerpt = (s: string, n = 200) => {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > n ? one.slice(0, n - 1) + "…" : one;
};
const describe = (r: WireRequest) =>
  `#${r.index} ${r.method} ${excerpt(r.path, 160)} [${r.endpoint.operationId}] ${r.label}`;

/** request id -> the error the gateway logged for it (the 500's cause). */
function causesFromLog(file: string): Map<string, string> {
  const causes = new Map<string, string>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return causes;
  }
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as {
        req?: { id?: string };
        reqId?: string;
        err?: { type?: string; message?: string; code?: string };
        msg?: string;
      };
      const id = entry.req?.id ?? entry.reqId;
      if (!id || !entry.err?.message) continue;
      const cause = `${entry.err.type ?? "Error"}: ${excerpt(entry.err.message, 160)}`;
      if (!causes.has(id) || entry.msg === "unhandled error") causes.set(id, cause);
    } catch {
      // not a JSON line
    }
  }
  return causes;
}

/** A logged error without the values in it, so that one cause makes one group. */
function normaliseCause(cause: string): string {
  return cause
    .replace(/\(argument=.*$/, "")
    .replace(/'[^']*'/g, "'…'")
    .replace(/"[^"]*"/g, '"…"')
    .replace(/0x[0-9a-fA-F]+|\d+/g, "N")
    .trim();
}

function operationIdOf(body: string): string | null {
  try {
    const parsed = JSON.parse(body) as { operation?: { id?: string } };
    return parsed.operation?.id ?? null;
  } catch {
    return null;
  }
}

function errorCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string } };
    return parsed.error?.code ?? "";
  } catch {
    return "";
  }
}

async function canary(stack: Stack, say: (m: string) => void): Promise<{ posted: boolean; detail: string }> {
  const { world } = stack;
  const { A, B } = world.holders;
  // A wrongly accepted request may have paused the platform or published a new disclosure: put the live state
  // back (reported), so the canary tests the submitter and the mirror, not the corpus's side effects.
  const platform = await stack.call("GET", "/v1/platform", null);
  if (platform.body.paused === true) {
    const r = await stack.call("POST", "/v1/platform/unpause?wait=true", "authority");
    say(
      `repair: the platform was paused by an accepted request; unpause -> ${r.status} ${r.body.operation?.status ?? ""}`,
    );
  }
  const current = await stack.call("GET", "/v1/disclosures/current", null);
  const version = Number(current.body.version);
  if (version !== world.disclosure.version) {
    const documentHash = String(current.body.documentHash);
    for (const w of [A, B]) {
      const signature = await w.signTypedData(world.domain, ACKNOWLEDGEMENT_TYPES, {
        account: w.address,
        version,
        documentHash,
        deadline: FAR_FUTURE,
      });
      const r = await stack.call("POST", `/v1/disclosures/${version}/acknowledgements?wait=true`, "operator", {
        account: w.address,
        deadline: FAR_FUTURE,
        signature,
      });
      say(
        `repair: disclosure v${version} was published by an accepted request; ${w.address} acknowledges -> ${r.status} ${r.body.operation?.status ?? r.body.error?.code ?? ""}`,
      );
    }
  }
  const assetId = world.assets.live;
  const nonces = await stack.call("GET", `/v1/holders/${A.address}/nonces/${assetId}`, "operator");
  const authorization = {
    from: A.address,
    to: B.address,
    assetId,
    amount: "1",
    nonce: String(nonces.body.nextNonce),
    deadline: FAR_FUTURE,
    ref: keccakText(`canary ${world.seed}`),
  };
  const signature = await A.signTypedData(world.domain, TRANSFER_TYPES, authorization);
  const res = await stack.call(
    "POST",
    "/v1/transfers?wait=true",
    "operator",
    { authorization, signature },
    { "idempotency-key": `canary-${world.seed}` },
  );
  const op = res.body.operation;
  if (res.status !== 200 || op?.status !== "posted" || !op.recordSequence) {
    return { posted: false, detail: `canary transfer: ${res.status} ${excerpt(JSON.stringify(res.body), 300)}` };
  }
  const sequence = op.recordSequence;
  const mirrored = await waitFor(
    async () => {
      // Page by page through the `next` links (the API's one pagination convention).
      for (let q: string | null = `/v1/records?assetId=${assetId}&participant=${A.address}&limit=500`; q;) {
        const page = await stack.call("GET", q, "operator");
        if (page.status !== 200) return false;
        const items = (page.body.items ?? []) as { sequence: string }[];
        if (items.some((r) => r.sequence === sequence)) return true;
        q = (page.body.next as string | null) ?? null;
      }
      return false;
    },
    60_000,
    100,
  );
  return mirrored
    ? { posted: true, detail: `canary transfer posted (record ${sequence} of asset ${assetId}) and mirrored` }
    : {
        posted: false,
        detail: `canary transfer posted (record ${sequence}) but the mirror did not show it within 60 s`,
      };
}

async function main(): Promise<number> {
  program.parse(process.argv);
  const opts = program.opts<{
    seed?: number;
    requests?: number;
    quick: boolean;
    concurrency: number;
    only?: number[];
    timeout: number;
    database: FuzzDatabase;
  }>();
  const seed = opts.seed ?? randomSeed();
  const total = opts.requests ?? (opts.quick ? 5_000 : 20_000);
  process.stdout.write(`seed: ${seed}\n`);
  const started = Date.now();
  const stack = await startStack(seed, log, { database: opts.database });
  const setupSeconds = (Date.now() - started) / 1000;
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    log("interrupted: stopping");
    setTimeout(() => process.exit(130), 20_000).unref();
    void stack.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const client = new RawClient(stack.url, opts.concurrency, opts.timeout);
  try {
    const docRes = await fetch(`${stack.url}/openapi.json`);
    if (docRes.status !== 200) throw new Error(`/openapi.json: ${docRes.status}`);
    const doc = (await docRes.json()) as OpenApiDocument;
    const endpoints = endpointsOf(doc);
    const order = endpointOrder(seed, endpoints.length);
    const indexes = opts.only ?? Array.from({ length: total }, (_, i) => i);
    if (!opts.only && total < endpoints.length)
      log(`note: ${total} requests cannot cover all ${endpoints.length} endpoints`);
    log(`${endpoints.length} endpoints, ${indexes.length} requests, concurrency ${opts.concurrency}`);

    const findings: Finding[] = [];
    const covered = new Set<string>();
    let sent = 0;
    let status5xx = 0;
    let stateChanges = 0;
    let accepted = 0;
    let unsent = 0;
    const statuses = new Map<number, number>();

    const bar = new SingleBar(
      {
        format: "fuzz [{bar}] {value}/{total} | {rps} req/s | 5xx {s5} | state {sc} | accepted {acc}",
        stream: process.stderr,
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      },
      Presets.shades_classic,
    );
    bar.start(indexes.length, 0, { rps: 0, s5: 0, sc: 0, acc: 0 });

    const corpusStarted = Date.now();
    let baseline: Snapshot = await stack.snapshot();
    // Once operations stop settling (a poisoned submitter), waiting a minute per batch would only stretch the run.
    let stalled = false;
    const settle = async (where: string) => {
      if (await stack.settled(stalled ? 2_000 : 60_000)) return;
      if (!stalled)
        findings.push({
          kind: "stall",
          detail: `operations still pending or submitted 60 s after ${where}: the submitter is not advancing (see the canary)`,
        });
      stalled = true;
    };
    // The mutating requests that may have caused a change seen after a batch (its own, and the previous batch's,
    // whose effects may come later than their responses), with what they got back.
    let previous: { requests: WireRequest[]; results: WireResponse[] } = { requests: [], results: [] };
    const suspects = (requests: WireRequest[], results: WireResponse[]) =>
      [
        ...previous.requests.map((r, k) => [r, previous.results[k]] as const),
        ...requests.map((r, k) => [r, results[k]] as const),
      ]
        .filter(([r]) => r.endpoint.mutating)
        .map(([r, res]) => `${describe(r)} -> ${res.status} ${errorCode(res.body)}`);
    const changeDetail = (what: string, requests: WireRequest[], results: WireResponse[]) =>
      `${what}\n    during requests #${requests[0].index}..#${requests[requests.length - 1].index}; mutating requests of this batch and the one before:\n      ${suspects(requests, results).join("\n      ")}`;
    for (let at = 0; at < indexes.length; at += opts.concurrency) {
      const batch = indexes
        .slice(at, at + opts.concurrency)
        .map((i) => generate(seed, i, endpoints, order, stack.world, stack.keys));
      const results = await Promise.all(batch.map((r) => client.send(r.method, r.path, r.headers, r.body)));
      let acceptedHere = false;
      const acceptedOps = new Set<string>();
      batch.forEach((req, k) => {
        const res = results[k];
        if (res.status === -1) {
          unsent += 1;
          log(`not sent (client-side): ${describe(req)}: ${res.error}`);
          return;
        }
        sent += 1;
        covered.add(req.endpoint.operationId);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 0 || res.status >= 500) {
          status5xx += 1;
          findings.push({ kind: "5xx", request: req, response: res });
        } else if (req.endpoint.mutating && res.status >= 200 && res.status < 300) {
          accepted += 1;
          acceptedHere = true;
          const op = operationIdOf(res.body);
          if (op) acceptedOps.add(op);
          findings.push({ kind: "accepted", request: req, response: res });
        }
      });
      // State: an accepted request may change it through its own operation (wait for that, then re-baseline);
      // otherwise nothing may have changed since the previous batch.
      if (acceptedHere) {
        await settle(`request #${batch[0].index}`);
        const now = await stack.snapshot();
        // Accepted requests may add their own operations, and nothing else may.
        const added = Number(now.operations) - Number(baseline.operations);
        if (added > acceptedOps.size) {
          stateChanges += 1;
          findings.push({
            kind: "stateChange",
            detail: changeDetail(
              `operations: ${baseline.operations} -> ${now.operations}, but the accepted requests account for ${acceptedOps.size}`,
              batch,
              results,
            ),
          });
        }
        baseline = now;
      } else {
        const now = await stack.snapshot();
        const diff = diffSnapshots(baseline, now);
        if (diff.length > 0) {
          stateChanges += 1;
          findings.push({ kind: "stateChange", detail: changeDetail(diff.join("; "), batch, results) });
          baseline = now;
        }
      }
      previous = { requests: batch, results };
      const secs = (Date.now() - corpusStarted) / 1000;
      bar.update(Math.min(at + opts.concurrency, indexes.length), {
        rps: Math.round(sent / Math.max(secs, 0.001)),
        s5: status5xx,
        sc: stateChanges,
        acc: accepted,
      });
    }
    bar.stop();

    // Effects that come later than the response (a refused request that still queued something) show up here.
    await settle("the corpus");
    const final = diffSnapshots(baseline, await stack.snapshot());
    if (final.length > 0) {
      stateChanges += 1;
      findings.push({ kind: "stateChange", detail: `after the corpus settled: ${final.join("; ")}` });
    }
    const fuzzSeconds = (Date.now() - corpusStarted) / 1000;

    log("canary: a holder-signed transfer through the gateway…");
    const c = await canary(stack, log).catch((err: Error) => ({
      posted: false,
      detail: `canary failed: ${err.message}`,
    }));
    log(c.detail);

    // Report.
    const causes = causesFromLog(stack.logFile);
    for (const f of findings) if (f.kind === "5xx" && f.request) f.cause = causes.get(`fz-${f.request.index}`);
    const out = (s: string) => process.stdout.write(s + "\n");
    const missing = endpoints.filter((e) => !covered.has(e.operationId)).map((e) => e.operationId);
    if (missing.length > 0 && !opts.only) out(`endpoints not reached: ${missing.join(", ")}`);
    if (findings.length > 0) out("\nfindings:");
    for (const f of findings) {
      if (f.kind === "stateChange" || f.kind === "stall") {
        out(`${f.kind === "stall" ? "STALL" : "STATE CHANGE"} ${f.detail}`);
        continue;
      }
      const r = f.request!;
      const res = f.response!;
      const status = res.status === 0 ? `no response (${res.error})` : String(res.status);
      out(
        `${f.kind === "5xx" ? "5XX" : "ACCEPTED"} ${describe(r)} -> ${status} ${excerpt(res.body, 200)}${f.cause ? ` | cause: ${f.cause}` : ""}`,
      );
    }
    // The same findings grouped by cause: kind, status, error code, malformation and the logged error (with the
    // values taken out), with the endpoints it was seen on and one example.
    const groups = new Map<string, { count: number; endpoints: Set<string>; example: Finding }>();
    for (const f of findings) {
      if (f.kind === "stateChange" || f.kind === "stall") continue;
      const r = f.request!;
      const key = `${f.kind === "5xx" ? `5XX ${f.response!.status}` : "ACCEPTED 2xx"} ${errorCode(f.response!.body)} ${r.label.split(" ")[0]}${f.cause ? ` | ${normaliseCause(f.cause)}` : ""}`;
      const g = groups.get(key) ?? { count: 0, endpoints: new Set<string>(), example: f };
      g.count += 1;
      g.endpoints.add(`${r.method} ${r.endpoint.path}`);
      groups.set(key, g);
    }
    if (groups.size > 0) {
      out("\nsummary by cause (requests, finding, endpoints, first example):");
      for (const [key, g] of [...groups.entries()].sort((a, b) => b[1].count - a[1].count)) {
        const eps = [...g.endpoints];
        out(
          `  ${String(g.count).padStart(5)}  ${key}\n         on ${eps.length} endpoint(s): ${excerpt(eps.join(", "), 400)}\n         e.g. ${describe(g.example.request!)}`,
        );
      }
    }
    const statusLine = [...statuses.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s === 0 ? "none" : s}:${n}`)
      .join(" ");
    out(
      `\n${sent} requests in ${fuzzSeconds.toFixed(1)} s (${(sent / fuzzSeconds).toFixed(0)}/s; setup ${setupSeconds.toFixed(1)} s, total ${((Date.now() - started) / 1000).toFixed(1)} s) over ${covered.size}/${endpoints.length} endpoints; statuses ${statusLine}${unsent ? `; ${unsent} not sent` : ""}`,
    );
    const db = opts.database === "postgres" ? " --database postgres" : "";
    out(
      `replay: npm run fuzz -- --seed ${seed} --requests ${total}${db}   (one request: --seed ${seed}${db} --only <index>)`,
    );
    const summary = {
      requests: sent,
      status5xx,
      stateChanges,
      canaryPosted: c.posted,
      accepted,
      seed,
      database: opts.database,
    };
    out(JSON.stringify(summary));
    return status5xx === 0 && stateChanges === 0 && c.posted ? 0 : 1;
  } finally {
    client.close();
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`[fuzz] failed: ${err.stack ?? err.message}\n`);
    process.exit(2);
  },
);
