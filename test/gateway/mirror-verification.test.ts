import { expect } from "chai";
import type { Wallet } from "ethers";
import { bearer, bootstrapPlatform, expectPosted, issue, onboard, randomHolder, startEnv, transferBody } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { gatewayDatabase, runSync } from "./support/sync";
import { MirrorBalance, MirrorRecord } from "../../server/mirror/entities";
import { GENESIS_RECORD_HASH, recordHash } from "../../server/chain/records";

/**
 * A forger with write access to the mirror's database rewrites records and recomputes every stored hash after
 * them, so the mirror's own hash chain is consistent and only its head disagrees with the ledger's. The
 * verification must still name the first record that differs from the chain.
 */
describe("record mirror verification: locating the first forged record", function () {
  this.timeout(240_000);
  const TRANSFERS = 30;
  const RECORDS = TRANSFERS + 1; // the issuance, then the transfers
  let env: TestEnv;
  let owner: Wallet, alice: Wallet, bob: Wallet;
  let assetId: string;
  const mirror = () => env.gateway.context.mirror;
  const records = () => env.gateway.dataSource.getRepository(MirrorRecord);
  const verification = async () => {
    const res = await env.http.get(`/v1/assets/${assetId}/records/verification`).set(bearer(env.keys.monitor));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as Record<string, unknown>;
  };
  const mirrored = () => records().find({ where: { assetId }, order: { sequence: "ASC" } });

  /** Stores `rows` as the asset's records, in this order, numbered from 1, with a hash chain recomputed from genesis. */
  async function rewriteChain(rows: MirrorRecord[]): Promise<void> {
    let previous = GENESIS_RECORD_HASH;
    for (const [i, r] of rows.entries()) {
      const sequence = i + 1;
      const h = recordHash(previous, { assetId: BigInt(assetId), sequence: BigInt(sequence), from: r.fromAddress, to: r.toAddress, amount: BigInt(r.amount), ref: r.ref, postedAt: BigInt(r.postedAt) });
      await records().update({ txHash: r.txHash, logIndex: r.logIndex }, { sequence, toAddress: r.toAddress, amount: r.amount, recordHash: h, previousHash: previous });
      previous = h;
    }
  }

  /** What `npm run sync -- --repair` does for one asset: re-sync from the block of the last good record. */
  async function repair(): Promise<{ fromBlock: number; deleted: number }> {
    const v = await mirror().queries.verify(assetId);
    if (v.verified) throw new Error("nothing to repair");
    const seq = Number(v.firstDivergentSequence);
    const block = (seq > 1 ? await mirror().queries.blockOf(assetId, seq - 1) : null) ?? env.deployment.deployBlock;
    const r = await mirror().indexer.resync(block);
    return { fromBlock: block, deleted: r.deleted };
  }

  async function expectRepaired(): Promise<void> {
    const { fromBlock, deleted } = await repair();
    expect(fromBlock).to.be.greaterThan(env.deployment.deployBlock); // from the last good record, not from scratch
    expect(deleted).to.be.lessThan(RECORDS);
    const info = await env.gateway.context.chain.ledger.assetInfo(assetId);
    expect(await verification()).to.include({ verified: true, count: String(RECORDS), head: info.recordHead.toLowerCase() });
    const ledger = env.gateway.context.chain.ledger;
    for (const h of [owner, alice, bob]) {
      const row = await env.gateway.dataSource.getRepository(MirrorBalance).findOneBy({ assetId, holder: h.address.toLowerCase() });
      expect(row?.balance ?? "0", h.address).to.equal((await ledger.balanceOf(h.address, assetId)).toString());
    }
  }

  before(async () => {
    env = await startEnv();
    [owner, alice, bob] = [randomHolder(), randomHolder(), randomHolder()];
    const { documentHash } = await bootstrapPlatform(env);
    for (const p of [owner, alice, bob]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000000", String(Date.now())));
    const o = bearer(env.keys.operator);
    for (let i = 0; i < TRANSFERS; i++) {
      const to = i % 2 === 0 ? alice.address : bob.address;
      await expectPosted(env.http.post("/v1/transfers?wait=true").set(o).set("Idempotency-Key", `mv-${assetId}-${i}`)
        .send(await transferBody(env, owner, to, assetId, String(100 + i), String(i))));
    }
    await mirror().indexer.sync(); // caught up to the head
  });
  after(async () => env?.close());
  beforeEach(async () => {
    // Each case starts from an intact mirror, whatever the previous one left.
    if (!(await mirror().queries.verify(assetId)).verified) await mirror().indexer.resync();
  });

  it("when the mirror is intact, then it verifies against the ledger's head and count", async () => {
    const info = await env.gateway.context.chain.ledger.assetInfo(assetId);
    expect(await verification()).to.deep.equal({ verified: true, count: String(RECORDS), head: info.recordHead.toLowerCase(), block: (await mirror().queries.status()).block });
  });

  it("when a middle range is rewritten with recomputed hashes, then the first forged sequence is reported and a repair from the last good record restores it", async () => {
    const rows = await mirrored();
    for (const r of rows.filter((x) => x.sequence >= 12 && x.sequence <= 20)) {
      r.toAddress = bob.address.toLowerCase();
      r.amount = "999";
    }
    await rewriteChain(rows);
    const v = await verification();
    expect(v).to.include({ verified: false, firstDivergentSequence: "12", reason: "record differs from the chain's event" });
    expect(Object.keys(v).sort()).to.deep.equal(["block", "firstDivergentSequence", "reason", "verified"]);
    await expectRepaired();
  });

  it("when a single middle record is forged with recomputed hashes and a later one edited without, then the forged one is reported", async () => {
    const rows = await mirrored();
    rows[15].amount = "1"; // sequence 16
    await rewriteChain(rows);
    expect(await verification()).to.include({ verified: false, firstDivergentSequence: "16", reason: "record differs from the chain's event" });
    await records().update({ assetId, sequence: 25 }, { amount: "5" }); // stored hash left as it was
    expect(await verification()).to.include({ verified: false, firstDivergentSequence: "16", reason: "record differs from the chain's event" });
    await expectRepaired();
  });

  it("when a middle record is deleted and the rest renumbered with recomputed hashes, then that sequence is reported missing", async () => {
    const rows = await mirrored();
    const [gone] = rows.splice(9, 1); // sequence 10
    await records().delete({ txHash: gone.txHash, logIndex: gone.logIndex });
    await rewriteChain(rows);
    expect(await verification()).to.include({ verified: false, firstDivergentSequence: "10", reason: "record missing" });
    await expectRepaired();
  });

  it("when a record that is not on chain is inserted and the rest renumbered with recomputed hashes, then its sequence is reported", async () => {
    const rows = await mirrored();
    const fake = records().create({ ...rows[6], txHash: "0x" + "ee".repeat(32), logIndex: 9_999, toAddress: alice.address.toLowerCase(), amount: "5000" });
    await records().insert(fake);
    rows.splice(7, 0, fake); // becomes sequence 8
    await rewriteChain(rows);
    expect(await verification()).to.include({ verified: false, firstDivergentSequence: "8", reason: "record not on chain" });
    await expectRepaired();
  });

  it("when the sync task repairs a mid-range forgery, then the asset verifies again", async () => {
    const rows = await mirrored();
    for (const r of rows.filter((x) => x.sequence >= 20 && x.sequence <= 24)) r.amount = "1";
    await rewriteChain(rows);
    expect(await verification()).to.include({ verified: false, firstDivergentSequence: "20" });
    await env.stopGateway(); // the task works on the database alone
    const run = await runSync(env, ["--repair"], gatewayDatabase(env));
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.match(/diverges at sequence 20 \(record differs from the chain's event\)/);
    expect(run.output).to.match(new RegExp(`asset ${assetId}: verified \\(${RECORDS} records`));
    await env.restart();
    expect(await verification()).to.include({ verified: true, count: String(RECORDS) });
  });
});
