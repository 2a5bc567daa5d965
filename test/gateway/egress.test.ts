import { expect } from "chai";
import { loadConfig, ConfigError } from "../../server/config";
import { EgressPolicy } from "../../server/supervision/egress";
import { Subscription } from "../../server/supervision/entities";
import { Wallet } from "ethers";
import { appendEvent } from "../../server/persistence/event-log";
import { bearer, startEnv } from "./support/harness";
import { FAST_SUPERVISION, Receiver, waitFor } from "./supervision-support";
import type { TestEnv } from "./support/harness";

/** Outbound calls (webhooks, decision documents) reach public addresses, or networks the operator listed. */
describe("outbound calls: where the gateway may connect", function () {
  const refusal = (policy: EgressPolicy, url: string) => policy.refusal(new URL(url));

  it("when no network is listed, then loopback, private, link-local (cloud metadata) and unique-local addresses are refused", async () => {
    const strict = new EgressPolicy([]);
    for (const url of [
      "http://127.0.0.1:9/x",
      "http://localhost:9/x",
      "http://10.1.2.3/x",
      "http://192.168.0.10/x",
      "http://172.16.5.5/x",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/x",
      "http://[fd00::1]/x",
      "http://[::ffff:127.0.0.1]/x",
      "http://0.0.0.0/x",
    ]) {
      expect(await refusal(strict, url), url).to.match(/outbound calls go to public addresses/);
    }
  });

  it("when the address is public unicast, then it is allowed", async () => {
    const strict = new EgressPolicy([]);
    for (const url of ["https://93.184.216.34/hook", "http://[2a00:1450:4001:80b::200e]/hook"])
      expect(await refusal(strict, url), url).to.equal(null);
  });

  it("when the receiver's network is listed, then its addresses are allowed and others still refused", async () => {
    const policy = new EgressPolicy(["127.0.0.0/8", "10.20.0.0/16"]);
    expect(await refusal(policy, "http://127.0.0.1:8080/hook")).to.equal(null);
    expect(await refusal(policy, "http://10.20.3.4/hook")).to.equal(null);
    expect(await refusal(policy, "http://10.21.3.4/hook")).to.match(/10\.21\.3\.4 \(private\)/);
    expect(await refusal(policy, "http://169.254.169.254/")).to.match(/linkLocal/);
  });

  it("when the host does not resolve, then the call is refused with the reason", async () => {
    expect(await refusal(new EgressPolicy([]), "http://no-such-host.invalid/hook")).to.match(
      /cannot resolve no-such-host\.invalid/,
    );
  });

  it("when OUTBOUND_ALLOW is not a list of networks, then the gateway refuses to start", () => {
    const base = { OPERATOR_KEY: "0x" + "11".repeat(32) };
    expect(
      loadConfig({ ...base, OUTBOUND_ALLOW: "10.0.0.0/8, 127.0.0.1/32" }).supervision?.outboundAllow,
    ).to.deep.equal(["10.0.0.0/8", "127.0.0.1/32"]);
    expect(() => loadConfig({ ...base, OUTBOUND_ALLOW: "10.0.0.0/8,intranet" })).to.throw(
      ConfigError,
      /OUTBOUND_ALLOW/,
    );
  });

  describe("through the API", () => {
    let env: TestEnv;
    before(async () => {
      env = await startEnv();
    });
    after(async () => {
      await env?.close();
    });

    it("when a monitor subscribes a loopback URL on a gateway that allows no private network, then 422 SUBSCRIPTION_URL_NOT_ALLOWED and nothing is stored", async () => {
      const res = await env.http
        .post("/v1/subscriptions")
        .set(bearer(env.keys.monitor))
        .send({ url: "http://127.0.0.1:9/hook", eventTypes: ["record.posted"] });
      expect(res.status, JSON.stringify(res.body)).to.equal(422);
      expect(res.body.error.code).to.equal("SUBSCRIPTION_URL_NOT_ALLOWED");
      expect(res.body.error.details.reason).to.match(/127\.0\.0\.1 \(loopback\)/);
      expect(await env.gateway.dataSource.manager.count(Subscription)).to.equal(0);
    });
  });
  describe("at delivery", () => {
    let env: TestEnv;
    let receiver: Receiver;
    before(async () => {
      env = await startEnv(FAST_SUPERVISION);
      receiver = await new Receiver().start();
    });
    after(async () => {
      await env?.close();
      await receiver?.stop();
    });

    it("when the receiver's network is no longer allowed, then nothing is sent and the delivery records why; when it is again, then the event arrives", async () => {
      const account = Wallet.createRandom().address;
      const created = await env.http
        .post("/v1/subscriptions")
        .set(bearer(env.keys.monitor))
        .send({ url: receiver.url, eventTypes: ["participant.frozen"] });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const id = created.body.subscription.id as string;
      await env.restart({ supervision: { ...FAST_SUPERVISION.supervision, outboundAllow: [] } });
      await env.gateway.internals.db.transaction((em) =>
        appendEvent(em, {
          type: "participant.frozen",
          assetId: null,
          account,
          counterparty: null,
          payload: { account },
        }),
      );
      const refused = await waitFor("a refused attempt", async () => {
        const d = await env.http.get(`/v1/subscriptions/${id}/deliveries`).set(bearer(env.keys.monitor));
        return d.body.items.find((i: { attempts: number }) => i.attempts > 0) as
          { lastError: string; status: string } | undefined;
      });
      expect(refused.status).to.equal("pending");
      expect(refused.lastError).to.match(/127\.0\.0\.1 \(loopback\)/);
      expect(receiver.requests).to.have.length(0);
      await env.restart({ supervision: FAST_SUPERVISION.supervision });
      await waitFor("the delivery", async () => receiver.accepted().length > 0);
      expect(receiver.requests[0].body.event.type).to.equal("participant.frozen");
    });
  });
});
