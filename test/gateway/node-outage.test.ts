import { expect } from "chai";
import type { Wallet } from "ethers";
import { bearer, bootstrapPlatform, issue, onboard, randomHolder, startEnv, transferBody } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { sharedNode } from "./support/node";
import { startStallProxy } from "./support/stall-proxy";
import type { StallProxy } from "./support/stall-proxy";
import { waitFor } from "./support/wait";

/** Runs a request and returns its response with how long it took. */
async function timed<T>(req: PromiseLike<T>): Promise<{ res: T; ms: number }> {
  const t0 = Date.now();
  const res = await req;
  return { res, ms: Date.now() - t0 };
}

describe("gateway: a node that stops answering (outage) neither hangs requests nor loses work", function () {
  let env: TestEnv;
  let proxy: StallProxy;
  let owner: Wallet, alice: Wallet;
  let assetId: string;

  before(async () => {
    const node = await sharedNode();
    proxy = await startStallProxy(node.url);
    env = await startEnv({ rpcUrl: proxy.url, chainProbeIntervalMs: 200, chainProbeTimeoutMs: 500 });
    owner = randomHolder();
    alice = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, owner, documentHash);
    await onboard(env, alice, documentHash);
    assetId = (await issue(env, owner, "1000")).assetId;
  });
  after(async () => {
    proxy?.resume();
    await env?.close();
    await proxy?.close();
  });

  it("when the node stalls, then /readyz says not ready within 2 s, writes get 503 CHAIN_UNAVAILABLE within 2 s and change nothing, and reads without the chain still work; work accepted before posts once after", async () => {
    // Accepted just before the outage: it must post once the node answers again.
    const before = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "outage-before")
      .send(await transferBody(env, owner, alice.address, assetId, "10", "0"));
    expect(before.status).to.equal(202);
    const opId = before.body.operation.id as string;

    proxy.stall();
    const t0 = Date.now();
    const ready = await waitFor("readyz to answer 503", async () => {
      const r = await env.http.get("/readyz");
      return r.status === 503 ? r : null;
    });
    expect(Date.now() - t0, "time until /readyz reports the outage").to.be.below(2_000);
    expect(ready.body.code).to.equal("CHAIN_UNAVAILABLE");

    const counted = await env.counts();
    const write = await timed(
      env.http
        .post("/v1/transfers")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", "outage-during")
        .send(await transferBody(env, owner, alice.address, assetId, "10", "1")),
    );
    expect(write.ms, "a write in the outage answers without waiting for the node").to.be.below(2_000);
    expect(write.res.status).to.equal(503);
    expect(write.res.body.code).to.equal("CHAIN_UNAVAILABLE");
    expect(Number(write.res.headers["retry-after"])).to.be.greaterThan(0);
    expect((await env.counts()).operations).to.equal(counted.operations);

    const ready2 = await timed(env.http.get("/readyz"));
    expect(ready2.ms).to.be.below(2_000);
    expect(ready2.res.status).to.equal(503);

    // Reads served from the gateway's own database keep working.
    const op = await timed(env.http.get(`/v1/operations/${opId}`).set(bearer(env.keys.monitor)));
    expect(op.res.status).to.equal(200);
    expect(op.ms).to.be.below(2_000);

    proxy.resume();
    await waitFor("readyz to answer 200 again", async () => (await env.http.get("/readyz")).status === 200);
    const posted = await waitFor("the transfer accepted before the outage to post", async () => {
      const r = await env.http.get(`/v1/operations/${opId}`).set(bearer(env.keys.monitor));
      return r.body.status === "posted" ? r.body : null;
    });
    expect(posted.recordSequence).to.equal("2");

    // The refused write can be sent again with its key, now that the node answers, and posts once.
    const again = await env.http
      .post("/v1/transfers?wait=true")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "outage-during")
      .send(await transferBody(env, owner, alice.address, assetId, "10", "1"));
    expect(again.status).to.equal(200);
    expect(again.body.operation.recordSequence).to.equal("3");
    const holders = await env.http.get(`/v1/assets/${assetId}/holders`).set(bearer(env.keys.monitor));
    const alices = holders.body.items.find((h: { address: string }) => h.address === alice.address);
    expect(alices.balance).to.equal("20");
  });
});
