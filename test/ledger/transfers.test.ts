import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id as keccakText } from "ethers";
import type { TransferAuthorization } from "../../server/domain/eip712";
import {
  Check,
  FAR_FUTURE,
  REAL_ESTATE,
  authorization,
  buildIssuance,
  deployPlatformFixture,
  signTransfer,
  submitIssuance,
} from "../helpers/platform";
import { AssetStatus, otherChainDomain, otherContractDomain, recordsIn } from "./support";

const REF = keccakText("sale contract 2026/17");

/** Owner holds 1,000,000 units of asset 1; alice holds 1,000 of them. */
async function holdingsFixture() {
  const base = await deployPlatformFixture();
  await base.ledger
    .connect(base.owner)
    .safeTransferFrom(base.owner.address, base.alice.address, base.assetId, 1_000n, "0x");
  return base;
}

describe("Transfers", function () {
  describe("relayed holder-signed transfer", function () {
    it("when an operator relays a valid authorization then units move, the nonce increments and the record is posted", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const before = {
        owner: await ledger.balanceOf(owner.address, assetId),
        alice: await ledger.balanceOf(alice.address, assetId),
      };
      const sequence = (await ledger.assetInfo(assetId)).recordCount + 1n;
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 250n, { ref: REF });
      const tx = ledger.connect(operator).transferWithAuthorization(auth, signature);
      await expect(tx)
        .to.emit(ledger, "TransferSingle")
        .withArgs(operator.address, owner.address, alice.address, assetId, 250n);
      expect(await recordsIn(ledger, tx)).to.deep.equal([
        {
          assetId,
          sequence,
          from: owner.address,
          to: alice.address,
          amount: 250n,
          ref: REF,
          postedAt: BigInt(await time.latest()),
        },
      ]);
      expect(await ledger.balanceOf(owner.address, assetId)).to.equal(before.owner - 250n);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(before.alice + 250n);
      expect(await ledger.nonceOf(owner.address, assetId)).to.equal(1n);
      expect(await ledger.nonceOf(alice.address, assetId)).to.equal(0n);
      expect(await ledger.totalSupply(assetId)).to.equal(1_000_000n);
    });

    it("when the authorization has expired then TransferAuthorizationExpired", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const deadline = BigInt(await time.latest()) + 60n;
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 1n, { deadline });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "TransferAuthorizationExpired")
        .withArgs(deadline, deadline + 1n);
    });

    it("when the deadline is the current block time then the authorization is still valid", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const deadline = BigInt(await time.latest()) + 60n;
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 1n, { deadline });
      await time.setNextBlockTimestamp(deadline);
      await ledger.connect(operator).transferWithAuthorization(auth, signature);
      expect(await ledger.nonceOf(owner.address, assetId)).to.equal(1n);
    });

    it("when the same authorization is relayed twice then the replay is refused with TransferNonceMismatch", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 5n);
      await ledger.connect(operator).transferWithAuthorization(auth, signature);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "TransferNonceMismatch")
        .withArgs(owner.address, assetId, 1n, 0n);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1_005n);
    });

    it("when the nonce is ahead of the next one then TransferNonceMismatch", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 5n, { nonce: 3n });
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "TransferNonceMismatch")
        .withArgs(owner.address, assetId, 0n, 3n);
    });

    it("when the authorization is signed by another key then TransferSignatureInvalid: the operator cannot move holdings on its own", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const auth: TransferAuthorization = {
        from: owner.address,
        to: operator.address,
        assetId,
        amount: 5n,
        nonce: 0n,
        deadline: FAR_FUTURE,
        ref: ZeroHash,
      };
      const signature = await signTransfer(ledger, operator, auth);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "TransferSignatureInvalid")
        .withArgs(owner.address);
      const byAlice = await signTransfer(ledger, alice, { ...auth, to: alice.address });
      await expect(ledger.connect(operator).transferWithAuthorization({ ...auth, to: alice.address }, byAlice))
        .to.be.revertedWithCustomError(ledger, "TransferSignatureInvalid")
        .withArgs(owner.address);
    });

    it("when a signed field is altered by the relayer then TransferSignatureInvalid", async function () {
      const { ledger, operator, owner, alice, bob, assetId } = await loadFixture(holdingsFixture);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 5n, { ref: REF });
      for (const altered of [
        { ...auth, amount: 6n },
        { ...auth, to: bob.address },
        { ...auth, ref: ZeroHash },
        { ...auth, deadline: FAR_FUTURE + 1n },
      ]) {
        await expect(ledger.connect(operator).transferWithAuthorization(altered, signature))
          .to.be.revertedWithCustomError(ledger, "TransferSignatureInvalid")
          .withArgs(owner.address);
      }
    });

    it("when the authorization was signed for another chain id or another contract then TransferSignatureInvalid", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const auth: TransferAuthorization = {
        from: owner.address,
        to: alice.address,
        assetId,
        amount: 5n,
        nonce: 0n,
        deadline: FAR_FUTURE,
        ref: ZeroHash,
      };
      for (const domain of [await otherChainDomain(ledger), await otherContractDomain()]) {
        const signature = await signTransfer(ledger, owner, auth, domain);
        await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
          .to.be.revertedWithCustomError(ledger, "TransferSignatureInvalid")
          .withArgs(owner.address);
      }
    });

    it("when the relayer is no operator then AccessControlUnauthorizedAccount names the role", async function () {
      const { ledger, owner, alice, outsider, assetId } = await loadFixture(holdingsFixture);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 5n);
      await expect(ledger.connect(outsider).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
      expect(await ledger.nonceOf(owner.address, assetId)).to.equal(0n);
    });

    it("when the sender is not registered then ParticipantNotRegistered", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      await ledger.connect(operator).deregisterParticipant(owner.address);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(owner.address);
    });

    it("when the recipient is not registered then ParticipantNotRegistered", async function () {
      const { ledger, operator, owner, carol, assetId } = await loadFixture(holdingsFixture);
      const { auth, signature } = await authorization(ledger, owner, carol.address, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(carol.address);
    });

    it("when the sender or the recipient is frozen then ParticipantIsFrozen", async function () {
      const { ledger, authority, operator, owner, alice, bob, assetId } = await loadFixture(holdingsFixture);
      await ledger.connect(authority).freezeParticipant(bob.address, "AFM order 12");
      const toBob = await authorization(ledger, owner, bob.address, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(toBob.auth, toBob.signature))
        .to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen")
        .withArgs(bob.address);
      await ledger.connect(authority).freezeParticipant(owner.address, "AFM order 13");
      const toAlice = await authorization(ledger, owner, alice.address, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(toAlice.auth, toAlice.signature))
        .to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen")
        .withArgs(owner.address);
    });

    it("when the sender or the recipient has not acknowledged the current disclosure then DisclosureNotAcknowledged", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      const first = await authorization(ledger, owner, alice.address, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(first.auth, first.signature))
        .to.be.revertedWithCustomError(ledger, "DisclosureNotAcknowledged")
        .withArgs(owner.address, 1n, 2n);
      await ledger.connect(owner).acknowledgeDisclosure(2n);
      await expect(ledger.connect(operator).transferWithAuthorization(first.auth, first.signature))
        .to.be.revertedWithCustomError(ledger, "DisclosureNotAcknowledged")
        .withArgs(alice.address, 1n, 2n);
    });

    it("when the asset is suspended then AssetNotActive; an unknown asset is AssetNotFound", async function () {
      const { ledger, authority, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      await ledger.connect(authority).suspendAsset(assetId, "decision under review");
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "AssetNotActive")
        .withArgs(assetId, AssetStatus.Suspended);
      const unknown = await authorization(ledger, owner, alice.address, 99n, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(unknown.auth, unknown.signature))
        .to.be.revertedWithCustomError(ledger, "AssetNotFound")
        .withArgs(99n);
    });

    it("when the platform is paused then EnforcedPause", async function () {
      const { ledger, authority, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      await ledger.connect(authority).pause();
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature)).to.be.revertedWithCustomError(
        ledger,
        "EnforcedPause",
      );
    });

    it("when the balance is insufficient then InsufficientBalance", async function () {
      const { ledger, operator, alice, bob, assetId } = await loadFixture(holdingsFixture);
      const { auth, signature } = await authorization(ledger, alice, bob.address, assetId, 1_001n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "InsufficientBalance")
        .withArgs(alice.address, assetId, 1_000n, 1_001n);
    });

    it("when the amount is zero then TransferAmountZero", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 0n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature)).to.be.revertedWithCustomError(
        ledger,
        "TransferAmountZero",
      );
    });

    it("when the recipient is the zero address then ERC1155InvalidReceiver", async function () {
      const { ledger, operator, owner, assetId } = await loadFixture(holdingsFixture);
      const { auth, signature } = await authorization(ledger, owner, ZeroAddress, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "ERC1155InvalidReceiver")
        .withArgs(ZeroAddress);
      expect(await ledger.totalSupply(assetId)).to.equal(1_000_000n);
    });
  });

  describe("partial freeze (ERC-7943)", function () {
    it("when units are frozen then only the unfrozen part can move (ERC7943InsufficientUnfrozenBalance)", async function () {
      const { ledger, authority, operator, alice, bob, assetId } = await loadFixture(holdingsFixture);
      await expect(ledger.connect(authority).setFrozenTokens(alice.address, assetId, 900n))
        .to.emit(ledger, "Frozen")
        .withArgs(alice.address, assetId, 900n);
      expect(await ledger.getFrozenTokens(alice.address, assetId)).to.equal(900n);
      const tooMuch = await authorization(ledger, alice, bob.address, assetId, 101n);
      await expect(ledger.connect(operator).transferWithAuthorization(tooMuch.auth, tooMuch.signature))
        .to.be.revertedWithCustomError(ledger, "ERC7943InsufficientUnfrozenBalance")
        .withArgs(alice.address, assetId, 101n, 100n);
      await expect(ledger.connect(alice).safeTransferFrom(alice.address, bob.address, assetId, 101n, "0x"))
        .to.be.revertedWithCustomError(ledger, "ERC7943InsufficientUnfrozenBalance")
        .withArgs(alice.address, assetId, 101n, 100n);
      const fits = await authorization(ledger, alice, bob.address, assetId, 100n);
      await ledger.connect(operator).transferWithAuthorization(fits.auth, fits.signature);
      expect(await ledger.balanceOf(bob.address, assetId)).to.equal(100n);
    });

    it("when more units are frozen than held then nothing can move, and lifting the freeze frees them", async function () {
      const { ledger, operator, alice, bob, assetId } = await loadFixture(holdingsFixture);
      await ledger.connect(operator).setFrozenTokens(alice.address, assetId, 5_000n);
      expect(await ledger.checkTransfer(ZeroAddress, alice.address, bob.address, assetId, 1n)).to.equal(
        Check.InsufficientUnfrozenBalance,
      );
      await expect(ledger.connect(operator).setFrozenTokens(alice.address, assetId, 0n))
        .to.emit(ledger, "Frozen")
        .withArgs(alice.address, assetId, 0n);
      expect(await ledger.checkTransfer(ZeroAddress, alice.address, bob.address, assetId, 1_000n)).to.equal(Check.Ok);
    });

    it("when the frozen amount does not change then no Frozen event", async function () {
      const { ledger, operator, alice, assetId } = await loadFixture(holdingsFixture);
      await ledger.connect(operator).setFrozenTokens(alice.address, assetId, 10n);
      await expect(ledger.connect(operator).setFrozenTokens(alice.address, assetId, 10n)).to.not.emit(ledger, "Frozen");
    });

    it("when neither authority nor operator sets frozen units then AccessControlUnauthorizedAccount names the operator role; an unknown asset is AssetNotFound", async function () {
      const { ledger, operator, alice, outsider, assetId } = await loadFixture(holdingsFixture);
      await expect(ledger.connect(outsider).setFrozenTokens(alice.address, assetId, 10n))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
      await expect(ledger.connect(operator).setFrozenTokens(alice.address, 99n, 10n))
        .to.be.revertedWithCustomError(ledger, "AssetNotFound")
        .withArgs(99n);
    });
  });

  describe("checkTransfer and ERC-7943 views", function () {
    it("checkTransfer returns the reason code of each refusal, in the gateway's order", async function () {
      const { ledger, authority, operator, owner, alice, bob, carol, outsider, assetId } =
        await loadFixture(holdingsFixture);
      const check = (op: string, from: string, to: string, amount: bigint, id = assetId) =>
        ledger.checkTransfer(op, from, to, id, amount);
      expect(await check(operator.address, owner.address, alice.address, 10n)).to.equal(Check.Ok);
      expect(await check(ZeroAddress, owner.address, alice.address, 10n)).to.equal(Check.Ok);
      expect(await check(outsider.address, owner.address, alice.address, 10n)).to.equal(Check.OperatorNotPermitted);
      expect(await check(operator.address, owner.address, alice.address, 0n)).to.equal(Check.ZeroAmount);
      expect(await check(operator.address, owner.address, alice.address, 10n, 99n)).to.equal(Check.AssetNotActive);
      expect(await check(operator.address, carol.address, alice.address, 10n)).to.equal(Check.SenderNotRegistered);
      expect(await check(operator.address, owner.address, carol.address, 10n)).to.equal(Check.RecipientNotRegistered);
      // A transfer to the zero address would be a burn: that is redemption, never a transfer.
      expect(await check(operator.address, owner.address, ZeroAddress, 10n)).to.equal(Check.RecipientNotRegistered);
      expect(await ledger.canTransfer(owner.address, ZeroAddress, assetId, 10n)).to.equal(false);
      expect(await check(operator.address, alice.address, bob.address, 1_001n)).to.equal(Check.InsufficientBalance);
      await ledger.connect(operator).setFrozenTokens(alice.address, assetId, 500n);
      expect(await check(operator.address, alice.address, bob.address, 501n)).to.equal(
        Check.InsufficientUnfrozenBalance,
      );
      await ledger.connect(authority).freezeParticipant(bob.address, "AFM order 12");
      expect(await check(operator.address, owner.address, bob.address, 10n)).to.equal(Check.RecipientFrozen);
      expect(await check(operator.address, bob.address, owner.address, 10n)).to.equal(Check.SenderFrozen);
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      expect(await check(operator.address, owner.address, alice.address, 10n)).to.equal(Check.SenderNotAcknowledged);
      await ledger.connect(owner).acknowledgeDisclosure(2n);
      expect(await check(operator.address, owner.address, alice.address, 10n)).to.equal(Check.RecipientNotAcknowledged);
      await ledger.connect(authority).suspendAsset(assetId, "decision under review");
      expect(await check(operator.address, owner.address, alice.address, 10n)).to.equal(Check.AssetNotActive);
      await ledger.connect(authority).pause();
      expect(await check(operator.address, owner.address, alice.address, 10n)).to.equal(Check.PlatformPaused);
    });

    it("checkTransfer, canTransfer, canSend and canReceive agree with what a transfer does", async function () {
      const { ledger, authority, owner, alice, bob, carol, assetId } = await loadFixture(holdingsFixture);
      expect(await ledger.canSend(owner.address)).to.equal(true);
      expect(await ledger.canReceive(alice.address)).to.equal(true);
      expect(await ledger.canSend(carol.address)).to.equal(false);
      expect(await ledger.canReceive(carol.address)).to.equal(false);
      expect(await ledger.canTransfer(owner.address, alice.address, assetId, 10n)).to.equal(true);
      expect(await ledger.canTransfer(owner.address, carol.address, assetId, 10n)).to.equal(false);
      expect(await ledger.canTransfer(alice.address, bob.address, assetId, 1_001n)).to.equal(false);
      await ledger.connect(authority).freezeParticipant(alice.address, "AFM order 12");
      expect(await ledger.canSend(alice.address)).to.equal(false);
      expect(await ledger.canReceive(alice.address)).to.equal(false);
      expect(await ledger.canTransfer(owner.address, alice.address, assetId, 10n)).to.equal(false);
    });
  });

  describe("batch relay", function () {
    it("when a batch mixes valid and invalid authorizations then each bad one emits AuthorizationRejected and the rest are posted", async function () {
      const { ledger, operator, owner, alice, bob, carol, assetId } = await loadFixture(holdingsFixture);
      const now = BigInt(await time.latest());
      const items = [
        await authorization(ledger, owner, alice.address, assetId, 100n, { nonce: 0n }), // 0 posted
        await authorization(ledger, owner, bob.address, assetId, 50n, { nonce: 1n }), // 1 posted
        await authorization(ledger, alice, bob.address, assetId, 10n, { nonce: 0n, deadline: now }), // 2 expired
        await authorization(ledger, alice, bob.address, assetId, 10n, { nonce: 7n }), // 3 nonce mismatch
        await authorization(ledger, alice, carol.address, assetId, 10n, { nonce: 0n }), // 4 recipient not registered
        await authorization(ledger, alice, bob.address, assetId, 5_000n, { nonce: 0n }), // 5 insufficient balance
        await authorization(ledger, alice, bob.address, assetId, 10n, { nonce: 0n }), // 6 posted
        await authorization(ledger, alice, bob.address, assetId, 10n, { nonce: 0n }), // 7 replay of nonce 0: mismatch
      ];
      const forged = { auth: { ...items[6].auth, amount: 11n }, signature: items[6].signature }; // 8 signature invalid
      items.push(forged);
      const auths = items.map((i) => i.auth);
      const signatures = items.map((i) => i.signature);
      expect(await ledger.connect(operator).transferBatchWithAuthorization.staticCall(auths, signatures)).to.equal(3n);
      const tx = ledger.connect(operator).transferBatchWithAuthorization(auths, signatures);
      await expect(tx)
        .to.emit(ledger, "AuthorizationRejected")
        .withArgs(2n, alice.address, 0n, Check.AuthorizationExpired);
      await expect(tx).to.emit(ledger, "AuthorizationRejected").withArgs(3n, alice.address, 7n, Check.NonceMismatch);
      await expect(tx)
        .to.emit(ledger, "AuthorizationRejected")
        .withArgs(4n, alice.address, 0n, Check.RecipientNotRegistered);
      await expect(tx)
        .to.emit(ledger, "AuthorizationRejected")
        .withArgs(5n, alice.address, 0n, Check.InsufficientBalance);
      await expect(tx).to.emit(ledger, "AuthorizationRejected").withArgs(7n, alice.address, 0n, Check.NonceMismatch);
      await expect(tx).to.emit(ledger, "AuthorizationRejected").withArgs(8n, alice.address, 0n, Check.NonceMismatch);
      const receipt = await (await tx).wait();
      const rejected = receipt!.logs.filter((l) => ledger.interface.parseLog(l)?.name === "AuthorizationRejected");
      const posted = receipt!.logs.filter((l) => ledger.interface.parseLog(l)?.name === "RecordPosted");
      expect(rejected.length).to.equal(6);
      expect(posted.length).to.equal(3);
      expect(await ledger.balanceOf(owner.address, assetId)).to.equal(1_000_000n - 1_000n - 150n);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1_000n + 100n - 10n);
      expect(await ledger.balanceOf(bob.address, assetId)).to.equal(60n);
      expect(await ledger.nonceOf(owner.address, assetId)).to.equal(2n);
      expect(await ledger.nonceOf(alice.address, assetId)).to.equal(1n);
    });

    it("when an authorization of a batch has a forged signature then it is rejected with SignatureInvalid", async function () {
      const { ledger, operator, owner, alice, bob, assetId } = await loadFixture(holdingsFixture);
      const good = await authorization(ledger, owner, alice.address, assetId, 100n);
      const forgedAuth: TransferAuthorization = {
        from: alice.address,
        to: bob.address,
        assetId,
        amount: 10n,
        nonce: 0n,
        deadline: FAR_FUTURE,
        ref: ZeroHash,
      };
      const forgedSig = await signTransfer(ledger, bob, forgedAuth);
      await expect(
        ledger.connect(operator).transferBatchWithAuthorization([forgedAuth, good.auth], [forgedSig, good.signature]),
      )
        .to.emit(ledger, "AuthorizationRejected")
        .withArgs(0n, alice.address, 0n, Check.SignatureInvalid);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1_100n);
    });

    it("when an authorization of a batch names the zero address as recipient then only it is rejected", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const toZero = await authorization(ledger, alice, ZeroAddress, assetId, 10n);
      const good = await authorization(ledger, owner, alice.address, assetId, 100n);
      await expect(
        ledger
          .connect(operator)
          .transferBatchWithAuthorization([toZero.auth, good.auth], [toZero.signature, good.signature]),
      )
        .to.emit(ledger, "AuthorizationRejected")
        .withArgs(0n, alice.address, 0n, Check.RecipientNotRegistered);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1_100n);
      expect(await ledger.totalSupply(assetId)).to.equal(1_000_000n);
    });

    it("when the batch is empty then BatchEmpty; when lengths differ then BatchLengthMismatch", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      await expect(ledger.connect(operator).transferBatchWithAuthorization([], [])).to.be.revertedWithCustomError(
        ledger,
        "BatchEmpty",
      );
      const a = await authorization(ledger, owner, alice.address, assetId, 1n);
      await expect(ledger.connect(operator).transferBatchWithAuthorization([a.auth, a.auth], [a.signature]))
        .to.be.revertedWithCustomError(ledger, "BatchLengthMismatch")
        .withArgs(2n, 1n);
    });

    it("when the relayer is no operator or holds no active permit then the whole batch is refused", async function () {
      const { ledger, authority, operator, owner, alice, outsider, assetId } = await loadFixture(holdingsFixture);
      const a = await authorization(ledger, owner, alice.address, assetId, 1n);
      await expect(ledger.connect(outsider).transferBatchWithAuthorization([a.auth], [a.signature]))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
      await ledger
        .connect(authority)
        .suspendPermit(operator.address, "AML inspection", BigInt(await time.latest()) + 3600n);
      await expect(ledger.connect(operator).transferBatchWithAuthorization([a.auth], [a.signature]))
        .to.be.revertedWithCustomError(ledger, "OperatorNotPermitted")
        .withArgs(operator.address);
      expect(await ledger.nonceOf(owner.address, assetId)).to.equal(0n);
    });

    it("when the platform is paused then the whole batch is refused with EnforcedPause", async function () {
      const { ledger, authority, operator, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const a = await authorization(ledger, owner, alice.address, assetId, 1n);
      await ledger.connect(authority).pause();
      await expect(
        ledger.connect(operator).transferBatchWithAuthorization([a.auth], [a.signature]),
      ).to.be.revertedWithCustomError(ledger, "EnforcedPause");
    });
  });

  describe("direct transfers through the ERC-1155 interface", function () {
    it("when a holder transfers directly then units move, TransferSingle names the holder and a record is posted", async function () {
      const { ledger, owner, alice, assetId } = await loadFixture(holdingsFixture);
      const sequence = (await ledger.assetInfo(assetId)).recordCount + 1n;
      const tx = ledger.connect(alice).safeTransferFrom(alice.address, owner.address, assetId, 40n, "0x");
      await expect(tx)
        .to.emit(ledger, "TransferSingle")
        .withArgs(alice.address, alice.address, owner.address, assetId, 40n);
      expect(await recordsIn(ledger, tx)).to.deep.equal([
        {
          assetId,
          sequence,
          from: alice.address,
          to: owner.address,
          amount: 40n,
          ref: ZeroHash,
          postedAt: BigInt(await time.latest()),
        },
      ]);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(960n);
    });

    it("direct transfers obey the same rules: unregistered, frozen, not acknowledged, suspended, paused, balance, zero", async function () {
      const { ledger, authority, operator, owner, alice, bob, carol, assetId } = await loadFixture(holdingsFixture);
      const send = (amount = 1n, to = bob.address) =>
        ledger.connect(alice).safeTransferFrom(alice.address, to, assetId, amount, "0x");
      await expect(send(1n, carol.address))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(carol.address);
      await expect(send(1n, ZeroAddress))
        .to.be.revertedWithCustomError(ledger, "ERC1155InvalidReceiver")
        .withArgs(ZeroAddress);
      await expect(send(0n)).to.be.revertedWithCustomError(ledger, "TransferAmountZero");
      await expect(send(1_001n))
        .to.be.revertedWithCustomError(ledger, "InsufficientBalance")
        .withArgs(alice.address, assetId, 1_000n, 1_001n);
      await ledger.connect(operator).freezeParticipant(bob.address, "AFM order 12");
      await expect(send()).to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen").withArgs(bob.address);
      await ledger.connect(operator).unfreezeParticipant(bob.address, "cleared");
      await ledger.connect(authority).suspendAsset(assetId, "decision under review");
      await expect(send())
        .to.be.revertedWithCustomError(ledger, "AssetNotActive")
        .withArgs(assetId, AssetStatus.Suspended);
      await ledger.connect(authority).resumeAsset(assetId, "review closed");
      await ledger.connect(authority).pause();
      await expect(send()).to.be.revertedWithCustomError(ledger, "EnforcedPause");
      await ledger.connect(authority).unpause();
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      await expect(send())
        .to.be.revertedWithCustomError(ledger, "DisclosureNotAcknowledged")
        .withArgs(alice.address, 1n, 2n);
      await ledger.connect(alice).acknowledgeDisclosure(2n);
      await ledger.connect(bob).acknowledgeDisclosure(2n);
      await send(5n);
      expect(await ledger.balanceOf(bob.address, assetId)).to.equal(5n);
      expect(owner.address).to.not.equal(bob.address);
    });

    it("when a holder sends several assets with safeBatchTransferFrom then each id is gated and recorded", async function () {
      const { ledger, operator, owner, alice, verifier, assetId } = await loadFixture(holdingsFixture);
      await submitIssuance(
        ledger,
        operator,
        await buildIssuance(ledger, owner, verifier, { nonce: 2n, assetType: REAL_ESTATE, units: 10n }),
      );
      const before = [(await ledger.assetInfo(1n)).recordCount, (await ledger.assetInfo(2n)).recordCount];
      await expect(
        ledger.connect(owner).safeBatchTransferFrom(owner.address, alice.address, [assetId, 2n], [7n, 3n], "0x"),
      )
        .to.emit(ledger, "TransferBatch")
        .withArgs(owner.address, owner.address, alice.address, [assetId, 2n], [7n, 3n]);
      expect(await ledger.balanceOfBatch([alice.address, alice.address], [assetId, 2n])).to.deep.equal([1_007n, 3n]);
      expect((await ledger.assetInfo(1n)).recordCount).to.equal(before[0] + 1n);
      expect((await ledger.assetInfo(2n)).recordCount).to.equal(before[1] + 1n);
    });

    it("when one id of a direct batch breaks a rule then the whole batch is refused", async function () {
      const { ledger, authority, operator, owner, alice, verifier, assetId } = await loadFixture(holdingsFixture);
      await submitIssuance(
        ledger,
        operator,
        await buildIssuance(ledger, owner, verifier, { nonce: 2n, assetType: REAL_ESTATE, units: 10n }),
      );
      await ledger.connect(authority).suspendAsset(2n, "title dispute");
      await expect(
        ledger.connect(owner).safeBatchTransferFrom(owner.address, alice.address, [assetId, 2n], [7n, 3n], "0x"),
      )
        .to.be.revertedWithCustomError(ledger, "AssetNotActive")
        .withArgs(2n, AssetStatus.Suspended);
      await expect(ledger.connect(owner).safeBatchTransferFrom(owner.address, alice.address, [assetId, 2n], [7n], "0x"))
        .to.be.revertedWithCustomError(ledger, "ERC1155InvalidArrayLength")
        .withArgs(2n, 1n);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1_000n);
    });

    it("when an operator calls safeTransferFrom on a holder's units then ERC1155MissingApprovalForAll", async function () {
      const { ledger, operator, authority, owner, assetId } = await loadFixture(holdingsFixture);
      await expect(ledger.connect(operator).safeTransferFrom(owner.address, operator.address, assetId, 1n, "0x"))
        .to.be.revertedWithCustomError(ledger, "ERC1155MissingApprovalForAll")
        .withArgs(operator.address, owner.address);
      await expect(
        ledger.connect(authority).safeBatchTransferFrom(owner.address, authority.address, [assetId], [1n], "0x"),
      )
        .to.be.revertedWithCustomError(ledger, "ERC1155MissingApprovalForAll")
        .withArgs(authority.address, owner.address);
    });
  });
});
