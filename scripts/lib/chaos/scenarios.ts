/**
 * The chaos scenarios, each one trial on its own contracts and database:
 * - kill: concurrent holder-signed transfers spread over the instances; one instance gets SIGKILL at a seeded
 *   random moment and is restarted; clients resend what was not acknowledged; then every acknowledged operation
 *   must be final within 30 s and posted exactly once on chain.
 * - node-outage: a trickle of transfers; the node is paused (SIGSTOP) then resumed; /readyz, writes and reads are
 *   timed during the outage; everything accepted posts once after it.
 * - db-outage: the same with PostgreSQL behind a proxy the harness cuts (connection refused) then restores.
 */
import { join } from "node:path";
import type { JsonRpcProvider, Wallet } from "ethers";
import { call, problemCode } from "./client";
import type { Answer } from "./client";
import type { Prng } from "./prng";
import { setUpTrial } from "./setup";
import type { Transfer, Trial, TrialOptions } from "./setup";
import { sleep } from "./processes";
import type { ChaosNode, Runtime } from "./processes";
import { Traffic } from "./traffic";
import { verify } from "./verify";
import type { Verdict } from "./verify";

export type Scenario = "kill" | "node-outage" | "db-outage";

export interface TrialSpec {
  index: number;
  scenario: Scenario;
  database: "sqlite" | "postgres";
  instances: number;
  transfers: number;
  seed: string;
  /** Outage length, ms (node-outage, db-outage). */
  outageMs: number;
}

export interface TrialResult {
  spec: TrialSpec;
  verdict: Verdict;
  /** Checks of the outage scenarios that did not hold (also a crash of a gateway in any scenario). */
  violations: string[];
  figures: Record<string, unknown>;
  resends: number;
  seconds: number;
}

export interface RunContext {
  node: ChaosNode;
  provider: JsonRpcProvider;
  pgUrl: string;
  workdir: string;
  staleMs: number;
  runtime: Runtime;
  log: (msg: string) => void;
}

/** How long the stuck bound is: every operation final this long after the restart and the resends. */
const FINAL_BOUND_MS = 30_000;

function trialOptions(ctx: RunContext, spec: TrialSpec, holders: number, unitsPerHolder: number): TrialOptions {
  const name = `t${spec.index}_${spec.scenario.replace("-", "")}_${spec.seed}`;
  return {
    name,
    dir: join(ctx.workdir, name),
    nodeUrl: ctx.node.url,
    provider: ctx.provider,
    database: spec.database,
    pgUrl: ctx.pgUrl,
    instances: spec.instances,
    holders,
    unitsPerHolder,
    dbProxy: spec.scenario === "db-outage",
    gatewayEnv: { IDEMPOTENCY_STALE_MS: String(ctx.staleMs) },
    runtime: ctx.runtime,
    log: (m) => ctx.log(`  ${m}`),
  };
}

/** Signs holder i -> holder i+1 transfers, round by round (nonces consecutive per holder), `n` in all. */
async function plan(trial: Trial, n: number): Promise<Transfer[]> {
  const h = trial.holders;
  const out: Transfer[] = [];
  for (let r = 0; out.length < n; r++)
    for (let i = 0; i < h.length && out.length < n; i++)
      out.push(await trial.sign(h[i], h[(i + 1) % h.length].address, r));
  return out;
}

async function finish(
  ctx: RunContext,
  spec: TrialSpec,
  trial: Trial,
  traffic: Traffic,
  transfers: Transfer[],
  started: number,
  violations: string[],
  figures: Record<string, unknown>,
): Promise<TrialResult> {
  for (const t of transfers) traffic.outcome(t);
  const verdict = await verify({
    provider: ctx.provider,
    ledger: trial.deployment.ledger,
    assetId: trial.assetId,
    fromBlock: trial.startBlock,
    database: trial.database,
    outcomes: [...traffic.outcomes.values()],
    holders: trial.holders.map((w: Wallet) => w.address),
  });
  for (const inst of trial.instances) for (const e of inst.unexpectedExits) violations.push(`crash: ${e}`);
  const startFailures = trial.instances.flatMap((i) => i.startFailures);
  if (startFailures.length) figures.startFailures = startFailures.length;
  return {
    spec,
    verdict,
    violations,
    figures,
    resends: traffic.resends,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

export async function runTrial(ctx: RunContext, spec: TrialSpec, rnd: Prng): Promise<TrialResult> {
  if (spec.scenario === "kill") return killTrial(ctx, spec, rnd);
  return outageTrial(ctx, spec, rnd);
}

async function killTrial(ctx: RunContext, spec: TrialSpec, rnd: Prng): Promise<TrialResult> {
  const started = Date.now();
  const holders = Math.min(50, Math.max(10, Math.ceil(spec.transfers / 10)));
  const perHolder = Math.ceil(spec.transfers / holders);
  const trial = await setUpTrial(trialOptions(ctx, spec, holders, perHolder + 5));
  try {
    const transfers = await plan(trial, spec.transfers);
    const traffic = new Traffic(trial.instances, trial.keys.operator);
    // The chaos: after a seeded number of acknowledgements and a seeded delay, SIGKILL one instance, restart it.
    const killAfterAcks = Math.floor(spec.transfers * rnd.range(0.05, 0.95));
    const extraDelayMs = rnd.int(0, 1_500);
    const victim = trial.instances[rnd.int(0, trial.instances.length - 1)];
    const downMs = rnd.int(200, 2_000);
    const concurrency = 32;
    ctx.log(
      `  kill: ${spec.transfers} transfers from ${holders} holders, ${concurrency} at a time over ${trial.instances.length} instance(s); ` +
        `SIGKILL ${victim.name} after ${killAfterAcks} acks + ${extraDelayMs} ms, restart after ${downMs} ms`,
    );
    let sendingDone = false;
    const figures: Record<string, unknown> = { victim: victim.name, killAfterAcks, extraDelayMs, downMs };
    const sendStarted = Date.now();
    const deadline = sendStarted + 120_000 + ctx.staleMs * 2;
    const monkey = (async () => {
      while (traffic.acknowledged < killAfterAcks && !sendingDone) await sleep(10);
      await sleep(extraDelayMs);
      figures.killedAtMs = Date.now() - sendStarted;
      figures.ackedAtKill = traffic.acknowledged;
      await victim.kill();
      await sleep(downMs);
      const t0 = Date.now();
      await victim.startSupervised(5, (m) => ctx.log(`  ${m}`));
      figures.restartMs = Date.now() - t0;
    })().catch((err: unknown) => {
      // Down for good: the clients go on with the other instance (or time out), and the verdict says what it cost.
      figures.restartFailed = (err as Error).message;
    });
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < transfers.length) {
          const j = next++;
          await traffic.deliver(transfers[j], j % trial.instances.length, deadline);
        }
      }),
    );
    sendingDone = true;
    await monkey;
    const settledAt = Date.now();
    figures.sendSeconds = Math.round((settledAt - sendStarted) / 100) / 10;
    figures.conflicts = traffic.conflicts;
    figures.resendReasons = traffic.resendReasons;
    const open = await traffic.awaitFinal(settledAt + FINAL_BOUND_MS);
    figures.finalSeconds = Math.round((Date.now() - settledAt) / 100) / 10;
    figures.openAtBound = open;
    return await finish(ctx, spec, trial, traffic, transfers, started, [], figures);
  } finally {
    await trial.close();
  }
}

interface Timed {
  at: number;
  ms: number;
  status: number;
  code?: string;
}

async function outageTrial(ctx: RunContext, spec: TrialSpec, rnd: Prng): Promise<TrialResult> {
  const started = Date.now();
  const db = spec.scenario === "db-outage";
  const holders = 10;
  const gapMs = 250;
  const preMs = 5_000;
  const postMs = db ? 10_000 : 5_000;
  const expected = Math.ceil((preMs + spec.outageMs + postMs) / gapMs) + 20;
  const trial = await setUpTrial(trialOptions(ctx, spec, holders, Math.ceil(expected / holders) + 5));
  try {
    const transfers = await plan(trial, expected);
    const traffic = new Traffic(trial.instances, trial.keys.operator);
    const violations: string[] = [];
    const figures: Record<string, unknown> = {};
    let stoppedAt = 0;
    let resumedAt = 0;
    const writes: (Timed & { key: string })[] = [];
    const readyz: Timed[] = [];
    const reads: Timed[] = [];
    const retries: Promise<void>[] = [];
    let firstAckAfterResume = 0;
    let trickling = true;
    const outageNow = () => stoppedAt > 0 && resumedAt === 0;

    // The trickle: one transfer every gapMs, round robin over instances; what is not acknowledged is resent after.
    const trickle = (async () => {
      let j = 0;
      while (trickling && j < transfers.length) {
        const t = transfers[j];
        // Each instance in turn, alive or not: a gateway that died answers nothing, which the checks count.
        const inst = trial.instances[j % trial.instances.length];
        const at = Date.now();
        const inOutage = outageNow();
        const send = traffic.send(t, inst, 10_000).then((a: Answer) => {
          if (inOutage && outageNow())
            writes.push({ key: t.key, at: at - stoppedAt, ms: a.ms, status: a.status, code: problemCode(a) });
          if (a.status >= 200 && a.status < 300) {
            if (resumedAt && at >= resumedAt && !firstAckAfterResume) firstAckAfterResume = Date.now() - resumedAt;
            return;
          }
          // Resent (same key) once the outage is over, until acknowledged.
          retries.push(
            (async () => {
              while (!resumedAt) await sleep(200);
              await traffic.deliver(t, j + 1, Date.now() + 120_000 + ctx.staleMs * 2, a);
            })(),
          );
        });
        retries.push(send);
        j++;
        await sleep(gapMs);
      }
      figures.trickled = j;
    })();
    // Probes: /readyz every 250 ms, chain-free reads every 500 ms, while the outage lasts.
    const probes = (async () => {
      let k = 0;
      while (trickling) {
        if (outageNow()) {
          const inst = trial.instances[k++ % trial.instances.length];
          const at = Date.now() - stoppedAt;
          void call(inst.url, "GET", "/readyz", { timeoutMs: 10_000 }).then((a) => {
            if (outageNow()) readyz.push({ at, ms: a.ms, status: a.status, code: problemCode(a) });
          });
          if (!db && k % 2 === 0) {
            const known = [...traffic.outcomes.values()].find((o) => o.operationIds.length > 0);
            const path = known ? `/v1/operations/${known.operationIds[0]}` : "/v1/operations?limit=5";
            void call(inst.url, "GET", k % 4 === 0 ? "/v1/operations?limit=5" : path, {
              apiKey: trial.keys.monitor,
              timeoutMs: 10_000,
            }).then((a) => {
              if (outageNow()) reads.push({ at, ms: a.ms, status: a.status, code: problemCode(a) });
            });
          }
        }
        await sleep(250);
      }
    })();

    await sleep(preMs + rnd.int(0, 1_000));
    stoppedAt = Date.now();
    if (db) await trial.proxy!.cut();
    else ctx.node.pause();
    ctx.log(`  ${spec.scenario}: ${db ? "database cut" : "node paused (SIGSTOP)"} for ${spec.outageMs / 1000} s`);
    await sleep(spec.outageMs);
    resumedAt = Date.now();
    if (db) await trial.proxy!.restore();
    else ctx.node.resume();
    ctx.log(`  ${spec.scenario}: ${db ? "database restored" : "node resumed (SIGCONT)"}`);
    await sleep(postMs);
    trickling = false;
    await trickle;
    await probes;
    // Resends are queued by answers that arrive meanwhile: wait until no new one appears.
    for (let k = -1; k !== retries.length;) {
      k = retries.length;
      await Promise.all(retries);
    }
    const settledAt = Date.now();
    const open = await traffic.awaitFinal(settledAt + FINAL_BOUND_MS);
    figures.openAtBound = open;

    // The checks.
    const after2s = (x: Timed) => x.at >= 2_000;
    const max = (xs: Timed[]) => Math.round(Math.max(0, ...xs.map((x) => x.ms)));
    const firstNotReady: Timed | undefined = readyz.filter((r) => r.status === 503).sort((a, b) => a.at - b.at)[0];
    figures.readyzProbes = readyz.length;
    const notReadyAfterMs = firstNotReady ? Math.round(firstNotReady.at + firstNotReady.ms) : null;
    figures.readyzNotReadyAfterMs = notReadyAfterMs;
    figures.readyzMaxMs = max(readyz);
    const readyLate = readyz.filter((r) => after2s(r) && (r.status !== 503 || r.ms > 2_000));
    if (!firstNotReady || firstNotReady.at + firstNotReady.ms > 2_000)
      violations.push(`readyz: not-ready only after ${notReadyAfterMs ?? "never"} ms`);
    if (readyLate.length)
      violations.push(`readyz: ${readyLate.length} of ${readyz.length} probes 2 s into the outage not a prompt 503`);
    figures.outageWrites = writes.length;
    figures.outageWrites503 = writes.filter((w) => w.status === 503 && w.code).length;
    figures.outageWritesAccepted = writes.filter((w) => w.status >= 200 && w.status < 300).length;
    const writeMaxMs = max(writes);
    figures.outageWriteMaxMs = writeMaxMs;
    figures.outageWriteCodes = tally(writes.map((w) => `${w.status}${w.code ? ` ${w.code}` : ""}`));
    const slow = writes.filter((w) => w.ms > 2_000);
    const codeless = writes.filter((w) => w.status < 200 || (w.status >= 300 && (w.status !== 503 || !w.code)));
    const acceptedLate = writes.filter((w) => after2s(w) && w.status >= 200 && w.status < 300);
    if (slow.length) violations.push(`writes: ${slow.length} of ${writes.length} took over 2 s (max ${writeMaxMs} ms)`);
    if (codeless.length) violations.push(`writes: ${codeless.length} answered other than 2xx or a 503 with a code`);
    figures.outageWritesAcceptedAfter2s = acceptedLate.length;
    if (!db) {
      figures.outageReads = reads.length;
      figures.outageReadMaxMs = max(reads);
      const failedReads = reads.filter((r) => r.status !== 200);
      if (failedReads.length)
        violations.push(
          `reads: ${failedReads.length} of ${reads.length} chain-free reads failed (${JSON.stringify(tally(failedReads.map((r) => `${r.status} ${r.code ?? ""}`)))})`,
        );
    }
    figures.recoveryMs = firstAckAfterResume || null;
    if (!firstAckAfterResume)
      violations.push(`recovery: no write sent after the outage acknowledged within ${postMs / 1000} s`);
    return await finish(
      ctx,
      spec,
      trial,
      traffic,
      transfers.slice(0, Number(figures.trickled)),
      started,
      violations,
      figures,
    );
  } finally {
    await trial.close();
  }
}

function tally(xs: string[]): Record<string, number> {
  const r: Record<string, number> = {};
  for (const x of xs) r[x] = (r[x] ?? 0) + 1;
  return r;
}
