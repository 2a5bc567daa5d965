import { expect } from "chai";
import { Wallet } from "ethers";
import { In } from "typeorm";
import { ChainTransaction, Operation } from "../../server/persistence/entities";
import { bearer, bootstrapPlatform, issue, onboard, randomHolder, startEnv, transferBody } from "./support/harness";
import type { TestEnv } from "./support/harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("gateway: stopped with operations pending, started again, loses none and sends none twice", function () {
  let env: TestEnv;
  let owner: Wallet, alice: Wallet;
  let assetId: string;

  before(async () => {
    env = await startEnv();
    [owner, alice] = [randomHolder(), randomHolder()];
    const { documentHash } = await bootstrapPlatform(env);
    for (const p of [owner, alice]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000", "3"));
  });
  after(async () => {
    await env.node.provider.send("evm_setAutomine", [true]);
    await env?.close();
  });

  async function waitAll(ids: string[]) {
    for (let i = 0; i < 400; i++) {
      const ops = await env.gateway.dataSource.manager.find(Operation, { where: { id: In(ids) } });
      if (ops.every((o) => o.status === "posted" || o.status === "failed")) return ops;
      await sleep(50);
    }
    throw new Error("operations did not settle");
  }

  it("when transactions are in flight (one lost by the node) and others not yet sent at shutdown, then after restart all post exactly once", async () => {
    const provider = env.node.provider;
    const recordsBefore = Number(
      (await env.http.get(`/v1/assets/${assetId}/records`).set(bearer(env.keys.monitor))).body.verification.count,
    );
    const operatorNonceBefore = await provider.getTransactionCount(env.operator.address, "latest");

    // Phase 1: the node stops mining; the gateway signs and sends a batch that stays in the mempool.
    await provider.send("evm_setAutomine", [false]);
    await env.restart({ maxInFlight: 0 });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const res = await env.http
        .post("/v1/transfers")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", `restart-${n}`)
        .send(await transferBody(env, owner, alice.address, assetId, "5", String(n)));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      ids.push(res.body.operation.id);
    }
    for (let i = 0; i < 100; i++) {
      const ops = await env.gateway.dataSource.manager.find(Operation, { where: { id: In(ids) } });
      if (ops.every((o) => o.status === "submitted")) break;
      await sleep(50);
    }
    const inFlight = await env.gateway.dataSource.manager.find(ChainTransaction, {
      where: { status: In(["signed", "sent"]) },
    });
    expect(inFlight.length).to.be.greaterThan(0);

    // Phase 2: a gateway that does not submit accepts two more; they stay pending.
    await env.restart({ submitterEnabled: false });
    for (let n = 3; n < 5; n++) {
      const res = await env.http
        .post("/v1/transfers")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", `restart-${n}`)
        .send(await transferBody(env, owner, alice.address, assetId, "5", String(n)));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      ids.push(res.body.operation.id);
    }
    await env.stopGateway();

    // The node loses one in-flight transaction.
    await provider.send("hardhat_dropTransaction", [inFlight[0].hash]);
    expect(await provider.getTransaction(inFlight[0].hash)).to.equal(null);

    // Phase 3: restart; the stored raw transaction is re-broadcast and the pending ones are sent.
    await env.restart({ submitterEnabled: true, maxInFlight: 0 });
    await sleep(300);
    await provider.send("evm_setAutomine", [true]);
    await provider.send("evm_mine", []);
    const ops = await waitAll(ids);
    for (const op of ops) expect(op.status, JSON.stringify(op)).to.equal("posted");

    // Exactly once: each posted once, as many operator transactions as stored rows.
    const records = (await env.http.get(`/v1/assets/${assetId}/records`).set(bearer(env.keys.monitor))).body;
    expect(Number(records.verification.count)).to.equal(recordsBefore + 5);
    expect(records.verification.verified).to.equal(true);
    const nonce = (await env.http.get(`/v1/holders/${owner.address}/nonces/${assetId}`).set(bearer(env.keys.monitor)))
      .body;
    expect(nonce.chainNonce).to.equal("5");
    const txs = await env.gateway.dataSource.manager.find(ChainTransaction, {
      where: { signerAddress: env.operator.address },
    });
    const mined = txs.filter((t) => t.status === "mined");
    const operatorNonceAfter = await provider.getTransactionCount(env.operator.address, "latest");
    expect(operatorNonceAfter - operatorNonceBefore).to.equal(
      mined.filter((t) => t.nonce >= operatorNonceBefore).length,
    );
    expect(txs.every((t) => t.status === "mined")).to.equal(true);
  });
});
