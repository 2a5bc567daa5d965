import { expect } from "chai";
import { Wallet, ZeroHash, encodeBytes32String, parseEther } from "ethers";
import type { JsonRpcProvider } from "ethers";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  GRAIN,
  issue,
  onboard,
  randomHolder,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { devWallet } from "./support/node";
import { gatewayDatabase, runSync, withScratchDatabase } from "./support/sync";
import {
  MirrorAcknowledgement,
  MirrorAssetType,
  MirrorBalance,
  MirrorParticipantChange,
  MirrorPermit,
  MirrorRecord,
} from "../../server/mirror/entities";
import { PlatformEvent } from "../../server/persistence/event-log";
import { writeCursor, readCursor } from "../../server/mirror/store";
import { CSV_HEADER } from "../../server/mirror/queries";

interface RecordBody {
  assetId: string;
  sequence: string;
  from: string;
  to: string;
  amount: string;
  ref: string;
  postedAt: string;
  rightsArisenAt: string;
  proof: {
    txHash: string;
    blockNumber: number;
    blockHash: string;
    logIndex: number;
    recordHash: string;
    previousHash: string;
  };
}

/** The gateway's own database as the sync task reaches it (SQLite file, or the test's PostgreSQL schema). */

describe("record mirror: indexer, proof of completeness, queries and exports", function () {
  this.timeout(180_000);
  let env: TestEnv;
  let owner: Wallet, alice: Wallet, bob: Wallet;
  let assetId: string;
  let provider: JsonRpcProvider;
  const reader = () => bearer(env.keys.monitor);
  const mirror = () => env.gateway.context.mirror;
  const repo = <T extends object>(cls: new () => T) => env.gateway.dataSource.getRepository(cls);

  /** A redemption sent by the holder straight to the ledger: a movement the gateway never saw. */
  async function directRedeem(holder: Wallet, amount: bigint, ref = ZeroHash): Promise<string> {
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, holder.connect(provider));
    const tx = await ledger.redeem(assetId, amount, ref);
    await tx.wait();
    return tx.hash;
  }
  const verification = async () =>
    (await env.http.get(`/v1/assets/${assetId}/records/verification`).set(reader())).body as Record<string, unknown>;
  const countEvents = (type: string) => repo(PlatformEvent).count({ where: { type: type as PlatformEvent["type"] } });
  async function allRecords(query: string, limit = 2): Promise<RecordBody[]> {
    const out: RecordBody[] = [];
    let next: string | null = `/v1/records?${query}&limit=${limit}`;
    for (let page = 0; page < 100; page++) {
      const res = await env.http.get(next).set(reader());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      out.push(...(res.body.items as RecordBody[]));
      next = res.body.next as string | null;
      if (!next) return out;
      expect(res.body.items).to.have.length(limit);
    }
    throw new Error("pagination does not end");
  }

  before(async () => {
    env = await startEnv();
    provider = env.node.provider;
    [owner, alice, bob] = [randomHolder(), randomHolder(), randomHolder()];
    const { documentHash } = await bootstrapPlatform(env);
    for (const p of [owner, alice, bob]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000000", String(Date.now())));
    const o = bearer(env.keys.operator);
    await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(o)
        .set("Idempotency-Key", `m-${assetId}-1`)
        .send(await transferBody(env, owner, alice.address, assetId, "500", "0")),
    );
    await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(o)
        .set("Idempotency-Key", `m-${assetId}-2`)
        .send(await transferBody(env, alice, bob.address, assetId, "200", "0")),
    );
    await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(o)
        .set("Idempotency-Key", `m-${assetId}-3`)
        .send(await transferBody(env, owner, bob.address, assetId, "50", "1")),
    );
    // Gas for the holders who will act on the ledger directly.
    const funder = devWallet(9, provider);
    for (const h of [alice, bob])
      await (await funder.sendTransaction({ to: h.address, value: parseEther("1") })).wait();
    await directRedeem(bob, 30n);
  });
  after(async () => env?.close());

  it("when the gateway runs, then its indexer mirrors every record, including movements made directly on the ledger", async () => {
    await mirror().indexer.sync();
    const items = await allRecords(`assetId=${assetId}`, 100);
    expect(items.map((r) => r.sequence)).to.deep.equal(["1", "2", "3", "4", "5"]);
    const redeemed = items[4];
    expect(redeemed.from).to.equal(bob.address);
    expect(redeemed.to).to.equal("0x0000000000000000000000000000000000000000");
    expect(redeemed.amount).to.equal("30");
    for (const r of items) {
      expect(r.proof.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(r.proof.recordHash).to.match(/^0x[0-9a-f]{48}$/);
      expect(r.rightsArisenAt).to.equal(r.postedAt);
      const block = await provider.getBlock(r.proof.blockNumber);
      expect(r.postedAt).to.equal(new Date(block!.timestamp * 1000).toISOString());
      const receipt = await provider.getTransactionReceipt(r.proof.txHash);
      expect(receipt!.blockNumber).to.equal(r.proof.blockNumber);
      expect(receipt!.blockHash).to.equal(r.proof.blockHash);
    }
    expect(items[0].proof.previousHash).to.equal("0x" + "00".repeat(24));
    for (let i = 1; i < items.length; i++) expect(items[i].proof.previousHash).to.equal(items[i - 1].proof.recordHash);
    const info = await env.gateway.internals.chain.ledger.assetInfo(assetId);
    expect(items[4].proof.recordHash).to.equal(info.recordHead.toLowerCase());

    // Balances and supply derived from the records equal the ledger's.
    const ledger = env.gateway.internals.chain.ledger;
    for (const h of [owner, alice, bob]) {
      const row = await repo(MirrorBalance).findOneBy({ assetId, holder: h.address.toLowerCase() });
      expect(row?.balance, h.address).to.equal((await ledger.balanceOf(h.address, assetId)).toString());
    }
    const asset = await env.http.get("/v1/mirror").set(reader());
    expect(asset.body.records).to.be.at.least(5);
    // Register changes and acknowledgements are mirrored; every record was announced once, in the same transaction.
    expect(await repo(MirrorParticipantChange).countBy({ kind: "ParticipantRegistered" })).to.equal(3);
    expect(await repo(MirrorAcknowledgement).count()).to.equal(3);
    const posted = await repo(PlatformEvent).find({ where: { type: "record.posted", assetId }, order: { seq: "ASC" } });
    expect(posted.map((e) => (JSON.parse(e.payload) as { sequence: string }).sequence)).to.deep.equal([
      "1",
      "2",
      "3",
      "4",
      "5",
    ]);
  });

  it("when the asset is verified, then the mirror's chain matches the ledger's head and count", async () => {
    const info = await env.gateway.internals.chain.ledger.assetInfo(assetId);
    const v = await verification();
    expect(v).to.include({ verified: true, count: "5", head: info.recordHead.toLowerCase() });
  });

  it("when a range is replayed, then nothing changes", async () => {
    // The gateway's own polling pass must not run between the rewind below and the replay.
    await mirror().indexer.stop();
    try {
      const before = {
        records: await repo(MirrorRecord).count(),
        events: await countEvents("record.posted"),
        balances: await repo(MirrorBalance).find({ order: { holder: "ASC" } }),
      };
      const cursor = (await readCursor(env.gateway.dataSource.manager))!;
      await writeCursor(env.gateway.dataSource.manager, env.deployment.deployBlock - 1, "0x", cursor.announcedBlock); // rewind without deleting
      const r = await mirror().indexer.sync();
      expect(r.fromBlock).to.equal(env.deployment.deployBlock);
      expect(await repo(MirrorRecord).count()).to.equal(before.records);
      expect(await countEvents("record.posted")).to.equal(before.events);
      expect(await repo(MirrorBalance).find({ order: { holder: "ASC" } })).to.deep.equal(before.balances);
      expect(await verification()).to.include({ verified: true });
    } finally {
      mirror().indexer.start();
    }
  });

  it("when the gateway restarts, then the indexer resumes from its cursor and mirrors what happened meanwhile", async () => {
    const cursorBefore = (await readCursor(env.gateway.dataSource.manager))!;
    const eventsBefore = await countEvents("record.posted");
    await env.stopGateway();
    await directRedeem(alice, 5n); // while the gateway is down
    await env.restart();
    const r = await mirror().indexer.sync();
    expect(r.fromBlock).to.be.greaterThan(cursorBefore.blockNumber); // resumed, not started over
    const items = await allRecords(`assetId=${assetId}`, 100);
    expect(items.map((x) => x.sequence)).to.deep.equal(["1", "2", "3", "4", "5", "6"]);
    expect(await countEvents("record.posted")).to.equal(eventsBefore + 1);
    expect(await verification()).to.include({ verified: true, count: "6" });
  });

  it("when records are queried by participant and time, then pages follow the chain order with an opaque cursor", async () => {
    const all = await allRecords(`assetId=${assetId}`, 100);
    const ofBob = await allRecords(`participant=${bob.address}`, 1);
    expect(ofBob.map((r) => r.sequence)).to.deep.equal(["3", "4", "5"]);
    const ofAlice = await allRecords(`participant=${alice.address.toLowerCase()}&assetId=${assetId}`, 2);
    expect(ofAlice.map((r) => r.sequence)).to.deep.equal(["2", "3", "6"]);
    const from = all[2].postedAt;
    const to = all[4].postedAt;
    const window = await allRecords(`assetId=${assetId}&from=${Date.parse(from) / 1000}&to=${to}`, 1);
    expect(window.map((r) => r.sequence)).to.deep.equal(["3", "4"]);
    const bad = await env.http.get("/v1/records?cursor=bm9wZQ").set(reader());
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal("CURSOR_INVALID");
    const verifier = await env.http.get("/v1/records").set(bearer(env.keys.verifier));
    expect(verifier.status).to.equal(403);
  });

  it("when records are exported as CSV or JSON, then the stream holds exactly the selected records", async () => {
    const all = await allRecords(`assetId=${assetId}`, 100);
    const csv = await env.http
      .get(`/v1/records/export?format=csv&assetId=${assetId}`)
      .set(reader())
      .buffer(true)
      .parse((res, cb) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => cb(null, data));
      });
    expect(csv.status).to.equal(200);
    expect(csv.headers["content-type"]).to.match(/text\/csv/);
    const text = csv.body as string;
    const lines = text.trimEnd().split("\n");
    expect(lines[0] + "\n").to.equal(CSV_HEADER);
    expect(lines).to.have.length(all.length + 1);
    const cols = lines[0].split(",");
    lines.slice(1).forEach((line, i) => {
      const row = Object.fromEntries(line.split(",").map((v, j) => [cols[j], v]));
      expect(row).to.include({
        asset_id: assetId,
        sequence: all[i].sequence,
        from: all[i].from,
        to: all[i].to,
        amount: all[i].amount,
        tx_hash: all[i].proof.txHash,
        record_hash: all[i].proof.recordHash,
        posted_at: all[i].postedAt,
        rights_arisen_at: all[i].rightsArisenAt,
        block_number: String(all[i].proof.blockNumber),
      });
    });
    const json = await env.http.get(`/v1/records/export?format=json&participant=${bob.address}`).set(reader());
    expect(json.status).to.equal(200);
    expect(json.body).to.deep.equal(all.filter((r) => r.from === bob.address || r.to === bob.address));
    const empty = await env.http.get(`/v1/records/export?format=json&assetId=999999`).set(reader());
    expect(empty.body).to.deep.equal([]);
    expect((await env.http.get(`/v1/records/export?format=csv`)).status).to.equal(401);
    expect((await env.http.get(`/v1/records/export?format=csv`).set(bearer(env.keys.verifier))).status).to.equal(403);
    expect((await env.http.get(`/v1/records/export?format=xml`).set(reader())).status).to.equal(400);
  });

  it("when rows are edited or deleted behind the gateway's back, then verification names the first divergence and re-sync repairs it", async () => {
    const records = repo(MirrorRecord);
    const eventsBefore = await countEvents("record.posted");
    await records.update({ assetId, sequence: 4 }, { amount: "999999" });
    expect(await verification()).to.include({ verified: false, firstDivergentSequence: "4", reason: "record altered" });
    await records.delete({ assetId, sequence: 2 });
    expect(await verification()).to.include({ verified: false, firstDivergentSequence: "2", reason: "record missing" });
    expect((await env.http.post("/v1/mirror/resync").set(bearer(env.keys.monitor)).send({})).status).to.equal(403);
    const res = await env.http.post("/v1/mirror/resync").set(bearer(env.keys.operator)).send({});
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.deleted).to.be.at.least(5);
    expect(await verification()).to.include({ verified: true, count: "6" });
    expect((await repo(MirrorBalance).findOneBy({ assetId, holder: bob.address.toLowerCase() }))!.balance).to.equal(
      "220",
    );
    expect(await countEvents("record.posted")).to.equal(eventsBefore); // a repair announces nothing twice

    // The tail deleted, and a hash edited: the sync task's repair mode finds and fixes both.
    await records.delete({ assetId, sequence: 6 });
    expect(await verification()).to.include({
      verified: false,
      firstDivergentSequence: "6",
      reason: "records missing at the end",
    });
    await records.update({ assetId, sequence: 3 }, { recordHash: "0x" + "ab".repeat(24) });
    expect(await verification()).to.include({ verified: false, firstDivergentSequence: "3" });
    await env.stopGateway(); // the task works on the database alone
    const run = await runSync(env, ["--repair"], gatewayDatabase(env));
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.match(/diverges at sequence 3/);
    expect(run.output).to.match(new RegExp(`asset ${assetId}: verified \\(6 records`));
    await env.restart();
    expect(await verification()).to.include({ verified: true, count: "6" });
  });

  it("when the sync task runs on an empty database, then it shows its progress and mirrors up to the head", async () => {
    await withScratchDatabase("mirror-sync", async (database) => {
      const run = await runSync(env, ["--chunk", "5"], database);
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.match(/mirror \|.*\| 100% \| block \d+\/\d+ \| \d+ records/);
      expect(run.output).to.match(/mirrored \d+ records/);
      expect(run.output).to.match(new RegExp(`asset ${assetId}: verified \\(6 records`));
      const again = await runSync(env, ["--json", "--no-verify"], database);
      expect(again.code, again.output).to.equal(0);
      const summary = JSON.parse(again.output.trim().split("\n").pop()!) as { records: number };
      expect(summary.records).to.equal(0); // resumed at its cursor: nothing new
    });
  });

  it("when the chain reorganises inside the confirmation window, then orphaned rows are removed and the new branch is mirrored", async () => {
    await mirror().indexer.sync();
    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    const orphanTx = await directRedeem(bob, 7n);
    await mirror().indexer.sync(); // confirmations 1: the head block is mirrored
    expect(await repo(MirrorRecord).countBy({ txHash: orphanTx })).to.equal(1);
    expect((await repo(MirrorBalance).findOneBy({ assetId, holder: bob.address.toLowerCase() }))!.balance).to.equal(
      "213",
    );

    await provider.send("evm_revert", [snapshot]);
    const replacementTx = await directRedeem(alice, 3n, "0x" + "01".repeat(32)); // another block at the same height
    await provider.send("evm_mine", []);
    await mirror().indexer.sync(); // (the gateway's own polling may have noticed the reorganisation first)
    expect(await repo(MirrorRecord).countBy({ txHash: orphanTx })).to.equal(0);
    const replaced = await repo(MirrorRecord).findOneByOrFail({ txHash: replacementTx });
    expect(replaced.sequence).to.equal(7);
    expect((await repo(MirrorBalance).findOneBy({ assetId, holder: bob.address.toLowerCase() }))!.balance).to.equal(
      "220",
    );
    expect((await repo(MirrorBalance).findOneBy({ assetId, holder: alice.address.toLowerCase() }))!.balance).to.equal(
      (await env.gateway.internals.chain.ledger.balanceOf(alice.address, assetId)).toString(),
    );
    expect(await verification()).to.include({ verified: true, count: "7" });
    expect(await countEvents("mirror.reorganised")).to.equal(1);
  });
  it("when a permit's suspension and an asset type's delisting are orphaned by a reorganisation, then both registers are rebuilt from the branch that remains", async () => {
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority.connect(provider));
    const operator = env.operator.address.toLowerCase();
    const code = encodeBytes32String(GRAIN);
    await mirror().indexer.sync();
    const permit = await repo(MirrorPermit).findOneByOrFail({ operator });
    const type = await repo(MirrorAssetType).findOneByOrFail({ code });
    expect(permit.status).to.equal("Active");
    expect(type.listed).to.equal(1);

    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    const until = Math.floor(Date.now() / 1000) + 30 * 86_400;
    await (await ledger.suspendPermit(env.operator.address, "audit pending", until)).wait();
    await (await ledger.delistAssetType(code)).wait();
    await mirror().indexer.sync();
    expect(await repo(MirrorPermit).findOneByOrFail({ operator })).to.include({
      status: "Suspended",
      suspendReason: "audit pending",
      suspendedUntil: String(until),
    });
    expect((await repo(MirrorAssetType).findOneByOrFail({ code })).listed).to.equal(0);

    await provider.send("evm_revert", [snapshot]);
    for (let i = 0; i < 3; i++) await provider.send("evm_mine", []); // another, longer branch without them
    await mirror().indexer.sync();
    expect(await repo(MirrorPermit).findOneByOrFail({ operator })).to.deep.equal(permit);
    expect(await repo(MirrorAssetType).findOneByOrFail({ code })).to.deep.equal(type);
  });
});
