/**
 * `npm run chaos`: crash and outage trials against real processes — a Hardhat node mining every second, gateway
 * instances as child processes, SQLite or PostgreSQL — verified against the chain's own events.
 *
 *   npm run chaos -- [--trials N] [--transfers N] [--database sqlite|postgres] [--instances 1|2] [--seed S]
 *                    [--quick] [--scenario kill|node-outage|db-outage]
 *
 * The seed is printed first; the same seed replays the same choices (when to kill, which instance, how long it
 * stays down). The last line of output is one JSON object; the exit code is 1 when anything was lost,
 * duplicated, stuck or wrongly failed, or an outage check did not hold (docs/operations.md, "Chaos trials").
 */
import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { JsonRpcProvider } from "ethers";
import { prng, randomSeed } from "./lib/chaos/prng";
import { buildServer, startNode } from "./lib/chaos/processes";
import type { Runtime } from "./lib/chaos/processes";
import { runTrial } from "./lib/chaos/scenarios";
import type { RunContext, Scenario, TrialResult, TrialSpec } from "./lib/chaos/scenarios";
import { PG_URL_DEFAULT } from "./lib/chaos/setup";

const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
  return n;
};

interface Options {
  trials?: number;
  transfers: number;
  database?: "sqlite" | "postgres";
  instances?: number;
  seed?: string;
  quick?: boolean;
  scenario?: Scenario;
  outageSeconds?: number;
  staleMs: number;
  keep?: boolean;
  runtime: "build" | "ts-node";
}

function program(): Command {
  return new Command("chaos")
    .description("Kill -9 and outage trials of the gateway against real processes, verified on chain")
    .option("--trials <n>", "trials of the scenario (default 20; --quick: the CI set)", int(1, 1000))
    .option("--transfers <n>", "holder-signed transfers per kill trial", int(10, 5000), 500)
    .addOption(new Option("--database <db>", "the gateways' database").choices(["sqlite", "postgres"]))
    .option("--instances <n>", "gateway instances on the database (default 2 on PostgreSQL, 1 on SQLite)", int(1, 2))
    .option("--seed <s>", "replay a run: the seed printed at its start")
    .option(
      "--quick",
      "a CI-sized set: 2 kill trials of 200 on PostgreSQL with 2 instances, 1 on SQLite with 1, short outages",
    )
    .addOption(
      new Option("--scenario <name>", "only this scenario (default kill; --quick: all three)").choices([
        "kill",
        "node-outage",
        "db-outage",
      ]),
    )
    .option(
      "--outage-seconds <n>",
      "length of a node or database outage (default 60 / 30; --quick 15 / 10)",
      int(1, 600),
    )
    .option(
      "--stale-ms <n>",
      "the gateways' IDEMPOTENCY_STALE_MS: how soon a resend takes over a key left in progress by a killed instance",
      int(1_000, 600_000),
      15_000,
    )
    .addOption(
      new Option("--runtime <how>", "gateway processes from a production build (dist/chaos) or through ts-node")
        .choices(["build", "ts-node"])
        .default("build"),
    )
    .option("--keep", "keep the work directory (gateway and node logs) and the PostgreSQL schemas")
    .option("--pg-url <url>", "PostgreSQL for the postgres trials", process.env.CHAOS_DATABASE_URL ?? PG_URL_DEFAULT);
}

function specs(o: Options & { pgUrl: string }, seed: string): TrialSpec[] {
  const out: TrialSpec[] = [];
  const add = (
    scenario: Scenario,
    database: "sqlite" | "postgres",
    instances: number,
    transfers: number,
    outageMs: number,
  ) =>
    out.push({
      index: out.length + 1,
      scenario,
      database,
      instances,
      transfers,
      outageMs,
      seed: `${seed}.${out.length + 1}`,
    });
  const outage = (scenario: Scenario, quick: boolean) =>
    (o.outageSeconds ?? (scenario === "node-outage" ? (quick ? 15 : 60) : quick ? 10 : 30)) * 1000;
  if (o.quick) {
    const only = o.scenario;
    const transfers = Math.min(o.transfers, 200);
    if (!only || only === "kill") {
      for (let i = 0; i < (o.trials ?? 2); i++) add("kill", "postgres", 2, transfers, 0);
      add("kill", "sqlite", 1, transfers, 0);
    }
    if (!only || only === "node-outage") add("node-outage", "sqlite", 1, 0, outage("node-outage", true));
    if (!only || only === "db-outage") add("db-outage", "postgres", 2, 0, outage("db-outage", true));
    return out;
  }
  const scenario = o.scenario ?? "kill";
  const database = scenario === "db-outage" ? "postgres" : (o.database ?? "postgres");
  if (scenario === "db-outage" && o.database === "sqlite") throw new Error("db-outage runs on PostgreSQL only");
  const instances = o.instances ?? (database === "postgres" ? 2 : 1);
  const trials = o.trials ?? (scenario === "kill" ? 20 : 1);
  for (let i = 0; i < trials; i++) add(scenario, database, instances, o.transfers, outage(scenario, false));
  return out;
}

const SUMS = [
  "accepted",
  "posted",
  "lost",
  "duplicated",
  "stuck",
  "stuckOnChain",
  "wronglyFailed",
  "unacknowledged",
  "onChainUnacknowledged",
  "nonceMismatches",
] as const;

async function main(): Promise<number> {
  const cmd = program().parse(process.argv);
  const o = cmd.opts<Options & { pgUrl: string }>();
  const seed = o.seed ?? randomSeed();
  console.log(
    `chaos seed ${seed} (replay: npm run chaos -- ${process.argv
      .slice(2)
      .filter((a, i, all) => a !== "--seed" && all[i - 1] !== "--seed")
      .join(" ")} --seed ${seed})`,
  );
  const plan = specs(o, seed);
  const workdir = mkdtempSync(join(tmpdir(), "chaos-"));
  const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
  log(`${plan.length} trial(s); work directory ${workdir}`);
  if (o.keep) process.env.CHAOS_KEEP = "1";
  const runtime: Runtime = o.runtime === "build" ? buildServer(log) : { kind: "ts-node" };
  const node = await startNode(1_000, join(workdir, "node.log"));
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 250 });
  const ctx: RunContext = { node, provider, pgUrl: o.pgUrl, workdir, staleMs: o.staleMs, runtime, log };
  const results: TrialResult[] = [];
  const errors: string[] = [];
  const started = Date.now();
  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
    log("interrupted: finishing the current trial");
  });
  try {
    for (const spec of plan) {
      if (interrupted) break;
      log(
        `trial ${spec.index}/${plan.length}: ${spec.scenario} on ${spec.database} with ${spec.instances} instance(s), seed ${spec.seed}`,
      );
      try {
        const r = await runTrial(ctx, spec, prng(spec.seed));
        results.push(r);
        const v = r.verdict;
        log(
          `  accepted ${v.accepted}, posted ${v.posted}, lost ${v.lost}, duplicated ${v.duplicated}, stuck ${v.stuck}, ` +
            `wronglyFailed ${v.wronglyFailed}, unacknowledged ${v.unacknowledged}, resends ${r.resends}, ${r.seconds} s ` +
            JSON.stringify(r.figures),
        );
        if (Object.keys(v.failedCodes).length) log(`  failed operations by code: ${JSON.stringify(v.failedCodes)}`);
        if (Object.keys(v.refusedCodes).length)
          log(`  never acknowledged, last answer: ${JSON.stringify(v.refusedCodes)}`);
        for (const e of v.examples) log(`  - ${e}`);
        for (const e of r.violations) log(`  ! ${e}`);
      } catch (err) {
        errors.push(`trial ${spec.index} (${spec.seed}): ${(err as Error).message}`);
        log(`  trial failed to run: ${(err as Error).stack ?? String(err)}`);
      }
    }
  } finally {
    provider.destroy();
    await node.stop();
    if (!o.keep) rmSync(workdir, { recursive: true, force: true });
  }
  const total = Object.fromEntries(SUMS.map((k) => [k, results.reduce((s, r) => s + r.verdict[k], 0)])) as Record<
    (typeof SUMS)[number],
    number
  >;
  const failedCodes: Record<string, number> = {};
  for (const r of results)
    for (const [c, n] of Object.entries(r.verdict.failedCodes)) failedCodes[c] = (failedCodes[c] ?? 0) + n;
  const byScenario: Record<string, number> = {};
  for (const r of results) byScenario[r.spec.scenario] = (byScenario[r.spec.scenario] ?? 0) + 1;
  const violations = results.reduce((s, r) => s + r.violations.length, 0);
  const trialsWithProblems = results.filter(
    (r) => r.verdict.lost + r.verdict.duplicated + r.verdict.stuck + r.verdict.wronglyFailed + r.violations.length > 0,
  ).length;
  const outage = results
    .filter((r) => r.spec.scenario !== "kill")
    .map((r) => ({ scenario: r.spec.scenario, seconds: r.spec.outageMs / 1000, ...r.figures }));
  const summary = {
    trials: results.length,
    ...total,
    seed,
    scenarios: byScenario,
    trialsWithProblems,
    violations,
    trialErrors: errors.length,
    resends: results.reduce((s, r) => s + r.resends, 0),
    startFailures: results.reduce((s, r) => s + Number(r.figures.startFailures ?? 0), 0),
    failedCodes,
    ...(outage.length ? { outage } : {}),
    perTrial: results.map((r) => ({
      seed: r.spec.seed,
      scenario: r.spec.scenario,
      database: r.spec.database,
      instances: r.spec.instances,
      accepted: r.verdict.accepted,
      lost: r.verdict.lost,
      duplicated: r.verdict.duplicated,
      stuck: r.verdict.stuck,
      wronglyFailed: r.verdict.wronglyFailed,
      unacknowledged: r.verdict.unacknowledged,
      violations: r.violations.length,
    })),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  for (const e of errors) log(`error: ${e}`);
  console.log(JSON.stringify(summary));
  const bad = total.lost + total.duplicated + total.stuck + total.wronglyFailed + violations + errors.length > 0;
  return bad || results.length === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
