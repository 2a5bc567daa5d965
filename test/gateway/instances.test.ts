import { expect } from "chai";
import { Contract } from "ethers";
import type { Wallet } from "ethers";
import pino from "pino";
import { In } from "typeorm";
import { createGateway } from "../../server/main";
import type { Gateway } from "../../server/main";
import { LaneLease, LeaseLostError } from "../../server/outbox/lane-lease";
import { ChainTransaction, Operation } from "../../server/persistence/entities";
import { SupervisionWorker } from "../../server/supervision/entities";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  issue,
  onboard,
  PERMIT,
  randomHolder,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { devWallet } from "./support/node";
import { waitFor } from "./support/wait";

/**
 * Two gateway instances on one database, each with its own operator key (as operators run them): every
 * authorization is relayed once, by whichever instance holds the operator lane, and none is reported failed;
 * an instance cut off from the database loses the lane, and the other finishes its transactions in flight.
 */
describe("gateway: several instances on one database", function () {
  let env: TestEnv;
  let b: Gateway;
  let bUrl: string;
  const holders: Wallet[] = [];
  const assets: string[] = [];
  const nonces = new Map<string, number>();
  const LEASE_MS = 5_000;

  const heldBy = (g: Gateway) => g.internals.submitter.lanesHeld().map((l) => l.signer);

  /** Each holder pays the next one, with its next nonce, through the gateway at `url` (alternating). */
  async function transfers(count: number, urls: string[]): Promise<string[]> {
    const bodies = [];
    for (let i = 0; i < count; i++) {
      const k = i % holders.length;
      const from = holders[k];
      const nonce = nonces.get(from.address) ?? 0;
      nonces.set(from.address, nonce + 1);
      bodies.push(
        await transferBody(env, from, holders[(k + 1) % holders.length].address, assets[k], "1", String(nonce)),
      );
    }
    const responses = await Promise.all(
      bodies.map((body, i) =>
        fetch(`${urls[i % urls.length]}/v1/transfers`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": `instances-${body.authorization.from}-${body.authorization.nonce}`,
            ...bearer(env.keys.operator),
          },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { operation: { id: string } } })),
      ),
    );
    for (const r of responses) expect(r.status, JSON.stringify(r.body)).to.equal(202);
    return responses.map((r) => r.body.operation.id);
  }

  async function settled(ids: string[]): Promise<Operation[]> {
    const repo = b.dataSource.manager.getRepository(Operation);
    return waitFor(
      "operations to settle",
      async () => {
        const ops = await repo.findBy({ id: In(ids) });
        return ops.length === ids.length && ops.every((o) => o.status === "posted" || o.status === "failed") && ops;
      },
      60_000,
    );
  }

  async function chainNonce(holder: Wallet, assetId: string): Promise<bigint> {
    const ledger = new Contract(
      env.deployment.ledger,
      ["function nonceOf(address,uint256) view returns (uint256)"],
      env.node.provider,
    );
    return (await ledger.nonceOf(holder.address, BigInt(assetId))) as bigint;
  }

  before(async function () {
    this.timeout(240_000);
    env = await startEnv({ laneLeaseMs: LEASE_MS });
    const { documentHash } = await bootstrapPlatform(env);
    for (let i = 0; i < 3; i++) {
      const h = randomHolder();
      await onboard(env, h, documentHash);
      holders.push(h);
      assets.push((await issue(env, h, "1000")).assetId);
    }
    // A second operator key: the role and a permit of its own, as the authority grants them.
    const second = devWallet(6, env.node.provider);
    const a = bearer(env.keys.authority);
    await expectPosted(env.http.post("/v1/roles/OPERATOR/members?wait=true").set(a).send({ account: second.address }));
    await expectPosted(
      env.http
        .post("/v1/permits?wait=true")
        .set(a)
        .send({ operator: second.address, ...PERMIT, permitNumber: "KZ-SDA-0006" }),
    );
    b = await createGateway({ ...env.config, operatorKey: second.privateKey }, pino({ level: "silent" }));
    bUrl = (await b.start()).url;
  });

  after(async () => {
    await env.node.provider.send("evm_setAutomine", [true]);
    await b?.stop();
    await env?.close().catch(() => undefined);
  });

  it("one instance drives the operator lane; transfers sent to both post once each, none failed", async () => {
    const before = await Promise.all(holders.map((h, k) => chainNonce(h, assets[k])));

    const ids = await transfers(30, [env.url, bUrl]);
    const ops = await settled(ids);
    const failed = ops.filter((o) => o.status !== "posted");
    expect(failed.map((o) => `${o.errorCode} ${o.errorDetail}`)).to.deep.equal([]);
    for (const [k, h] of holders.entries()) expect(await chainNonce(h, assets[k])).to.equal(before[k] + 10n);
    expect(heldBy(env.gateway)).to.include("operator");
    expect(heldBy(b)).to.not.include("operator");
    // Relayed by the lane's holder only: no transaction of the standby's key.
    const standby = await b.dataSource.manager.countBy(ChainTransaction, { signerAddress: devWallet(6).address });
    expect(standby).to.equal(0);
  });

  it("an instance cut off from the database loses the lane; the other takes it and posts its transactions in flight once", async () => {
    const provider = env.node.provider;
    await provider.send("evm_setAutomine", [false]);
    const ids = await transfers(9, [env.url, bUrl]);
    // The lane's holder has signed and sent some of them; the node holds them unmined.
    const sent = await waitFor("a transaction in flight", async () => {
      const txs = await b.dataSource.manager.findBy(ChainTransaction, {
        signerAddress: env.operator.address,
        status: In(["signed", "sent"]),
      });
      return txs.length > 0 && txs;
    });
    const a = env.gateway;
    await a.dataSource.destroy(); // a partition: the instance can neither renew its lease nor write
    await waitFor("the standby to take the operator lane", async () => heldBy(b).includes("operator"), 4 * LEASE_MS);
    const row = await b.dataSource.manager.findOneByOrFail(SupervisionWorker, { name: "lane:operator" });
    expect(row.leaseOwner).to.equal(b.internals.submitter.instanceId);
    expect(row.cursorSeq).to.be.greaterThan(0);

    await provider.send("evm_setAutomine", [true]);
    await provider.send("evm_mine", []);
    const ops = await settled(ids);
    expect(ops.filter((o) => o.status !== "posted").map((o) => o.errorCode)).to.deep.equal([]);
    for (const [k, h] of holders.entries()) expect(await chainNonce(h, assets[k])).to.equal(13n);
    // The cut-off instance's transactions were recorded by the other one, signed by the first key.
    for (const tx of sent) {
      const now = await b.dataSource.manager.findOneByOrFail(ChainTransaction, { id: tx.id });
      expect(now.status).to.equal("mined");
    }
    await a.stop().catch(() => undefined);
  });

  it("a holder that stalled past its lease can no longer write: the takeover's epoch fences it", async () => {
    const db = b.internals.db;
    const first = new LaneLease(db, "lane:fence-test", "instance-a", 1_000);
    const second = new LaneLease(db, "lane:fence-test", "instance-b", 1_000);
    expect(await first.acquire()).to.equal(true);
    expect(await second.acquire()).to.equal(false);
    const epoch = first.epoch!;
    await waitFor("the lease to end and be taken", () => second.acquire(), 5_000);
    expect(second.epoch).to.equal(epoch + 1);

    const probe = "fence-probe";
    const write = db.transaction(async (em) => {
      await first.fence(em);
      await em.insert(SupervisionWorker, {
        name: probe,
        cursorSeq: 0,
        leaseOwner: null,
        leaseUntil: null,
        updatedAt: "",
      });
    });
    const refused = await write.then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).to.be.instanceOf(LeaseLostError);
    expect(await db.manager.countBy(SupervisionWorker, { name: probe })).to.equal(0);

    await second.fence(); // the holder's writes go on
    await second.release();
    expect(await first.acquire()).to.equal(true);
    expect(first.epoch).to.equal(epoch + 2);
  });
});
