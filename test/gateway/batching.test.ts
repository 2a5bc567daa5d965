import { expect } from "chai";
import type { Wallet } from "ethers";
import { In } from "typeorm";
import { ChainTransaction, Operation } from "../../server/persistence/entities";
import { ACKNOWLEDGEMENT_TYPES } from "../../server/domain/eip712";
import { MockContractWallet__factory } from "../../typechain-types";
import {
  bearer,
  bootstrapPlatform,
  domain,
  expectPosted,
  FAR_FUTURE,
  issue,
  onboard,
  randomHolder,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** On a chain that mines in blocks, transfers are relayed about one batch per block, not one transaction per request. */
describe("gateway: transfers arriving while a batch is in flight are relayed together", function () {
  let env: TestEnv;
  let owner: Wallet, alice: Wallet;
  let assetId: string;
  let documentHash: string;
  let nonce = 0;

  before(async () => {
    env = await startEnv();
    [owner, alice] = [randomHolder(), randomHolder()];
    ({ documentHash } = await bootstrapPlatform(env));
    for (const p of [owner, alice]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000", "3"));
  });
  after(async () => {
    await env.node.provider.send("evm_setAutomine", [true]);
    await env?.close();
  });

  const ops = (ids: string[]) => env.gateway.dataSource.manager.find(Operation, { where: { id: In(ids) } });
  async function submit(to = alice.address): Promise<string> {
    const n = nonce++;
    const res = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", `batching-${n}`)
      .send(await transferBody(env, owner, to, assetId, "1", String(n)));
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.operation.id as string;
  }
  async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const v = await probe();
      if (v) return v;
      await sleep(50);
    }
    throw new Error(
      `timed out waiting for ${what}: ${JSON.stringify((await env.gateway.dataSource.manager.find(Operation, { order: { createdAt: "DESC" }, take: 4 })).map((o) => [o.status, o.errorCode, o.nonce, o.txId]))}`,
    );
  }
  const sentTxs = () =>
    env.gateway.dataSource.manager.count(ChainTransaction, { where: { status: In(["signed", "sent"]) } });

  it("when four transfers arrive while one batch waits for its block, then they wait and go together in the next transaction", async () => {
    await env.node.provider.send("evm_setAutomine", [false]);
    await env.restart({ maxInFlight: 0, batchHoldMs: 60_000 });
    const first = await submit();
    await until("the first batch sent", async () => ((await ops([first]))[0].status === "submitted" ? true : null));
    const rest = [await submit(), await submit(), await submit(), await submit()];
    await sleep(600);
    expect((await ops(rest)).map((o) => o.status)).to.deep.equal(["pending", "pending", "pending", "pending"]);
    expect(await sentTxs()).to.equal(1);

    await env.node.provider.send("evm_mine", []);
    const submitted = await until("the second batch sent", async () => {
      const r = await ops(rest);
      return r.every((o) => o.status === "submitted") ? r : null;
    });
    expect(new Set(submitted.map((o) => o.txId)).size, "one transaction for the four").to.equal(1);
    await env.node.provider.send("evm_mine", []);
    const posted = await until("all posted", async () => {
      const r = await ops([first, ...rest]);
      return r.every((o) => o.status === "posted") ? r : null;
    });
    expect(posted).to.have.length(5);
  });

  it("when a transfer has waited batchHoldMs, then it is sent even though a batch is still in flight", async () => {
    await env.restart({ maxInFlight: 0, batchHoldMs: 200 });
    const a = await submit();
    await until("the first batch sent", async () => ((await ops([a]))[0].status === "submitted" ? true : null));
    const b = await submit();
    const [opB] = await until("the held transfer sent", async () => {
      const r = await ops([b]);
      return r[0].status === "submitted" ? r : null;
    });
    const [opA] = await ops([a]);
    expect(opB.txId).not.to.equal(opA.txId);
    expect(await sentTxs()).to.equal(2);
    await env.node.provider.send("evm_mine", []);
    await until("both posted", async () => ((await ops([a, b])).every((o) => o.status === "posted") ? true : null));
  });

  it("when a transfer waiting with others goes to a contract wallet that refuses the units, then it is relayed alone and only it fails", async () => {
    await env.node.provider.send("evm_setAutomine", [true]);
    // A contract-wallet participant (ERC-1271 acknowledgement by its key holder) that will refuse ERC-1155 units.
    const keyholder = randomHolder();
    await (await env.operator.sendTransaction({ to: keyholder.address, value: 10n ** 17n })).wait();
    const wallet = await new MockContractWallet__factory(env.operator).deploy(keyholder.address);
    await wallet.waitForDeployment();
    const address = await wallet.getAddress();
    const signature = await keyholder.signTypedData(domain(env), ACKNOWLEDGEMENT_TYPES, {
      account: address,
      version: 1,
      documentHash,
      deadline: FAR_FUTURE,
    });
    await expectPosted(
      env.http
        .post("/v1/participants?wait=true")
        .set(bearer(env.keys.operator))
        .send({
          address,
          kind: "LegalEntity",
          identity: { name: "Treasury wallet", bin: "200140000004" },
          acknowledgement: { version: 1, deadline: FAR_FUTURE, signature },
        }),
    );
    const participant = await env.http.get(`/v1/participants/${address}`).set(bearer(env.keys.operator));
    expect(participant.body.onChain.contractWallet).to.equal(true);
    await (await wallet.connect(keyholder.connect(env.node.provider)).setRefusing(true)).wait();

    // Three transfers wait together while the submitter is off (alice's to the wallet between two of the owner's);
    // then it relays them.
    await env.restart({ submitterEnabled: false });
    const toAlice = await submit();
    const res = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "batching-alice-0")
      .send(await transferBody(env, alice, address, assetId, "1", "0"));
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const toWallet = res.body.operation.id as string;
    const toAliceAgain = await submit();
    await env.restart({ submitterEnabled: true, maxInFlight: 0 });
    const settled = await until("all settled", async () => {
      const r = await ops([toAlice, toWallet, toAliceAgain]);
      return r.every((o) => o.status === "posted" || o.status === "failed") ? new Map(r.map((o) => [o.id, o])) : null;
    });
    expect(settled.get(toAlice)!.status).to.equal("posted");
    expect(settled.get(toAliceAgain)!.status).to.equal("posted");
    expect(settled.get(toAliceAgain)!.txId, "the owner's two transfers in one batch").to.equal(
      settled.get(toAlice)!.txId,
    );
    const refused = settled.get(toWallet)!;
    expect(refused.status).to.equal("failed");
    expect(refused.errorCode).to.equal("INVALID_RECEIVER");
    expect(refused.txId, "the wallet's transfer in a transaction of its own").not.to.equal(settled.get(toAlice)!.txId);
    const op = await env.http.get(`/v1/operations/${toWallet}`).set(bearer(env.keys.operator));
    expect(op.body.status).to.equal("failed");
  });
});
