import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import pino from "pino";
import request from "supertest";
import { register as globalRegistry } from "prom-client";
import type { Wallet } from "ethers";
import { loadConfig } from "../../server/config";
import { createGateway } from "../../server/main";
import type { Gateway } from "../../server/main";
import { Operation } from "../../server/persistence/entities";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  issue,
  onboard,
  randomHolder,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (0.0.4): every sample line, with its labels; throws on a line it cannot read. */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    if (line.startsWith("#")) {
      const t = line.match(/^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/);
      if (t) types.set(t[1], t[2]);
      else if (!/^# HELP \S+ /.test(line)) throw new Error(`unreadable comment line: ${line}`);
      continue;
    }
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/);
    if (!m) throw new Error(`unreadable sample line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
      let l: RegExpExecArray | null;
      let end = 0;
      while ((l = re.exec(m[2]))) {
        labels[l[1]] = l[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
        end = re.lastIndex;
      }
      if (end !== m[2].length) throw new Error(`unreadable labels: ${line}`);
    }
    // Go's ParseFloat, as Prometheus reads values: NaN and Inf in any case (prom-client writes "Nan").
    const value = /^[+-]?inf$/i.test(m[3]) ? (m[3].startsWith("-") ? -Infinity : Infinity) : Number(m[3]);
    if (Number.isNaN(value) && !/^nan$/i.test(m[3])) throw new Error(`unreadable value: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return { samples, types };
}

const pick = (samples: Sample[], name: string, where: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));
const sum = (samples: Sample[]) => samples.reduce((t, s) => t + s.value, 0);

describe("gateway: Prometheus metrics (GET /metrics)", function () {
  let env: TestEnv;
  let owner: Wallet, alice: Wallet;
  let assetId: string;
  const o = () => bearer(env.keys.operator);

  async function scrape(gatewayUrl = env.url, key = env.keys.monitor) {
    const res = await request(gatewayUrl).get("/metrics").set(bearer(key));
    expect(res.status, res.text).to.equal(200);
    expect(res.headers["content-type"]).to.match(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(res.text);
  }

  before(async () => {
    env = await startEnv();
    [owner, alice] = [randomHolder(), randomHolder()];
    const { documentHash } = await bootstrapPlatform(env);
    for (const p of [owner, alice]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000000", "11"));
    // Three transfers in flight together (one batch or more), then one alone.
    const sent = await Promise.all(
      ["0", "1", "2"].map(async (nonce) =>
        env.http
          .post("/v1/transfers")
          .set(o())
          .set("Idempotency-Key", `m-${nonce}`)
          .send(await transferBody(env, owner, alice.address, assetId, "10", nonce)),
      ),
    );
    for (const r of sent) expect(r.status, JSON.stringify(r.body)).to.equal(202);
    for (const r of sent) {
      for (let i = 0; ; i++) {
        const op = await env.http.get(`/v1/operations/${r.body.operation.id}`).set(o());
        if (op.body.status === "posted") break;
        if (op.body.status === "failed" || i > 300) throw new Error(`transfer not posted: ${JSON.stringify(op.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(o())
        .set("Idempotency-Key", "m-3")
        .send(await transferBody(env, owner, alice.address, assetId, "10", "3")),
    );
  });
  after(async () => env?.close());

  it("given a monitor key, when the metrics are scraped, then they parse and name each route by its template, never by the raw URL", async () => {
    const ops = await env.gateway.dataSource.manager.find(Operation);
    for (const op of ops.slice(0, 3))
      expect((await env.http.get(`/v1/operations/${op.id}`).set(o())).status).to.equal(200);
    expect((await env.http.get("/v1/operations/00000000-0000-4000-8000-000000000000").set(o())).status).to.equal(404);
    expect((await env.http.get("/v1/no-such-route").set(o())).status).to.equal(404);

    const { samples, types } = await scrape();
    expect(types.get("gateway_http_request_duration_seconds")).to.equal("histogram");
    const byRoute = pick(samples, "gateway_http_request_duration_seconds_count", {
      method: "GET",
      route: "/v1/operations/{id}",
    });
    expect(byRoute.find((s) => s.labels.status === "200")?.value).to.be.at.least(3);
    expect(byRoute.find((s) => s.labels.status === "404")?.value).to.equal(1);
    expect(
      pick(samples, "gateway_http_request_duration_seconds_count", {
        method: "POST",
        route: "/v1/transfers",
        status: "202",
      })[0]?.value,
    ).to.equal(3);
    const routes = new Set(pick(samples, "gateway_http_request_duration_seconds_count").map((s) => s.labels.route));
    for (const route of routes) {
      expect(route, "no operation id in a route label").not.to.match(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(route, "no raw unknown path in a route label").not.to.include("no-such-route");
    }
    expect(routes).to.include("unmatched");
    // Process metrics come from the gateway's own registry too.
    expect(pick(samples, "process_resident_memory_bytes")).to.have.length(1);
  });

  it("operations by kind and state match the database; every posted operation's acceptance-to-posting time is observed once; batches are observed", async () => {
    const { samples } = await scrape();
    const rows: Array<{ kind: string; status: string; n: string | number }> =
      await env.gateway.dataSource.manager.query(
        "SELECT kind, status, COUNT(*) AS n FROM operations GROUP BY kind, status",
      );
    const fromMetrics = pick(samples, "gateway_operations")
      .filter((s) => s.value > 0)
      .map((s) => `${s.labels.kind}/${s.labels.state}=${s.value}`)
      .sort();
    expect(fromMetrics).to.deep.equal(rows.map((r) => `${r.kind}/${r.status}=${Number(r.n)}`).sort());

    const posted = await env.gateway.dataSource.manager.count(Operation, { where: { status: "posted" } });
    expect(posted).to.be.at.least(8);
    expect(sum(pick(samples, "gateway_acceptance_to_posting_seconds_count"))).to.equal(posted);
    expect(pick(samples, "gateway_acceptance_to_posting_seconds_count", { kind: "transfer" })[0]?.value).to.equal(4);

    const batches = pick(samples, "gateway_batch_size_count", { signer: "operator" })[0]?.value ?? 0;
    expect(batches).to.be.within(1, 4);
    expect(pick(samples, "gateway_batch_size_sum", { signer: "operator" })[0]?.value).to.equal(4);

    // Nothing is waiting: the outbox is empty, no transaction is in flight.
    expect(sum(pick(samples, "gateway_outbox_depth"))).to.equal(0);
    expect(sum(pick(samples, "gateway_outbox_oldest_pending_age_seconds"))).to.equal(0);
    const inFlight = pick(samples, "gateway_transactions_in_flight");
    expect(inFlight.map((s) => s.labels.signer).sort()).to.deep.equal(["authority", "operator"]);
    expect(inFlight.find((s) => s.labels.signer === "operator")?.labels.address).to.equal(env.operator.address);
    expect(sum(inFlight)).to.equal(0);
    expect(pick(samples, "gateway_mirror_faults")[0]?.value).to.equal(0);
    const instance = pick(samples, "gateway_instance_info");
    expect(instance).to.have.length(1);
    // The monitoring worker's lease: held by this instance (the only one running supervision).
    expect(
      pick(samples, "gateway_worker_lease", { worker: "monitoring" })
        .filter((s) => s.value === 1)
        .map((s) => s.labels.holder),
    ).to.deep.equal([instance[0].labels.instance_id]);
  });

  it("the indexer's lag (chain head less the mirror's cursor) is reported and never negative", async () => {
    let lag: Sample | undefined;
    for (let i = 0; i < 100 && !lag; i++) {
      lag = pick((await scrape()).samples, "gateway_indexer_lag_blocks")[0];
      if (!lag) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lag, "indexer lag after a pass").to.not.equal(undefined);
    expect(lag!.value).to.be.at.least(0);
    const head = await env.node.provider.getBlockNumber();
    expect(lag!.value).to.be.at.most(head);
  });

  it("an operator key gets 403, no key 401; the authority may scrape", async () => {
    const forbidden = await env.http.get("/metrics").set(o());
    expect(forbidden.status).to.equal(403);
    expect(forbidden.body.error.code).to.equal("FORBIDDEN");
    const anonymous = await env.http.get("/metrics");
    expect(anonymous.status).to.equal(401);
    expect(anonymous.body.error.code).to.equal("UNAUTHENTICATED");
    expect((await env.http.get("/metrics").set(bearer(env.keys.verifier))).status).to.equal(403);
    await scrape(env.url, env.keys.authority);
  });

  it("given METRICS_PORT, /metrics is served there without a key (and nothing else is); the API port still asks for one", async () => {
    const second: Gateway = await createGateway(
      { ...env.config, metricsPort: 0, submitterEnabled: false, supervision: { enabled: false }, signatureThreads: 0 },
      pino({ level: "silent" }),
    ); // no signature threads: nothing to sign, and a thread pool stopped just after it started once aborted the run (Napi::Error)
    try {
      const { url, metricsUrl } = await second.start();
      expect(metricsUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(new URL(metricsUrl!).port).to.not.equal(new URL(url).port);
      const res = await fetch(metricsUrl!);
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
      const { samples } = parseMetrics(await res.text());
      expect(pick(samples, "gateway_operations").length).to.be.greaterThan(0);
      expect((await fetch(metricsUrl!.replace("/metrics", "/v1/operations"))).status).to.equal(404);
      expect((await request(url).get("/metrics")).status).to.equal(401);
    } finally {
      await second.stop();
    }
  });

  it("the Grafana dashboard (docs/grafana-dashboard.json) is importable and uses only metrics the gateway exposes", async () => {
    const text = readFileSync(join(__dirname, "..", "..", "docs", "grafana-dashboard.json"), "utf8");
    const dashboard = JSON.parse(text) as {
      schemaVersion: number;
      templating: { list: Array<{ type: string; query: unknown }> };
      panels: unknown[];
    };
    expect(dashboard.schemaVersion).to.be.a("number");
    expect(dashboard.templating.list.find((v) => v.type === "datasource")?.query).to.equal("prometheus");
    const { types } = await scrape();
    const used = new Set([...text.matchAll(/\b(gateway_[a-z_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]));
    expect(used.size).to.be.at.least(15);
    for (const name of used) expect(types.has(name), `${name} in the dashboard`).to.equal(true);
  });

  it("the environment: METRICS_PORT unset by default; MAX_IN_FLIGHT 8 by default (no node is asked how it mines), at least 1", () => {
    const base = { OPERATOR_KEY: "0x" + "11".repeat(32) };
    expect(loadConfig(base)).to.include({ metricsPort: undefined, maxInFlight: 8 });
    expect(loadConfig({ ...base, METRICS_PORT: "9464", MAX_IN_FLIGHT: "1" })).to.include({
      metricsPort: 9464,
      maxInFlight: 1,
    });
    expect(() => loadConfig({ ...base, MAX_IN_FLIGHT: "0" })).to.throw(/MAX_IN_FLIGHT/);
  });

  it("two gateways in one process keep separate registries (never prom-client's global one)", async () => {
    const second: Gateway = await createGateway(
      { ...env.config, submitterEnabled: false, supervision: { enabled: false }, signatureThreads: 0 },
      pino({ level: "silent" }),
    ); // no signature threads: nothing to sign, and a thread pool stopped just after it started once aborted the run (Napi::Error)
    try {
      const { url } = await second.start();
      const count = async (u: string) =>
        pick((await scrape(u)).samples, "gateway_http_request_duration_seconds_count", {
          route: "/v1/mirror",
          status: "200",
        })[0]?.value ?? 0;
      const firstBefore = await count(env.url);
      for (let i = 0; i < 5; i++)
        expect((await request(url).get("/v1/mirror").set(bearer(env.keys.monitor))).status).to.equal(200);
      expect(await count(url)).to.equal(5);
      expect(await count(env.url)).to.equal(firstBefore);
      expect(second.context.metrics.registry).to.not.equal(env.gateway.context.metrics.registry);
      const instances = async (u: string) =>
        pick((await scrape(u)).samples, "gateway_instance_info").map((s) => s.labels.instance_id);
      expect(await instances(url)).to.not.deep.equal(await instances(env.url));
      expect((await globalRegistry.getMetricsAsJSON()).filter((m) => m.name.startsWith("gateway_"))).to.deep.equal([]);
    } finally {
      await second.stop();
    }
  });
});
