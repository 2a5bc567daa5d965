import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id as keccakText } from "ethers";
import { Basis, Check, authorization, deployPlatformFixture } from "../helpers/platform";
import { AssetStatus, recordsIn } from "./support";

const COURT = keccakText("Astana SMEC case 2-1234/2026");

/** Alice holds 1,000 units of asset 1 and is frozen by the authority. */
async function frozenHolderFixture() {
  const base = await deployPlatformFixture();
  const { ledger, authority, owner, alice, assetId } = base;
  await ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1_000n, "0x");
  await ledger.connect(authority).freezeParticipant(alice.address, "AFM order 12");
  return base;
}

describe("Authority actions", function () {
  describe("asset suspension", function () {
    it("when the authority suspends an asset with a reason then AssetSuspended and it cannot circulate; resuming restores it", async function () {
      const { ledger, authority, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).suspendAsset(assetId, "decision under review"))
        .to.emit(ledger, "AssetSuspended")
        .withArgs(assetId, "decision under review");
      expect((await ledger.assetInfo(assetId)).status).to.equal(AssetStatus.Suspended);
      expect(await ledger.checkTransfer(ZeroAddress, owner.address, alice.address, assetId, 1n)).to.equal(
        Check.AssetNotActive,
      );
      await expect(ledger.connect(authority).resumeAsset(assetId, "review closed"))
        .to.emit(ledger, "AssetResumed")
        .withArgs(assetId, "review closed");
      expect((await ledger.assetInfo(assetId)).status).to.equal(AssetStatus.Active);
      await ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1n, "0x");
    });

    it("when the reason is empty then ReasonMissing, for suspension and resumption", async function () {
      const { ledger, authority, assetId } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).suspendAsset(assetId, "")).to.be.revertedWithCustomError(
        ledger,
        "ReasonMissing",
      );
      await ledger.connect(authority).suspendAsset(assetId, "decision under review");
      await expect(ledger.connect(authority).resumeAsset(assetId, "")).to.be.revertedWithCustomError(
        ledger,
        "ReasonMissing",
      );
    });

    it("when already suspended then AssetNotActive; when active then resume is refused with AssetNotSuspended; unknown asset then AssetNotFound", async function () {
      const { ledger, authority, assetId } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).resumeAsset(assetId, "r"))
        .to.be.revertedWithCustomError(ledger, "AssetNotSuspended")
        .withArgs(assetId);
      await ledger.connect(authority).suspendAsset(assetId, "decision under review");
      await expect(ledger.connect(authority).suspendAsset(assetId, "again"))
        .to.be.revertedWithCustomError(ledger, "AssetNotActive")
        .withArgs(assetId, AssetStatus.Suspended);
      await expect(ledger.connect(authority).suspendAsset(99n, "r"))
        .to.be.revertedWithCustomError(ledger, "AssetNotFound")
        .withArgs(99n);
      await expect(ledger.connect(authority).resumeAsset(99n, "r"))
        .to.be.revertedWithCustomError(ledger, "AssetNotFound")
        .withArgs(99n);
    });
  });

  describe("forced transfer", function () {
    it("when the authority orders a forced transfer from a frozen participant on a court decision then units move with ForcedTransfer, ForcedTransferOrdered and a record", async function () {
      const { ledger, authority, alice, bob, assetId } = await loadFixture(frozenHolderFixture);
      const sequence = (await ledger.assetInfo(assetId)).recordCount + 1n;
      const tx = ledger
        .connect(authority)
        .forcedTransfer(alice.address, bob.address, assetId, 600n, Basis.CourtDecision, COURT);
      await expect(tx).to.emit(ledger, "ForcedTransfer").withArgs(alice.address, bob.address, assetId, 600n);
      await expect(tx)
        .to.emit(ledger, "ForcedTransferOrdered")
        .withArgs(assetId, alice.address, bob.address, 600n, Basis.CourtDecision, COURT);
      await expect(tx)
        .to.emit(ledger, "TransferSingle")
        .withArgs(authority.address, alice.address, bob.address, assetId, 600n);
      expect(await recordsIn(ledger, tx)).to.deep.equal([
        {
          assetId,
          sequence,
          from: alice.address,
          to: bob.address,
          amount: 600n,
          ref: COURT,
          postedAt: BigInt(await time.latest()),
        },
      ]);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(400n);
      expect(await ledger.balanceOf(bob.address, assetId)).to.equal(600n);
      expect(await ledger.totalSupply(assetId)).to.equal(1_000_000n);
    });

    for (const basis of ["Inheritance", "LostKey"] as const) {
      it(`when the legal basis is ${basis} then the forced transfer is accepted`, async function () {
        const { ledger, authority, alice, bob, assetId } = await loadFixture(frozenHolderFixture);
        await expect(
          ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 1n, Basis[basis], COURT),
        )
          .to.emit(ledger, "ForcedTransferOrdered")
          .withArgs(assetId, alice.address, bob.address, 1n, Basis[basis], COURT);
      });
    }

    it("when the holder was deregistered then its units can still be recovered by a forced transfer", async function () {
      const { ledger, authority, operator, alice, bob, assetId } = await loadFixture(frozenHolderFixture);
      await ledger.connect(operator).deregisterParticipant(alice.address);
      await ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 1_000n, Basis.LostKey, COURT);
      expect(await ledger.balanceOf(bob.address, assetId)).to.equal(1_000n);
    });

    it("when the recipient is not registered then ParticipantNotRegistered, even for the authority", async function () {
      const { ledger, authority, alice, carol, assetId } = await loadFixture(frozenHolderFixture);
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, carol.address, assetId, 1n, Basis.CourtDecision, COURT),
      )
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(carol.address);
    });

    it("when the recipient is frozen or has not acknowledged the disclosure then the forced transfer is refused", async function () {
      const { ledger, authority, operator, alice, bob, owner, assetId } = await loadFixture(frozenHolderFixture);
      await expect(
        ledger.connect(authority).forcedTransfer(owner.address, alice.address, assetId, 1n, Basis.CourtDecision, COURT),
      )
        .to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen")
        .withArgs(alice.address);
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 1n, Basis.CourtDecision, COURT),
      )
        .to.be.revertedWithCustomError(ledger, "DisclosureNotAcknowledged")
        .withArgs(bob.address, 1n, 2n);
    });

    it("when the recipient is the zero address then ERC1155InvalidReceiver", async function () {
      const { ledger, authority, alice, assetId } = await loadFixture(frozenHolderFixture);
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, ZeroAddress, assetId, 1n, Basis.CourtDecision, COURT),
      )
        .to.be.revertedWithCustomError(ledger, "ERC1155InvalidReceiver")
        .withArgs(ZeroAddress);
    });

    it("when the sender is the zero address then ERC1155InvalidSender: a forced transfer never creates units", async function () {
      const { ledger, authority, bob, assetId } = await loadFixture(frozenHolderFixture);
      await expect(
        ledger.connect(authority).forcedTransfer(ZeroAddress, bob.address, assetId, 1n, Basis.CourtDecision, COURT),
      )
        .to.be.revertedWithCustomError(ledger, "ERC1155InvalidSender")
        .withArgs(ZeroAddress);
      expect(await ledger.totalSupply(assetId)).to.equal(1_000_000n);
    });

    it("when the recipient is the sender then ERC1155InvalidReceiver and its frozen units stay", async function () {
      const { ledger, authority, alice, assetId } = await loadFixture(frozenHolderFixture);
      const frozenBefore = await ledger.getFrozenTokens(alice.address, assetId);
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, alice.address, assetId, 1n, Basis.CourtDecision, COURT),
      )
        .to.be.revertedWithCustomError(ledger, "ERC1155InvalidReceiver")
        .withArgs(alice.address);
      expect(await ledger.getFrozenTokens(alice.address, assetId)).to.equal(frozenBefore);
    });

    it("when the basis is None or the reference is zero then ForcedTransferBasisMissing", async function () {
      const { ledger, authority, alice, bob, assetId } = await loadFixture(frozenHolderFixture);
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 1n, Basis.None, COURT),
      ).to.be.revertedWithCustomError(ledger, "ForcedTransferBasisMissing");
      await expect(
        ledger
          .connect(authority)
          .forcedTransfer(alice.address, bob.address, assetId, 1n, Basis.CourtDecision, ZeroHash),
      ).to.be.revertedWithCustomError(ledger, "ForcedTransferBasisMissing");
    });

    it("when the amount exceeds the balance then InsufficientBalance", async function () {
      const { ledger, authority, alice, bob, assetId } = await loadFixture(frozenHolderFixture);
      await expect(
        ledger
          .connect(authority)
          .forcedTransfer(alice.address, bob.address, assetId, 1_001n, Basis.CourtDecision, COURT),
      )
        .to.be.revertedWithCustomError(ledger, "InsufficientBalance")
        .withArgs(alice.address, assetId, 1_000n, 1_001n);
    });

    it("when frozen units exceed the remaining balance then the forced transfer reduces them to it (Frozen event)", async function () {
      const { ledger, authority, alice, bob, assetId } = await loadFixture(frozenHolderFixture);
      await ledger.connect(authority).setFrozenTokens(alice.address, assetId, 800n);
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 500n, Basis.CourtDecision, COURT),
      )
        .to.emit(ledger, "Frozen")
        .withArgs(alice.address, assetId, 500n);
      expect(await ledger.getFrozenTokens(alice.address, assetId)).to.equal(500n);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(500n);
    });

    it("when frozen units stay within the remaining balance then they are left unchanged", async function () {
      const { ledger, authority, alice, bob, assetId } = await loadFixture(frozenHolderFixture);
      await ledger.connect(authority).setFrozenTokens(alice.address, assetId, 300n);
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 500n, Basis.CourtDecision, COURT),
      ).to.not.emit(ledger, "Frozen");
      expect(await ledger.getFrozenTokens(alice.address, assetId)).to.equal(300n);
    });

    it("when the platform is paused or the asset suspended then forced transfers are refused too", async function () {
      const { ledger, authority, alice, bob, assetId } = await loadFixture(frozenHolderFixture);
      await ledger.connect(authority).suspendAsset(assetId, "review");
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 1n, Basis.CourtDecision, COURT),
      )
        .to.be.revertedWithCustomError(ledger, "AssetNotActive")
        .withArgs(assetId, AssetStatus.Suspended);
      await ledger.connect(authority).resumeAsset(assetId, "review closed");
      await ledger.connect(authority).pause();
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 1n, Basis.CourtDecision, COURT),
      ).to.be.revertedWithCustomError(ledger, "EnforcedPause");
    });
  });

  describe("emergency pause", function () {
    it("when the authority pauses then Paused, every balance change halts, and unpause restores them", async function () {
      const { ledger, authority, operator, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).pause()).to.emit(ledger, "Paused").withArgs(authority.address);
      expect(await ledger.paused()).to.equal(true);
      expect(await ledger.canTransfer(owner.address, alice.address, assetId, 1n)).to.equal(false);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 1n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature)).to.be.revertedWithCustomError(
        ledger,
        "EnforcedPause",
      );
      await expect(
        ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1n, "0x"),
      ).to.be.revertedWithCustomError(ledger, "EnforcedPause");
      await expect(ledger.connect(owner).redeem(assetId, 1n, ZeroHash)).to.be.revertedWithCustomError(
        ledger,
        "EnforcedPause",
      );
      await expect(ledger.connect(authority).unpause()).to.emit(ledger, "Unpaused").withArgs(authority.address);
      expect(await ledger.paused()).to.equal(false);
      await ledger.connect(operator).transferWithAuthorization(auth, signature);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1n);
    });

    it("when already paused then EnforcedPause; when not paused then unpause is refused with ExpectedPause", async function () {
      const { ledger, authority } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).unpause()).to.be.revertedWithCustomError(ledger, "ExpectedPause");
      await ledger.connect(authority).pause();
      await expect(ledger.connect(authority).pause()).to.be.revertedWithCustomError(ledger, "EnforcedPause");
    });

    it("while paused, registers still work: participants can be frozen and disclosures published", async function () {
      const { ledger, authority, operator, alice } = await loadFixture(deployPlatformFixture);
      await ledger.connect(authority).pause();
      await ledger.connect(operator).freezeParticipant(alice.address, "AFM order 12");
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      expect((await ledger.participant(alice.address)).frozen).to.equal(true);
    });
  });
});
