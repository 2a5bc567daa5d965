import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, id as keccakText } from "ethers";
import type { SecuredAssetLedger } from "../../typechain-types";
import { verifyRecordChain } from "../../server/chain/records";
import {
  Basis,
  Category,
  GRAIN,
  PERMIT,
  REAL_ESTATE,
  authorization,
  buildIssuance,
  deployLedger,
  deployPlatformFixture,
  submitIssuance,
} from "../helpers/platform";
import { recordsOf } from "./support";
import { planMigration, runMigration } from "../../scripts/lib/ledger-migration";

/**
 * The upgrade story (docs/design.md "Upgrades"): the ledger is immutable; a successor is a new deployment the authority
 * seeds from the paused predecessor. Every value is read from the predecessor, and each asset's record chain continues
 * from the predecessor's head.
 */

/** A predecessor with history: two assets, transfers, a redemption, an authority freeze, an operator freeze. */
async function predecessorFixture() {
  const base = await deployPlatformFixture();
  const { ledger, authority, operator, verifier, owner, alice, bob } = base;
  const relay = async (from: typeof alice, to: string, id: bigint, amount: bigint) => {
    const { auth, signature } = await authorization(ledger, from, to, id, amount, {
      ref: keccakText(`invoice ${amount}`),
    });
    await ledger.connect(operator).transferWithAuthorization(auth, signature);
  };
  await relay(owner, alice.address, 1n, 10_000n);
  await relay(alice, bob.address, 1n, 2_500n);
  await ledger.connect(owner).redeem(1n, 1_000n, keccakText("redemption 1"));
  await ledger.connect(authority).setFrozenTokens(alice.address, 1n, 3_000n);
  await ledger.connect(operator).setFrozenTokens(bob.address, 1n, 100n);
  await ledger
    .connect(authority)
    .forcedTransfer(bob.address, alice.address, 1n, 500n, Basis.Inheritance, keccakText("estate 7"));
  await submitIssuance(
    ledger,
    operator,
    await buildIssuance(ledger, owner, verifier, { nonce: 2n, assetType: REAL_ESTATE, units: 40n }),
  );
  await relay(owner, alice.address, 2n, 15n);
  await ledger.connect(authority).freezeParticipant(bob.address, "order 21");
  await ledger.connect(authority).pause();

  const successor = await deployLedger(authority.address, operator.address, verifier.address);
  await successor.connect(authority).grantPermit(operator.address, PERMIT);
  await successor.connect(authority).listAssetType(GRAIN, "Grain in a certified elevator", Category.TangibleAsset);
  await successor.connect(authority).listAssetType(REAL_ESTATE, "Real estate", Category.TangibleAsset);
  const d = await ledger.disclosure(1n);
  await successor.connect(authority).publishDisclosure(d.documentHash, d.uri);
  return { ...base, predecessor: ledger, successor };
}

/** Every account that appears in the records of `assetId`. */
async function holdersOf(ledger: SecuredAssetLedger, assetId: bigint): Promise<string[]> {
  const accounts = new Set<string>();
  for (const r of await recordsOf(ledger, assetId))
    for (const a of [r.from, r.to]) if (a !== ZeroAddress) accounts.add(a);
  return [...accounts];
}

describe('Migration to a successor ledger (docs/design.md "Upgrades")', function () {
  it("when the authority migrates participants and assets then the successor holds the same state and the record chain continues across both ledgers", async function () {
    const {
      predecessor: old,
      successor,
      authority,
      operator,
      owner,
      alice,
      bob,
    } = await loadFixture(predecessorFixture);
    const from = await old.getAddress();
    const participants = [owner.address, alice.address, bob.address];
    await expect(successor.connect(authority).migrateParticipants(from, participants))
      .to.emit(successor, "ParticipantMigrated")
      .withArgs(bob.address, from);
    for (const id of [1n, 2n]) {
      const info = await old.assetInfo(id);
      await expect(successor.connect(authority).migrateAsset(from, id, await holdersOf(old, id)))
        .to.emit(successor, "AssetMigrated")
        .withArgs(id, from, info.recordHead, info.recordCount, info.supply);
    }
    await successor.connect(authority).closeMigration();
    expect(await successor.migrationState()).to.deep.equal([from, false]);

    // The same state, read through the same views.
    expect(await successor.assetCount()).to.equal(2n);
    for (const id of [1n, 2n]) expect(await successor.assetInfo(id)).to.deep.equal(await old.assetInfo(id));
    for (const a of participants) {
      expect(await successor.participant(a)).to.deep.equal(await old.participant(a));
      expect(await successor.identityHashOf(a)).to.equal(await old.identityHashOf(a));
      for (const id of [1n, 2n]) {
        expect(await successor.balanceOf(a, id)).to.equal(await old.balanceOf(a, id));
        expect(await successor.getFrozenTokens(a, id)).to.equal(await old.getFrozenTokens(a, id));
        expect(await successor.isFrozenByAuthority(a, id)).to.equal(await old.isFrozenByAuthority(a, id));
      }
    }
    // The authority's measures came along: bob stays frozen, alice's frozen units stay the authority's.
    expect((await successor.participant(bob.address)).frozenByAuthority).to.equal(true);
    await expect(successor.connect(operator).setFrozenTokens(alice.address, 1n, 0n)).to.be.revertedWithCustomError(
      successor,
      "FrozenUnitsOrderedByAuthority",
    );

    // The next record on the successor chains to the predecessor's last.
    const { auth, signature } = await authorization(successor, owner, alice.address, 1n, 7n);
    await successor.connect(operator).transferWithAuthorization(auth, signature);
    const records = [...(await recordsOf(old, 1n)), ...(await recordsOf(successor, 1n))];
    const info = await successor.assetInfo(1n);
    expect(records[records.length - 1].sequence).to.equal((await old.assetInfo(1n)).recordCount + 1n);
    expect(verifyRecordChain(records, info.recordCount, info.recordHead)).to.deep.equal({
      verified: true,
      count: info.recordCount,
      head: info.recordHead.toLowerCase(),
    });
    // Nonces start again: a signature made for the predecessor names the old contract and does not verify here.
    expect(await successor.nonceOf(owner.address, 1n)).to.equal(1n);
    const forOld = await authorization(old, alice, owner.address, 1n, 1n, { nonce: 0n });
    await expect(successor.connect(operator).transferWithAuthorization(forOld.auth, forOld.signature))
      .to.be.revertedWithCustomError(successor, "TransferSignatureInvalid")
      .withArgs(alice.address);
  });

  it("the migration script plans from the predecessor's events (records and freezes) and seeds the successor", async function () {
    const { predecessor: old, successor, authority, alice, bob, owner } = await loadFixture(predecessorFixture);
    // A freeze on an account that holds nothing of asset 2 must come along too.
    await old.connect(authority).unpause();
    await old.connect(authority).setFrozenTokens(bob.address, 2n, 5n);
    await old.connect(authority).pause();
    const plan = await planMigration(old);
    expect(plan.participants).to.have.members([owner.address, alice.address, bob.address]);
    expect(plan.assets.map((a) => a.assetId)).to.deep.equal([1n, 2n]);
    expect(plan.assets[1].accounts).to.include(bob.address);
    const lines: string[] = [];
    // An earlier run stopped after the first participant: the rerun copies the rest.
    await successor.connect(authority).migrateParticipants(await old.getAddress(), [plan.participants[0]]);
    plan.participants.push(plan.participants[0]);
    plan.participants.shift();
    await runMigration(successor.connect(authority), await old.getAddress(), plan, {
      chunk: 1,
      log: (l) => lines.push(l),
    });
    expect(lines).to.deep.equal([
      "participants 1-1 of 2",
      "participants 2-2 of 2",
      `asset 1: ${plan.assets[0].accounts.length} account(s)`,
      `asset 2: ${plan.assets[1].accounts.length} account(s)`,
      "migration window closed",
    ]);
    expect(await successor.getFrozenTokens(bob.address, 2n)).to.equal(5n);
    expect(await successor.isFrozenByAuthority(bob.address, 2n)).to.equal(true);
    for (const id of [1n, 2n]) expect(await successor.assetInfo(id)).to.deep.equal(await old.assetInfo(id));
  });

  it("when the predecessor still runs, a holder is left out, the order is wrong or another predecessor is named then nothing is copied", async function () {
    const { predecessor: old, successor, authority, alice } = await loadFixture(predecessorFixture);
    const from = await old.getAddress();
    const holders = await holdersOf(old, 1n);
    const supply = (await old.assetInfo(1n)).supply;
    await expect(
      successor.connect(authority).migrateAsset(
        from,
        1n,
        holders.filter((h) => h !== alice.address),
      ),
    )
      .to.be.revertedWithCustomError(successor, "MigrationHoldersIncomplete")
      .withArgs(1n, supply - (await old.balanceOf(alice.address, 1n)), supply);
    await expect(successor.connect(authority).migrateAsset(from, 2n, await holdersOf(old, 2n)))
      .to.be.revertedWithCustomError(successor, "MigrationAssetOutOfOrder")
      .withArgs(2n, 1n);
    await expect(
      successor.connect(authority).migrateAsset(from, 1n, [...holders, holders[0]]),
    ).to.be.revertedWithCustomError(successor, "MigrationHolderRepeated");
    await old.connect(authority).unpause();
    await expect(successor.connect(authority).migrateAsset(from, 1n, holders))
      .to.be.revertedWithCustomError(successor, "MigrationPredecessorNotPaused")
      .withArgs(from);
    await old.connect(authority).pause();
    await successor.connect(authority).migrateAsset(from, 1n, holders);
    const other = await deployLedger(authority.address, ZeroAddress, ZeroAddress);
    await expect(successor.connect(authority).migrateAsset(await other.getAddress(), 2n, []))
      .to.be.revertedWithCustomError(successor, "MigrationPredecessorMismatch")
      .withArgs(from, await other.getAddress());
    expect(await successor.assetCount()).to.equal(1n);
  });

  it("when the successor's disclosure is not the predecessor's then participants are not copied (acknowledgements would not carry over)", async function () {
    const { predecessor: old, successor, authority, owner } = await loadFixture(predecessorFixture);
    await successor.connect(authority).publishDisclosure(keccakText("another text"), "https://platform.kz/risks/other");
    await expect(successor.connect(authority).migrateParticipants(await old.getAddress(), [owner.address]))
      .to.be.revertedWithCustomError(successor, "MigrationDisclosureMismatch")
      .withArgs(2n, 1n);
  });

  it("only the authority migrates, and the window closes for good: by closeMigration or by the first issuance on the successor", async function () {
    const { predecessor: old, successor, authority, operator, verifier, owner } = await loadFixture(predecessorFixture);
    const from = await old.getAddress();
    await expect(successor.connect(operator).migrateAsset(from, 1n, []))
      .to.be.revertedWithCustomError(successor, "AccessControlUnauthorizedAccount")
      .withArgs(operator.address, keccakText("AUTHORITY_ROLE"));
    await successor.connect(authority).migrateParticipants(from, [owner.address]);
    await submitIssuance(successor, operator, await buildIssuance(successor, owner, verifier, { nonce: 1n }));
    expect((await successor.migrationState())[1]).to.equal(false);
    await expect(
      successor.connect(authority).migrateAsset(from, 2n, await holdersOf(old, 2n)),
    ).to.be.revertedWithCustomError(successor, "MigrationWindowClosed");
    await expect(successor.connect(authority).closeMigration()).to.be.revertedWithCustomError(
      successor,
      "MigrationWindowClosed",
    );

    const fresh = (await loadFixture(predecessorFixture)).successor;
    await expect(fresh.connect(authority).closeMigration()).to.emit(fresh, "MigrationClosed").withArgs(ZeroAddress, 0n);
    await expect(fresh.connect(authority).migrateParticipants(from, [owner.address])).to.be.revertedWithCustomError(
      fresh,
      "MigrationWindowClosed",
    );
  });
});
