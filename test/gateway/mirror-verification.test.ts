import { expect } from "chai";
import type { Wallet } from "ethers";
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
import { gatewayDatabase, runSync } from "./support/sync";
import { MirrorAsset, MirrorBalance, MirrorRecord } from "../../server/mirror/entities";
import { discardRecordsFrom, readCursor, rebuildAssets } from "../../server/mirror/store";
import { GENESIS_RECORD_HASH, recordHash } from "../../server/chain/records";

/**
 * A forger with write access to the mirror's database rewrites records and recomputes every stored hash after
 * them, so the mirror's own hash chain is consistent and only its head disagrees with the ledger's; or edits what
 * the record hash does not cover (where a record is on chain: its proof) or what is derived from the records
 * (balances, supply). "Verified" must still mean the mirror is the chain's, and a divergence must be named.
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
      const h = recordHash(previous, {
        assetId: BigInt(assetId),
        sequence: BigInt(sequence),
        from: r.fromAddress,
        to: r.toAddress,
        amount: BigInt(r.amount),
        ref: r.ref,
        postedAt: BigInt(r.postedAt),
      });
      await records().update(
        { txHash: r.txHash, logIndex: r.logIndex },
        { sequence, toAddress: r.toAddress, amount: r.amount, recordHash: h, previousHash: previous },
      );
      previous = h;
    }
  }

  /**
   * What `npm run sync -- --repair` does for one asset: balances and supply that differ from verified records are
   * rebuilt from them; records are discarded from the first divergent one on and re-synced from the block of the
   * last good record.
   */
  async function repair(): Promise<{ fromBlock: number | null; deleted: number }> {
    const v = await mirror().queries.verify(assetId);
    if (v.verified) throw new Error("nothing to repair");
    if (v.scope === "derived") {
      await env.gateway.dataSource.transaction(async (em) => {
        await readCursor(em, true);
        await rebuildAssets(em, [assetId]);
      });
      return { fromBlock: null, deleted: 0 };
    }
    const seq = Number(v.firstDivergentSequence);
    const block = (seq > 1 ? await mirror().queries.blockOf(assetId, seq - 1) : null) ?? env.deployment.deployBlock;
    const discarded = await env.gateway.dataSource.transaction(async (em) => {
      await readCursor(em, true);
      return discardRecordsFrom(em, assetId, seq);
    });
    const r = await mirror().indexer.resync(block);
    return { fromBlock: block, deleted: discarded + r.deleted };
  }

  async function expectBalancesAsOnChain(): Promise<void> {
    const ledger = env.gateway.internals.chain.ledger;
    for (const h of [owner, alice, bob]) {
      const row = await env.gateway.dataSource
        .getRepository(MirrorBalance)
        .findOneBy({ assetId, holder: h.address.toLowerCase() });
      expect(row?.balance ?? "0", h.address).to.equal((await ledger.balanceOf(h.address, assetId)).toString());
    }
  }

  async function expectRepaired(): Promise<void> {
    const { fromBlock, deleted } = await repair();
    expect(fromBlock).to.be.greaterThan(env.deployment.deployBlock); // from the last good record, not from scratch
    expect(deleted).to.be.lessThan(RECORDS);
    const info = await env.gateway.internals.chain.ledger.assetInfo(assetId);
    expect(await verification()).to.include({
      verified: true,
      count: String(RECORDS),
      head: info.recordHead.toLowerCase(),
    });
    await expectBalancesAsOnChain();
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
      await expectPosted(
        env.http
          .post("/v1/transfers?wait=true")
          .set(o)
          .set("Idempotency-Key", `mv-${assetId}-${i}`)
          .send(await transferBody(env, owner, to, assetId, String(100 + i), String(i))),
      );
    }
    await mirror().indexer.sync(); // caught up to the head
  });
  after(async () => env?.close());
  beforeEach(async () => {
    // Each case starts from an intact mirror, whatever the previous one left (a full re-sync would keep a row
    // whose block number was forged below the deployment block: the repair discards it).
    if (!(await mirror().queries.verify(assetId)).verified) await repair();
    expect((await mirror().queries.verify(assetId)).verified).to.equal(true);
  });

  it("when the mirror is intact, then it verifies against the ledger's head and count", async () => {
    const info = await env.gateway.internals.chain.ledger.assetInfo(assetId);
    expect(await verification()).to.deep.equal({
      verified: true,
      count: String(RECORDS),
      head: info.recordHead.toLowerCase(),
      block: (await mirror().queries.status()).block,
    });
  });

  it("when a middle range is rewritten with recomputed hashes, then the first forged sequence is reported and a repair from the last good record restores it", async () => {
    const rows = await mirrored();
    for (const r of rows.filter((x) => x.sequence >= 12 && x.sequence <= 20)) {
      r.toAddress = bob.address.toLowerCase();
      r.amount = "999";
    }
    await rewriteChain(rows);
    const v = await verification();
    expect(v).to.include({
      verified: false,
      firstDivergentSequence: "12",
      reason: "record differs from the chain's event",
    });
    expect(Object.keys(v).sort()).to.deep.equal(["block", "firstDivergentSequence", "reason", "verified"]);
    await expectRepaired();
  });

  it("when a single middle record is forged with recomputed hashes and a later one edited without, then the forged one is reported", async () => {
    const rows = await mirrored();
    rows[15].amount = "1"; // sequence 16
    await rewriteChain(rows);
    expect(await verification()).to.include({
      verified: false,
      firstDivergentSequence: "16",
      reason: "record differs from the chain's event",
    });
    await records().update({ assetId, sequence: 25 }, { amount: "5" }); // stored hash left as it was
    expect(await verification()).to.include({
      verified: false,
      firstDivergentSequence: "16",
      reason: "record differs from the chain's event",
    });
    await expectRepaired();
  });

  it("when a middle record is deleted and the rest renumbered with recomputed hashes, then that sequence is reported missing", async () => {
    const rows = await mirrored();
    const [gone] = rows.splice(9, 1); // sequence 10
    await records().delete({ txHash: gone.txHash, logIndex: gone.logIndex });
    await rewriteChain(rows);
    expect(await verification()).to.include({
      verified: false,
      firstDivergentSequence: "10",
      reason: "record missing",
    });
    await expectRepaired();
  });

  it("when a record that is not on chain is inserted and the rest renumbered with recomputed hashes, then its sequence is reported", async () => {
    const rows = await mirrored();
    const fake = records().create({
      ...rows[6],
      txHash: "0x" + "ee".repeat(32),
      logIndex: 9_999,
      toAddress: alice.address.toLowerCase(),
      amount: "5000",
    });
    await records().insert(fake);
    rows.splice(7, 0, fake); // becomes sequence 8
    await rewriteChain(rows);
    expect(await verification()).to.include({
      verified: false,
      firstDivergentSequence: "8",
      reason: "record not on chain",
    });
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

  describe("proof fields, which the record hash does not cover", () => {
    const forgeries: { field: string; forge: (r: MirrorRecord) => Partial<MirrorRecord> }[] = [
      { field: "tx_hash", forge: (r) => ({ txHash: "0xdeadbeef" + r.txHash.slice(10) }) },
      { field: "log_index", forge: (r) => ({ logIndex: r.logIndex + 77 }) },
      { field: "block_hash", forge: () => ({ blockHash: "0x" + "5a".repeat(32) }) },
      { field: "block_number", forge: () => ({ blockNumber: 5 }) },
    ];
    for (const { field, forge } of forgeries) {
      it(`when one record's ${field} is forged, then the hash chain still adds up but verification reports that the proof differs from the chain, and a repair restores the chain's proof`, async () => {
        const original = (await mirrored())[8]; // sequence 9
        await records().update({ txHash: original.txHash, logIndex: original.logIndex }, forge(original));
        // The hash chain does not cover it: until verified against the chain, the API serves the forged proof.
        const served = await env.http.get(`/v1/records?assetId=${assetId}&limit=100`).set(bearer(env.keys.monitor));
        const proof = (
          served.body.items as {
            sequence: string;
            proof: { txHash: string; logIndex: number; blockHash: string; blockNumber: number };
          }[]
        ).find((v) => v.sequence === "9")!.proof;
        expect(proof).to.not.deep.include({
          txHash: original.txHash,
          logIndex: original.logIndex,
          blockHash: original.blockHash,
          blockNumber: original.blockNumber,
        });
        expect(await verification()).to.include({
          verified: false,
          firstDivergentSequence: "9",
          reason: "proof differs from the chain",
        });
        await expectRepaired();
        expect(await records().findOneBy({ assetId, sequence: 9 })).to.deep.equal(original);
      });
    }

    it("when a copy of a record is placed beyond the mirror's cursor (the checks read up to the cursor, the API serves every row), then it is reported not on chain and a repair removes it", async () => {
      const original = (await mirrored())[8];
      await records().insert({
        ...original,
        txHash: "0x" + "ab".repeat(32),
        blockNumber: 1_000_000_000,
        amount: "999",
      });
      expect(await verification()).to.include({
        verified: false,
        firstDivergentSequence: "9",
        reason: "record not on chain",
      });
      await expectRepaired();
      expect(await records().countBy({ assetId })).to.equal(RECORDS);
    });

    it("when every proof field of the first record is forged (the review's repro), then verification reports it at sequence 1 and a repair restores it", async () => {
      const original = (await mirrored())[0];
      await records().update(
        { txHash: original.txHash, logIndex: original.logIndex },
        {
          txHash: "0xdeadbeef" + original.txHash.slice(10),
          logIndex: 7,
          blockHash: "0x" + "c3".repeat(32),
          blockNumber: 5,
        },
      );
      expect(await verification()).to.include({
        verified: false,
        firstDivergentSequence: "1",
        reason: "proof differs from the chain",
      });
      const { deleted } = await repair();
      expect(deleted).to.be.greaterThan(0);
      expect(await verification()).to.include({ verified: true, count: String(RECORDS) });
      expect(await records().findOneBy({ assetId, sequence: 1 })).to.deep.equal(original);
      expect(await records().countBy({ assetId })).to.equal(RECORDS);
    });
  });

  describe("balances and supply, derived from the records", () => {
    const balances = () => env.gateway.dataSource.getRepository(MirrorBalance);
    const holderRow = (w: Wallet) => ({ assetId, holder: w.address.toLowerCase() });
    // Alice receives transfers 0, 2, ..., 28 (sequences 2..30), Bob 1, 3, ..., 29 (sequences 3..31); the owner sends them all.
    const cases: { name: string; forge: () => Promise<unknown>; sequence: string; reason: string }[] = [
      {
        name: "a holder's balance is changed",
        forge: () => balances().update(holderRow(alice), { balance: "1" }),
        sequence: "30",
        reason: "balance differs from the records",
      },
      {
        name: "a holder's balance row is deleted",
        forge: () => balances().delete(holderRow(bob)),
        sequence: "31",
        reason: "balance differs from the records",
      },
      {
        name: "a balance row is inserted for someone the records never paid",
        sequence: String(RECORDS),
        reason: "balance differs from the records",
        forge: () =>
          balances().insert({
            assetId,
            holder: randomHolder().address.toLowerCase(),
            balance: "5000",
            updatedBlock: 1,
          }),
      },
      {
        name: "a holder's balance is changed and its block set beyond the mirror's cursor",
        sequence: "30",
        reason: "balance differs from the records",
        forge: () => balances().update(holderRow(alice), { balance: "2", updatedBlock: 1_000_000 }),
      },
      {
        name: "the asset's supply is changed",
        sequence: String(RECORDS),
        reason: "supply differs from the records",
        forge: () => env.gateway.dataSource.getRepository(MirrorAsset).update({ assetId }, { supply: "1" }),
      },
    ];
    for (const c of cases) {
      it(`when ${c.name}, then verification reports it and a repair rebuilds the asset from its records`, async () => {
        await c.forge();
        expect(await verification()).to.include({
          verified: false,
          firstDivergentSequence: c.sequence,
          reason: c.reason,
        });
        const { fromBlock } = await repair();
        expect(fromBlock).to.equal(null); // rebuilt from the verified records, nothing re-synced
        expect(await verification()).to.include({ verified: true, count: String(RECORDS) });
        await expectBalancesAsOnChain();
        const supply = (await env.gateway.internals.chain.ledger.assetInfo(assetId)).supply.toString();
        expect((await env.gateway.dataSource.getRepository(MirrorAsset).findOneByOrFail({ assetId })).supply).to.equal(
          supply,
        );
      });
    }
  });

  it("when the sync task repairs a forged proof and a forged balance, then the asset verifies again", async () => {
    const original = (await mirrored())[4]; // sequence 5
    await records().update(
      { txHash: original.txHash, logIndex: original.logIndex },
      { blockNumber: 5, blockHash: "0x" + "77".repeat(32) },
    );
    await env.stopGateway(); // the task works on the database alone
    try {
      const proof = await runSync(env, ["--repair"], gatewayDatabase(env));
      expect(proof.code, proof.output).to.equal(0);
      expect(proof.output).to.match(/diverges at sequence 5 \(proof differs from the chain\)/);
      expect(proof.output).to.match(new RegExp(`asset ${assetId}: verified \\(${RECORDS} records`));
    } finally {
      await env.restart();
    }
    expect(await records().findOneBy({ assetId, sequence: 5 })).to.deep.equal(original);

    await env.gateway.dataSource
      .getRepository(MirrorBalance)
      .update({ assetId, holder: bob.address.toLowerCase() }, { balance: "123" });
    await env.stopGateway();
    try {
      const balance = await runSync(env, ["--repair"], gatewayDatabase(env));
      expect(balance.code, balance.output).to.equal(0);
      expect(balance.output).to.include(
        `asset ${assetId}: balance differs from the records (holder ${bob.address.toLowerCase()}) at sequence 31; rebuilt from the records`,
      );
      expect(balance.output).to.match(new RegExp(`asset ${assetId}: verified \\(${RECORDS} records`));
    } finally {
      await env.restart();
    }
    expect(await verification()).to.include({ verified: true, count: String(RECORDS) });
    await expectBalancesAsOnChain();
  });
});
