import { expect } from "chai";
import { Wallet, ZeroHash } from "ethers";
import { appendEvent, PlatformEvent } from "../../server/persistence/event-log";
import type { NewEvent } from "../../server/persistence/event-log";
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
import { FAST_SUPERVISION, waitFor } from "./supervision-support";

const X = Wallet.createRandom().address;
const Y = Wallet.createRandom().address;
const Z = Wallet.createRandom().address;
const judge = Wallet.createRandom().address;
let n = 0;
function record(from: string, to: string, amount: string, assetId = "99"): NewEvent {
  n += 1;
  return {
    type: "record.posted",
    assetId,
    account: from,
    counterparty: to,
    payload: {
      assetId,
      sequence: String(n),
      from,
      to,
      amount,
      ref: ZeroHash,
      postedAt: Math.floor(Date.now() / 1000),
      txHash: "0x" + "ab".repeat(32),
      blockNumber: n,
      logIndex: 0,
      recordHash: "0x" + "cd".repeat(24),
    },
  };
}

interface ReportView {
  id: string;
  ruleId: string;
  ruleKind: string;
  account: string;
  status: string;
  eventSeq: number;
  detail: Record<string, unknown>;
}

describe("supervision: financial monitoring and the audit log", function () {
  let env: TestEnv;
  const rules: Record<string, string> = {};
  const m = () => bearer(env.keys.monitor);

  before(async () => {
    env = await startEnv(FAST_SUPERVISION);
  });
  after(async () => env?.close());

  const append = (events: NewEvent[]) =>
    env.gateway.internals.db.transaction(async (em) => {
      for (const e of events) await appendEvent(em, e);
    });
  const reports = async (q = "") =>
    (await env.http.get(`/v1/monitoring/reports?limit=500${q}`).set(m())).body.items as ReportView[];

  it("when the monitor and authority define rules and the operator declares a unit value, then they are stored; bad rules and wrong roles are refused", async () => {
    const create = async (key: string, body: Record<string, unknown>) => {
      const res = await env.http.post("/v1/monitoring/rules").set(bearer(key)).send(body);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return res.body.id as string;
    };
    rules.single = await create(env.keys.monitor, {
      name: "large movement",
      kind: "single-movement",
      assetId: "99",
      thresholdUnits: "1000",
    });
    rules.value = await create(env.keys.authority, {
      name: "large value",
      kind: "single-movement",
      assetId: "99",
      thresholdValue: "3000",
    });
    rules.window = await create(env.keys.monitor, {
      name: "structuring",
      kind: "window-aggregate",
      assetId: "99",
      thresholdUnits: "500",
      windowSeconds: 3600,
      minCount: 2,
    });
    rules.frozen = await create(env.keys.monitor, { name: "frozen party", kind: "frozen-participant", assetId: "99" });
    const invalid = await env.http
      .post("/v1/monitoring/rules")
      .set(m())
      .send({ name: "x", kind: "window-aggregate", thresholdUnits: "5" });
    expect(invalid.body.error.code).to.equal("MONITORING_RULE_INVALID");
    const both = await env.http
      .post("/v1/monitoring/rules")
      .set(m())
      .send({ name: "x", kind: "single-movement", thresholdUnits: "5", thresholdValue: "5" });
    expect(both.body.error.code).to.equal("MONITORING_RULE_INVALID");
    expect(
      (
        await env.http
          .post("/v1/monitoring/rules")
          .set(bearer(env.keys.operator))
          .send({ name: "x", kind: "frozen-participant" })
      ).status,
    ).to.equal(403);
    const value = await env.http
      .put("/v1/assets/99/declared-value")
      .set(bearer(env.keys.operator))
      .send({ unitValue: "2.5", currency: "KZT" });
    expect(value.status, JSON.stringify(value.body)).to.equal(200);
    expect(value.body).to.include({ unitValue: "2.5", currency: "KZT" });
    expect((await env.http.put("/v1/assets/99/declared-value").set(m()).send({ unitValue: "3" })).status).to.equal(403);
    expect((await env.http.get("/v1/assets/98/declared-value").set(m())).body.error.code).to.equal(
      "ASSET_VALUE_NOT_DECLARED",
    );
    const list = await env.http.get("/v1/monitoring/rules").set(m());
    expect(list.body.items).to.have.length(4);
  });

  it("when movements pass the thresholds, accumulate over the window, or involve a frozen participant, then exactly the expected reports are raised", async () => {
    await append([record(X, Y, "200"), record(X, Z, "250"), record(X, Y, "100")]); // X: 550 over the window, the third crosses 500
    await append([record(Y, Z, "1300")]); // single units, single value (3250), Y crosses (1600), Z crosses (1550)
    await append([
      {
        type: "participant.frozen",
        account: Z,
        counterparty: judge,
        payload: {
          account: Z,
          by: judge,
          reason: "court order 12/2026",
          txHash: "0x" + "ef".repeat(32),
          blockNumber: 4,
          logIndex: 1,
        },
      },
    ]);
    await append([record(Z, X, "10")]); // Z is frozen
    const all = await waitFor("six reports", async () => {
      const r = await reports("&assetId=99");
      return r.length >= 6 ? r : null;
    });
    await new Promise((r) => setTimeout(r, 200));
    const got = (await reports("&assetId=99"))
      .map(
        (r) =>
          `${r.ruleKind}:${r.ruleId === rules.value ? "value" : r.ruleId === rules.single ? "units" : ""}:${r.account}`,
      )
      .sort();
    expect(got).to.deep.equal(
      [
        `frozen-participant::${Z}`,
        `single-movement:units:${Y}`,
        `single-movement:value:${Y}`,
        `window-aggregate::${X}`,
        `window-aggregate::${Y}`,
        `window-aggregate::${Z}`,
      ].sort(),
    );
    const valueReport = all.find((r) => r.ruleId === rules.value)!;
    expect(valueReport.detail).to.include({ declaredValue: "3250" });
    const frozen = all.find((r) => r.ruleKind === "frozen-participant")!;
    expect(frozen.detail.freeze).to.include({ type: "participant.frozen", reason: "court order 12/2026", by: judge });
    const windowX = all.find((r) => r.ruleKind === "window-aggregate" && r.account === X)!;
    expect(windowX.detail).to.include({ totalUnits: "550", movements: 3 });
    const alerts = await env.gateway.dataSource.manager.find(PlatformEvent, { where: { type: "alert.raised" } });
    const fromMonitoring = alerts
      .map((a) => JSON.parse(a.payload))
      .filter((p) => p.source === "monitoring" && p.assetId === "99");
    expect(fromMonitoring).to.have.length(6);
  });

  it("when the monitor acknowledges and closes a report, then its state follows and cannot go back", async () => {
    const [r] = await reports("&status=open&assetId=99");
    const ack = await env.http
      .post(`/v1/monitoring/reports/${r.id}/acknowledge`)
      .set(m())
      .send({ note: "looking into it" });
    expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
    expect(ack.body).to.include({ status: "acknowledged", note: "looking into it" });
    const closed = await env.http
      .post(`/v1/monitoring/reports/${r.id}/close`)
      .set(bearer(env.keys.authority))
      .send({ note: "reported to the FIU" });
    expect(closed.body.status).to.equal("closed");
    expect(closed.body.closedAt).to.be.a("string");
    const again = await env.http.post(`/v1/monitoring/reports/${r.id}/acknowledge`).set(m()).send({});
    expect(again.body.error.code).to.equal("MONITORING_REPORT_STATE_INVALID");
    expect((await reports("&status=closed")).map((x) => x.id)).to.deep.equal([r.id]);
    expect((await env.http.get(`/v1/monitoring/reports/${r.id}`).set(bearer(env.keys.operator))).status).to.equal(403);
  });

  it("end to end: when real transfers are posted and mirrored, then the rules report them and the monitor sees the participant in full", async () => {
    const { documentHash } = await bootstrapPlatform(env);
    const owner = randomHolder();
    const alice = randomHolder();
    for (const p of [owner, alice]) await onboard(env, p, documentHash);
    const { assetId } = await issue(env, owner, "100000");
    const rule = await env.http
      .post("/v1/monitoring/rules")
      .set(m())
      .send({ name: "real large", kind: "single-movement", assetId, thresholdUnits: "5000" });
    const frozenRule = await env.http
      .post("/v1/monitoring/rules")
      .set(m())
      .send({ name: "real frozen", kind: "frozen-participant", assetId });
    // Let the monitor pass the issuance record before the rules exist? No: rules apply to every record evaluated after creation.
    const res = await env.http
      .post("/v1/transfers?wait=true")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "mon-e2e-1")
      .send(await transferBody(env, owner, alice.address, assetId, "6000", "0"));
    expect(res.body.operation?.status, JSON.stringify(res.body)).to.equal("posted");
    const transferReport = await waitFor("the transfer's report", async () => {
      const r = await reports(`&ruleId=${rule.body.id}`);
      return r.find((x) => (x.detail.movement as { amount: string }).amount === "6000");
    });
    expect(transferReport.account).to.equal(owner.address);
    expect((transferReport.detail.movement as { to: string }).to).to.equal(alice.address);
    // A freeze ordered by the authority, then a forced transfer out of the frozen participant.
    await expectPosted(
      env.http
        .post(`/v1/participants/${alice.address}/freeze?wait=true`)
        .set(bearer(env.keys.authority))
        .send({ reason: "suspicious activity, case 77" }),
    );
    const forced = await env.http
      .post("/v1/forced-transfers?wait=true")
      .set(bearer(env.keys.authority))
      .send({
        from: alice.address,
        to: owner.address,
        assetId,
        amount: "1000",
        basis: "CourtDecision",
        ref: "0x" + "12".repeat(32),
      });
    expect(forced.body.operation?.status, JSON.stringify(forced.body)).to.equal("posted");
    const frozenReport = await waitFor("the frozen-participant report", async () =>
      (await reports(`&ruleId=${frozenRule.body.id}`)).find((r) => r.account === alice.address),
    );
    expect((frozenReport.detail.freeze as { reason: string }).reason).to.equal("suspicious activity, case 77");

    const view = await env.http.get(`/v1/monitoring/participants/${alice.address}`).set(m());
    expect(view.status, JSON.stringify(view.body)).to.equal(200);
    expect(view.body.identity.identity.iin).to.equal("900101300126");
    expect(view.body.identity.kind).to.equal("NaturalPerson");
    expect(view.body.holdings).to.deep.equal([{ assetId, balance: "5000", frozen: "0" }]);
    expect(
      view.body.movements.items.map((x: { amount: string; direction: string }) => `${x.direction}:${x.amount}`),
    ).to.deep.equal(["in:6000", "out:1000"]);
    expect(view.body.acknowledgements).to.have.length(1);
    expect(view.body.frozen).to.equal(true);
    expect(view.body.freezes).to.have.length(1);
    expect(view.body.freezes[0]).to.include({
      type: "participant.frozen",
      reason: "suspicious activity, case 77",
      orderedBy: env.authority.address,
    });
    expect(view.body.reports.map((r: { ruleId: string }) => r.ruleId)).to.include(frozenRule.body.id);
    expect(
      (await env.http.get(`/v1/monitoring/participants/${Wallet.createRandom().address}`).set(m())).status,
    ).to.equal(404);
  });

  it("when the gateway restarts, then monitoring resumes from its persisted cursor: no report lost, none repeated", async () => {
    const before = (await reports("&assetId=99")).length;
    await env.restart();
    await append([record(Y, X, "5000")]); // single units and single value for Y; the window totals were already crossed
    await waitFor("two more reports", async () => (await reports("&assetId=99")).length >= before + 2);
    await new Promise((r) => setTimeout(r, 300));
    const after = await reports("&assetId=99");
    expect(after).to.have.length(before + 2);
    expect(new Set(after.map((r) => `${r.ruleId}:${r.eventSeq}:${r.account}`)).size).to.equal(after.length);
  });

  it("when the audit log is queried, then every action is there with who, what, when, outcome and request id, filterable", async () => {
    const all = await env.http.get("/v1/audit?limit=500").set(m());
    expect(all.status).to.equal(200);
    const created = all.body.items.filter((a: { action: string }) => a.action === "createMonitoringRule");
    expect(created.length).to.be.greaterThan(4);
    for (const a of all.body.items)
      expect(a).to.have.keys(["id", "at", "clientId", "role", "action", "target", "requestId", "outcome", "detail"]);
    const refused = await env.http.get("/v1/audit?outcome=refused&limit=500").set(m());
    expect(refused.body.items.map((a: { detail: { code: string } }) => a.detail.code)).to.include(
      "MONITORING_RULE_INVALID",
    );
    const byRole = await env.http.get("/v1/audit?role=authority&action=createMonitoringRule").set(m());
    expect(byRole.body.items).to.have.length(1);
    const clientId = byRole.body.items[0].clientId;
    const byClient = await env.http.get(`/v1/audit?clientId=${clientId}&limit=500`).set(m());
    expect(byClient.body.items.every((a: { clientId: string }) => a.clientId === clientId)).to.equal(true);
    const withId = await env.http
      .post("/v1/monitoring/rules")
      .set(m())
      .set("x-request-id", "req-audit-42")
      .send({ name: "y", kind: "frozen-participant" });
    expect(withId.status).to.equal(201);
    const byRequest = await env.http.get("/v1/audit?requestId=req-audit-42").set(m());
    expect(byRequest.body.items).to.have.length(1);
    expect(byRequest.body.items[0]).to.include({
      action: "createMonitoringRule",
      outcome: "accepted",
      role: "monitor",
    });
    const future = await env.http
      .get(`/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
      .set(m());
    expect(future.body.items).to.have.length(0);
    expect(future.body.next).to.equal(null);
    const window = await env.http
      .get(
        `/v1/audit?from=${encodeURIComponent(byRequest.body.items[0].at)}&to=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}&action=createMonitoringRule`,
      )
      .set(m());
    expect(window.body.items.map((a: { requestId: string }) => a.requestId)).to.include("req-audit-42");
    expect((await env.http.get("/v1/audit").set(bearer(env.keys.operator))).status).to.equal(403);
  });

  it("when the audit log is exported, then CSV and JSON stream every matching entry; nothing in it can be changed through the API", async () => {
    const count = (await env.http.get("/v1/audit?action=createMonitoringRule&limit=500").set(m())).body.items
      .length as number;
    const csv = await env.http
      .get("/v1/audit/export?format=csv&action=createMonitoringRule")
      .set(m())
      .buffer(true)
      .parse((res, cb) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => cb(null, data));
      });
    expect(csv.status).to.equal(200);
    expect(csv.headers["content-type"]).to.match(/text\/csv/);
    const lines = (csv.body as string).trim().split("\r\n");
    expect(lines[0]).to.equal("id,at,clientId,role,action,target,requestId,outcome,detail");
    expect(lines).to.have.length(count + 1);
    const json = await env.http.get("/v1/audit/export?format=json").set(bearer(env.keys.authority));
    expect(json.status).to.equal(200);
    expect(json.body).to.be.an("array");
    const ats = json.body.map((a: { at: string }) => a.at);
    expect(ats).to.deep.equal([...ats].sort());
    const exports = await env.http.get("/v1/audit?action=exportAudit").set(m());
    expect(exports.body.items).to.have.length(2);
    expect((await env.http.get("/v1/audit/export").set(bearer(env.keys.operator))).status).to.equal(403);
    expect((await env.http.get("/v1/audit/export?from=yesterday").set(m())).status).to.equal(400);
    for (const [method, path] of [
      ["put", "/v1/audit"],
      ["delete", "/v1/audit"],
      ["post", "/v1/audit"],
      ["delete", `/v1/audit/${json.body[0].id}`],
      ["patch", `/v1/audit/${json.body[0].id}`],
    ] as const) {
      const res = await env.http[method](path).set(bearer(env.keys.authority)).send({});
      expect(res.status, `${method} ${path}`).to.equal(404);
    }
    const after = await env.http.get("/v1/audit/export?format=json").set(bearer(env.keys.authority));
    expect(after.body.slice(0, json.body.length)).to.deep.equal(json.body);
  });
});
