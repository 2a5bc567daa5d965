import { expect } from "chai";
import { parseEther, ZeroHash } from "ethers";
import type { Wallet } from "ethers";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { PlatformEvent } from "../../server/persistence/event-log";
import { devWallet } from "./support/node";
import { bearer, bootstrapPlatform, onboard, randomHolder, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { DocumentServer, FAST_SUPERVISION, Receiver, issueWithDecision, waitFor } from "./supervision-support";

interface AlertView {
  id: string;
  kind: string;
  status: string;
  assetId: string;
  issuer: string;
  occurrences: number;
  resolution: string | null;
}

describe("supervision: decision availability (Art. 7.1)", function () {
  let env: TestEnv;
  let docs: DocumentServer;
  let receiver: Receiver;
  let owner: Wallet;
  let assetId: string;
  let original: Buffer;

  before(async () => {
    docs = await new DocumentServer().start();
    receiver = await new Receiver().start();
    // The issuer's document server in this test is a loopback http server.
    env = await startEnv({
      documentUriAllowHttp: true,
      supervision: { ...FAST_SUPERVISION.supervision, decisionCheckIntervalMs: 300 },
    });
    const { documentHash } = await bootstrapPlatform(env);
    owner = randomHolder();
    await onboard(env, owner, documentHash);
    original = docs.document!;
    assetId = await issueWithDecision(env, owner, "10", { documentHash: docs.hash, uri: docs.url });
  });
  after(async () => {
    await env?.close();
    await docs?.stop();
    await receiver?.stop();
  });

  const a = () => bearer(env.keys.authority);
  const alerts = async (q = "") =>
    (await env.http.get(`/v1/alerts?assetId=${assetId}${q}`).set(a())).body.items as AlertView[];
  const checks = async (q = "") =>
    (await env.http.get(`/v1/decision-checks?assetId=${assetId}&limit=500${q}`).set(bearer(env.keys.monitor))).body
      .items as { outcome: string; actualHash: string | null; error: string | null }[];

  it("when the issuer's operator subscribes to alerts for the issuer, then the subscription is accepted", async () => {
    const res = await env.http
      .post("/v1/subscriptions")
      .set(bearer(env.keys.operator))
      .send({ url: receiver.url, eventTypes: ["alert.raised", "alert.resolved"], issuer: owner.address });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.subscription.filters.accounts).to.deep.equal([owner.address.toLowerCase()]);
    expect(res.body.subscription.issuer).to.equal(owner.address);
    const notOperator = await env.http
      .post("/v1/subscriptions")
      .set(bearer(env.keys.monitor))
      .send({ url: receiver.url, eventTypes: ["alert.raised"], issuer: owner.address });
    expect(notOperator.status).to.equal(403);
  });

  it("when the document is served unchanged, then the scheduled check records ok and no alert", async () => {
    const ok = await waitFor("an ok check", async () => (await checks("&outcome=ok"))[0]);
    expect(ok.actualHash).to.equal(docs.hash);
    expect(await alerts()).to.deep.equal([]);
  });

  it("when the document changes, then an alert decision.changed is raised for the authority and the issuer, and delivered", async () => {
    docs.document = Buffer.from("Issuance decision No. 1 (quietly amended): 1 unit = 0.5 tonne.");
    const [alert] = await waitFor("a changed alert", async () =>
      (await alerts("&status=open")).length ? alerts("&status=open") : null,
    );
    expect(alert).to.include({ kind: "decision.changed", status: "open", issuer: owner.address });
    const changed = (await checks("&outcome=changed"))[0];
    expect(changed.actualHash).to.equal(docs.hash);
    await waitFor("repeated checks counted", async () => (await alerts("&status=open"))[0].occurrences > 1);
    expect(await alerts("&status=open")).to.have.length(1);
    const delivered = await waitFor("the alert delivered to the issuer's subscription", async () =>
      receiver.requests.find((r) => r.body.event.type === "alert.raised"),
    );
    expect(delivered.body.event.payload).to.include({
      kind: "decision.changed",
      assetId,
      issuer: owner.address,
      source: "decision-check",
    });
    const asOperator = await env.http.get(`/v1/alerts?issuer=${owner.address}`).set(bearer(env.keys.operator));
    expect(asOperator.body.items.map((x: AlertView) => x.id)).to.include(alert.id);
    expect((await env.http.get(`/v1/alerts/${alert.id}`).set(bearer(env.keys.monitor))).body.kind).to.equal(
      "decision.changed",
    );
    expect((await env.http.get("/v1/alerts").set(bearer(env.keys.verifier))).status).to.equal(403);
  });

  it("when the document is withdrawn, then the alert becomes decision.unreachable; when it is restored, then the alert is resolved", async () => {
    docs.document = null;
    const unreachable = await waitFor("an unreachable alert", async () =>
      (await alerts("&status=open")).find((x) => x.kind === "decision.unreachable"),
    );
    expect(unreachable.issuer).to.equal(owner.address);
    const superseded = (await alerts("&status=resolved")).find((x) => x.kind === "decision.changed")!;
    expect(superseded.resolution).to.match(/superseded/);
    expect((await checks("&outcome=unreachable"))[0].error).to.match(/404/);
    docs.document = original;
    const resolved = await waitFor(
      "the alert resolved",
      async () => (await alerts(`&status=resolved&kind=decision.unreachable`))[0],
    );
    expect(resolved.id).to.equal(unreachable.id);
    expect(await alerts("&status=open")).to.deep.equal([]);
    const events = await env.gateway.dataSource.manager.find(PlatformEvent, {
      where: { assetId },
      order: { seq: "ASC" },
    });
    const alertEvents = events
      .filter((e) => e.type.startsWith("alert."))
      .map((e) => `${e.type}:${JSON.parse(e.payload).kind}`);
    expect(alertEvents).to.deep.equal([
      "alert.raised:decision.changed",
      "alert.resolved:decision.changed",
      "alert.raised:decision.unreachable",
      "alert.resolved:decision.unreachable",
    ]);
    await waitFor(
      "the resolution delivered",
      async () =>
        receiver.requests.filter((r) => r.answered === 200 && r.body.event.type === "alert.resolved").length >= 2,
    );
  });

  it("when the authority asks for a check now, then every open asset is checked at once", async () => {
    const res = await env.http.post("/v1/decision-checks/run").set(a());
    expect(res.status).to.equal(200);
    expect(res.body.results).to.deep.include({ assetId, outcome: "ok" });
    expect((await env.http.post("/v1/decision-checks/run").set(bearer(env.keys.monitor))).status).to.equal(403);
  });

  it("when the issuer redeems everything and declares obligations fulfilled, then the checks stop and a withdrawn document raises nothing", async () => {
    const funder = devWallet(9, env.node.provider);
    await (await funder.sendTransaction({ to: owner.address, value: parseEther("1") })).wait();
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, owner.connect(env.node.provider));
    await (await ledger.redeem(assetId, 10, ZeroHash)).wait();
    await (await ledger.declareObligationsFulfilled(assetId, 0, "0x")).wait();
    expect(Number((await ledger.assetInfo(assetId)).status)).to.equal(3);
    docs.document = null;
    // The mirror sees the closure; from then on the asset is not fetched.
    await waitFor("the closure seen", async () => {
      const r = await env.http.post("/v1/decision-checks/run").set(a());
      return !r.body.results.some((x: { assetId: string }) => x.assetId === assetId);
    });
    const hits = docs.hits;
    const count = (await checks()).length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(docs.hits).to.equal(hits);
    expect((await checks()).length).to.equal(count);
    expect(await alerts("&status=open")).to.deep.equal([]);
  });
});
