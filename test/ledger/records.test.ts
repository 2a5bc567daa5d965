import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, id as keccakText } from "ethers";
import {
  Basis,
  REAL_ESTATE,
  authorization,
  buildIssuance,
  deployPlatformFixture,
  submitIssuance,
} from "../helpers/platform";
import { chainHashes, verifyRecordChain } from "../../server/chain/records";
import { ZERO_HEAD, ledgerRecordHash, recomputeChain, recordsIn, recordsOf } from "./support";

/** Issue, relayed transfer, direct transfer, batch, redemption and forced transfer on asset 1. */
async function busyLedgerFixture() {
  const base = await deployPlatformFixture();
  const { ledger, authority, operator, owner, alice, bob, assetId } = base;
  const first = await authorization(ledger, owner, alice.address, assetId, 1_000n, { ref: keccakText("sale 1") });
  await ledger.connect(operator).transferWithAuthorization(first.auth, first.signature);
  await ledger.connect(alice).safeTransferFrom(alice.address, bob.address, assetId, 100n, "0x");
  const a = await authorization(ledger, owner, bob.address, assetId, 10n);
  const b = await authorization(ledger, alice, bob.address, assetId, 20n);
  await ledger.connect(operator).transferBatchWithAuthorization([a.auth, b.auth], [a.signature, b.signature]);
  await ledger.connect(bob).redeem(assetId, 30n, keccakText("redemption 1"));
  await ledger
    .connect(authority)
    .forcedTransfer(bob.address, alice.address, assetId, 5n, Basis.CourtDecision, keccakText("court 1"));
  return base;
}

describe("Transfer records (Art. 5.1.7, 6.6)", function () {
  it("when an asset is issued then its first record has sequence 1, comes from the zero address and chains from a zero hash", async function () {
    const { ledger, owner, issuance, assetId } = await loadFixture(deployPlatformFixture);
    const [record] = await recordsOf(ledger, assetId);
    expect(record).to.deep.include({
      sequence: 1n,
      from: ZeroAddress,
      to: owner.address,
      amount: 1_000_000n,
      ref: issuance.decision.documentHash,
    });
    const info = await ledger.assetInfo(assetId);
    expect(info.recordCount).to.equal(1n);
    expect(info.recordHead).to.equal(ledgerRecordHash(ZERO_HEAD, record));
  });

  it("when balances change in every way then each change appends exactly one record and the sequence increments", async function () {
    const { ledger, assetId } = await loadFixture(busyLedgerFixture);
    const records = await recordsOf(ledger, assetId);
    expect(records.map((r) => r.sequence)).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(records.map((r) => [r.from, r.to, r.amount])).to.deep.equal([
      [ZeroAddress, records[0].to, 1_000_000n],
      [records[0].to, records[1].to, 1_000n],
      [records[1].to, records[2].to, 100n],
      [records[0].to, records[2].to, 10n],
      [records[1].to, records[2].to, 20n],
      [records[2].to, ZeroAddress, 30n],
      [records[2].to, records[1].to, 5n],
    ]);
  });

  it("when the chain is recomputed from the RecordPosted events then it equals assetInfo's recordCount and recordHead", async function () {
    const { ledger, assetId } = await loadFixture(busyLedgerFixture);
    const chain = recomputeChain(await recordsOf(ledger, assetId));
    const info = await ledger.assetInfo(assetId);
    expect(chain.count).to.equal(info.recordCount);
    expect(chain.head).to.equal(info.recordHead.toLowerCase());
  });

  it("when the off-chain verifier (verifyRecordChain) recomputes the chain from the events then it is verified against recordCount and recordHead", async function () {
    const { ledger, assetId } = await loadFixture(busyLedgerFixture);
    const records = await recordsOf(ledger, assetId);
    const info = await ledger.assetInfo(assetId);
    expect(verifyRecordChain(records, info.recordCount, info.recordHead)).to.deep.equal({
      verified: true,
      count: info.recordCount,
      head: info.recordHead.toLowerCase(),
    });
    expect(chainHashes(records)).to.deep.equal(recomputeChain(records).hashes);
  });

  it("when a mirror's copy is altered, has a gap or misses the last records then verifyRecordChain says where", async function () {
    const { ledger, assetId } = await loadFixture(busyLedgerFixture);
    const records = await recordsOf(ledger, assetId);
    const info = await ledger.assetInfo(assetId);
    const stored = records.map((r, i) => ({ ...r, recordHash: chainHashes(records)[i] }));
    const altered = stored.map((r) => (r.sequence === 4n ? { ...r, amount: r.amount + 1n } : r));
    expect(verifyRecordChain(altered, info.recordCount, info.recordHead)).to.deep.include({
      verified: false,
      firstDivergentSequence: 4n,
      reason: "record altered",
    });
    const gap = records.filter((r) => r.sequence !== 3n);
    expect(verifyRecordChain(gap, info.recordCount, info.recordHead)).to.deep.include({
      verified: false,
      firstDivergentSequence: 3n,
      reason: "record missing",
    });
    const short = records.slice(0, -2);
    expect(verifyRecordChain(short, info.recordCount, info.recordHead)).to.deep.include({
      verified: false,
      firstDivergentSequence: 6n,
    });
    const unhashedAlteration = records.map((r) => (r.sequence === 7n ? { ...r, ref: ZERO_HEAD.padEnd(66, "0") } : r));
    expect(verifyRecordChain(unhashedAlteration, info.recordCount, info.recordHead)).to.deep.include({
      verified: false,
      reason: "head differs",
    });
  });

  it("when the records are recomputed then the sum of movements equals the balances and the supply", async function () {
    const { ledger, owner, alice, bob, assetId } = await loadFixture(busyLedgerFixture);
    const balances = new Map<string, bigint>();
    for (const r of await recordsOf(ledger, assetId)) {
      if (r.from !== ZeroAddress) balances.set(r.from, (balances.get(r.from) ?? 0n) - r.amount);
      if (r.to !== ZeroAddress) balances.set(r.to, (balances.get(r.to) ?? 0n) + r.amount);
    }
    let supply = 0n;
    for (const holder of [owner, alice, bob]) {
      expect(await ledger.balanceOf(holder.address, assetId)).to.equal(balances.get(holder.address) ?? 0n);
      supply += balances.get(holder.address) ?? 0n;
    }
    expect(await ledger.totalSupply(assetId)).to.equal(supply);
  });

  it("when a record is altered, dropped or reordered in an off-chain copy then the recomputed chain no longer matches", async function () {
    const { ledger, assetId } = await loadFixture(busyLedgerFixture);
    const records = await recordsOf(ledger, assetId);
    const info = await ledger.assetInfo(assetId);
    const altered = records.map((r, i) => (i === 3 ? { ...r, amount: r.amount + 1n } : r));
    expect(recomputeChain(altered).head).to.not.equal(info.recordHead.toLowerCase());
    const truncated = records.slice(0, -1);
    expect(recomputeChain(truncated).count).to.not.equal(info.recordCount);
    expect(() => recomputeChain([records[0], records[2], records[1]])).to.throw("record 2 missing");
  });

  it("each asset has its own chain and sequence", async function () {
    const { ledger, operator, owner, alice, verifier, assetId } = await loadFixture(busyLedgerFixture);
    await submitIssuance(
      ledger,
      operator,
      await buildIssuance(ledger, owner, verifier, { nonce: 2n, assetType: REAL_ESTATE, units: 10n }),
    );
    await ledger.connect(owner).safeTransferFrom(owner.address, alice.address, 2n, 4n, "0x");
    const second = await recordsOf(ledger, 2n);
    expect(second.map((r) => r.sequence)).to.deep.equal([1n, 2n]);
    const info2 = await ledger.assetInfo(2n);
    expect(recomputeChain(second).head).to.equal(info2.recordHead.toLowerCase());
    const info1 = await ledger.assetInfo(assetId);
    expect(recomputeChain(await recordsOf(ledger, assetId)).head).to.equal(info1.recordHead.toLowerCase());
  });

  it("the posting time of each record is the block timestamp, the moment rights arise (Art. 6.6)", async function () {
    const { ledger, operator, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
    const at = BigInt(await time.latest()) + 1_000n;
    await time.setNextBlockTimestamp(at);
    const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 3n);
    const tx = await ledger.connect(operator).transferWithAuthorization(auth, signature);
    const receipt = await tx.wait();
    const block = await tx.getBlock();
    const [record] = await recordsIn(ledger, tx);
    expect(record.postedAt).to.equal(at);
    expect(record.postedAt).to.equal(BigInt(block!.timestamp));
    expect(receipt!.blockNumber).to.equal(block!.number);
  });

  it("a refused transfer appends no record", async function () {
    const { ledger, operator, owner, carol, assetId } = await loadFixture(deployPlatformFixture);
    const before = await ledger.assetInfo(assetId);
    const { auth, signature } = await authorization(ledger, owner, carol.address, assetId, 3n);
    await expect(ledger.connect(operator).transferWithAuthorization(auth, signature)).to.be.revertedWithCustomError(
      ledger,
      "ParticipantNotRegistered",
    );
    const after = await ledger.assetInfo(assetId);
    expect(after.recordCount).to.equal(before.recordCount);
    expect(after.recordHead).to.equal(before.recordHead);
  });
});
