import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id as keccakText } from "ethers";
import type { Signer } from "ethers";
import type { SecuredAssetLedger } from "../../typechain-types";
import {
  Check,
  FAR_FUTURE,
  deployPlatformFixture,
  signDecisionChange,
  signObligations,
  signRedemption,
} from "../helpers/platform";
import { AssetStatus, recordsIn } from "./support";

const REF = keccakText("redemption order 5");
const NEW_DECISION = keccakText("decision, amended");

/** Owner keeps 999,000 units of asset 1, alice holds 1,000. */
async function redemptionFixture() {
  const base = await deployPlatformFixture();
  await base.ledger
    .connect(base.owner)
    .safeTransferFrom(base.owner.address, base.alice.address, base.assetId, 1_000n, "0x");
  return base;
}

/** Every unit of asset 1 redeemed: nothing outstanding. */
async function redeemedFixture() {
  const base = await redemptionFixture();
  await base.ledger.connect(base.owner).redeem(base.assetId, 999_000n, REF);
  await base.ledger.connect(base.alice).redeem(base.assetId, 1_000n, REF);
  return base;
}

describe("Redemption and end of obligations (Art. 7.1)", function () {
  describe("redeem", function () {
    it("when a holder redeems then the units are burned, the supply decreases and a record to the zero address is posted", async function () {
      const { ledger, alice, assetId } = await loadFixture(redemptionFixture);
      const sequence = (await ledger.assetInfo(assetId)).recordCount + 1n;
      const tx = ledger.connect(alice).redeem(assetId, 400n, REF);
      await expect(tx)
        .to.emit(ledger, "TransferSingle")
        .withArgs(alice.address, alice.address, ZeroAddress, assetId, 400n);
      expect(await recordsIn(ledger, tx)).to.deep.equal([
        {
          assetId,
          sequence,
          from: alice.address,
          to: ZeroAddress,
          amount: 400n,
          ref: REF,
          postedAt: BigInt(await time.latest()),
        },
      ]);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(600n);
      expect(await ledger.totalSupply(assetId)).to.equal(999_600n);
      const info = await ledger.assetInfo(assetId);
      expect(info.supply).to.equal(999_600n);
      expect(info.issuedUnits).to.equal(1_000_000n);
    });

    it("redemption obeys the transfer rules: balance, frozen units, freeze, suspension, pause, zero, disclosure", async function () {
      const { ledger, authority, operator, alice, assetId } = await loadFixture(redemptionFixture);
      await expect(ledger.connect(alice).redeem(assetId, 1_001n, REF))
        .to.be.revertedWithCustomError(ledger, "InsufficientBalance")
        .withArgs(alice.address, assetId, 1_000n, 1_001n);
      await expect(ledger.connect(alice).redeem(assetId, 0n, REF)).to.be.revertedWithCustomError(
        ledger,
        "TransferAmountZero",
      );
      await ledger.connect(operator).setFrozenTokens(alice.address, assetId, 900n);
      await expect(ledger.connect(alice).redeem(assetId, 101n, REF))
        .to.be.revertedWithCustomError(ledger, "ERC7943InsufficientUnfrozenBalance")
        .withArgs(alice.address, assetId, 101n, 100n);
      await ledger.connect(authority).freezeParticipant(alice.address, "AFM order 12");
      await expect(ledger.connect(alice).redeem(assetId, 1n, REF))
        .to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen")
        .withArgs(alice.address);
      await ledger.connect(authority).unfreezeParticipant(alice.address, "cleared");
      await ledger.connect(authority).suspendAsset(assetId, "review");
      await expect(ledger.connect(alice).redeem(assetId, 1n, REF))
        .to.be.revertedWithCustomError(ledger, "AssetNotActive")
        .withArgs(assetId, AssetStatus.Suspended);
      await ledger.connect(authority).resumeAsset(assetId, "review closed");
      await ledger.connect(authority).pause();
      await expect(ledger.connect(alice).redeem(assetId, 1n, REF)).to.be.revertedWithCustomError(
        ledger,
        "EnforcedPause",
      );
      await ledger.connect(authority).unpause();
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      await expect(ledger.connect(alice).redeem(assetId, 1n, REF))
        .to.be.revertedWithCustomError(ledger, "DisclosureNotAcknowledged")
        .withArgs(alice.address, 1n, 2n);
    });

    it("when an unregistered account redeems then ParticipantNotRegistered", async function () {
      const { ledger, carol, assetId } = await loadFixture(redemptionFixture);
      await expect(ledger.connect(carol).redeem(assetId, 1n, REF))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(carol.address);
    });
  });

  describe("redeemWithAuthorization", function () {
    it("when an operator relays a holder-signed redemption then the units are burned and the holder's nonce increments", async function () {
      const { ledger, operator, alice, assetId } = await loadFixture(redemptionFixture);
      const r = { holder: alice.address, assetId, amount: 250n, nonce: 0n, deadline: FAR_FUTURE, ref: REF };
      const signature = await signRedemption(ledger, alice, r);
      const tx = ledger
        .connect(operator)
        .redeemWithAuthorization(r.holder, r.assetId, r.amount, r.nonce, r.deadline, r.ref, signature);
      await expect(tx)
        .to.emit(ledger, "TransferSingle")
        .withArgs(operator.address, alice.address, ZeroAddress, assetId, 250n);
      expect((await recordsIn(ledger, tx)).map((x) => [x.from, x.to, x.amount, x.ref])).to.deep.equal([
        [alice.address, ZeroAddress, 250n, REF],
      ]);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(750n);
      expect(await ledger.totalSupply(assetId)).to.equal(999_750n);
      expect(await ledger.nonceOf(alice.address, assetId)).to.equal(1n);
      await expect(
        ledger
          .connect(operator)
          .redeemWithAuthorization(r.holder, r.assetId, r.amount, r.nonce, r.deadline, r.ref, signature),
      )
        .to.be.revertedWithCustomError(ledger, "TransferNonceMismatch")
        .withArgs(alice.address, assetId, 1n, 0n);
    });

    it("when the redemption has expired then TransferAuthorizationExpired", async function () {
      const { ledger, operator, alice, assetId } = await loadFixture(redemptionFixture);
      const deadline = BigInt(await time.latest()) + 60n;
      const r = { holder: alice.address, assetId, amount: 1n, nonce: 0n, deadline, ref: REF };
      const signature = await signRedemption(ledger, alice, r);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(
        ledger
          .connect(operator)
          .redeemWithAuthorization(r.holder, r.assetId, r.amount, r.nonce, r.deadline, r.ref, signature),
      )
        .to.be.revertedWithCustomError(ledger, "TransferAuthorizationExpired")
        .withArgs(deadline, deadline + 1n);
    });

    it("when the redemption is signed by another key or altered then TransferSignatureInvalid", async function () {
      const { ledger, operator, alice, bob, assetId } = await loadFixture(redemptionFixture);
      const r = { holder: alice.address, assetId, amount: 1n, nonce: 0n, deadline: FAR_FUTURE, ref: REF };
      const byBob = await signRedemption(ledger, bob, r);
      await expect(
        ledger
          .connect(operator)
          .redeemWithAuthorization(r.holder, r.assetId, r.amount, r.nonce, r.deadline, r.ref, byBob),
      )
        .to.be.revertedWithCustomError(ledger, "TransferSignatureInvalid")
        .withArgs(alice.address);
      const byAlice = await signRedemption(ledger, alice, r);
      await expect(
        ledger.connect(operator).redeemWithAuthorization(r.holder, r.assetId, 2n, r.nonce, r.deadline, r.ref, byAlice),
      )
        .to.be.revertedWithCustomError(ledger, "TransferSignatureInvalid")
        .withArgs(alice.address);
    });

    it("when the relayer is no operator then AccessControlUnauthorizedAccount names the role", async function () {
      const { ledger, alice, outsider, assetId } = await loadFixture(redemptionFixture);
      const r = { holder: alice.address, assetId, amount: 1n, nonce: 0n, deadline: FAR_FUTURE, ref: REF };
      const signature = await signRedemption(ledger, alice, r);
      await expect(
        ledger
          .connect(outsider)
          .redeemWithAuthorization(r.holder, r.assetId, r.amount, r.nonce, r.deadline, r.ref, signature),
      )
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
      expect(await ledger.nonceOf(alice.address, assetId)).to.equal(0n);
    });
  });

  describe("declareObligationsFulfilled", function () {
    it("when units are outstanding then ObligationsOutstanding", async function () {
      const { ledger, owner, assetId } = await loadFixture(redemptionFixture);
      await ledger.connect(owner).redeem(assetId, 999_000n, REF);
      await expect(ledger.connect(owner).declareObligationsFulfilled(assetId, 0n, "0x"))
        .to.be.revertedWithCustomError(ledger, "ObligationsOutstanding")
        .withArgs(assetId, 1_000n);
    });

    it("when nothing is outstanding then the issuer declares, ObligationsFulfilled, and the asset is closed", async function () {
      const { ledger, owner, alice, assetId } = await loadFixture(redeemedFixture);
      expect(await ledger.totalSupply(assetId)).to.equal(0n);
      await expect(ledger.connect(owner).declareObligationsFulfilled(assetId, 0n, "0x"))
        .to.emit(ledger, "ObligationsFulfilled")
        .withArgs(assetId, owner.address);
      expect((await ledger.assetInfo(assetId)).status).to.equal(AssetStatus.Closed);
      expect(await ledger.checkTransfer(ZeroAddress, owner.address, alice.address, assetId, 1n)).to.equal(
        Check.AssetNotActive,
      );
      await expect(ledger.connect(owner).declareObligationsFulfilled(assetId, 0n, "0x"))
        .to.be.revertedWithCustomError(ledger, "AssetNotActive")
        .withArgs(assetId, AssetStatus.Closed);
    });

    it("when an operator relays the issuer's signature then the asset is closed", async function () {
      const { ledger, operator, owner, assetId } = await loadFixture(redeemedFixture);
      const signature = await signObligations(ledger, owner, assetId);
      await expect(ledger.connect(operator).declareObligationsFulfilled(assetId, FAR_FUTURE, signature))
        .to.emit(ledger, "ObligationsFulfilled")
        .withArgs(assetId, owner.address);
      expect((await ledger.assetInfo(assetId)).status).to.equal(AssetStatus.Closed);
    });

    it("when the relayed declaration is signed by someone other than the issuer then IssuerSignatureInvalid", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(redeemedFixture);
      const signature = await signObligations(ledger, alice, assetId);
      await expect(ledger.connect(operator).declareObligationsFulfilled(assetId, FAR_FUTURE, signature))
        .to.be.revertedWithCustomError(ledger, "IssuerSignatureInvalid")
        .withArgs(owner.address, assetId);
    });

    it("when the relayed declaration has expired then ObligationsDeclarationExpired", async function () {
      const { ledger, operator, owner, assetId } = await loadFixture(redeemedFixture);
      const deadline = BigInt(await time.latest()) + 60n;
      const signature = await signObligations(ledger, owner, assetId, deadline);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(ledger.connect(operator).declareObligationsFulfilled(assetId, deadline, signature))
        .to.be.revertedWithCustomError(ledger, "ObligationsDeclarationExpired")
        .withArgs(deadline, deadline + 1n);
    });

    it("when someone who is neither the issuer nor an operator declares then AccessControlUnauthorizedAccount", async function () {
      const { ledger, owner, outsider, assetId } = await loadFixture(redeemedFixture);
      const signature = await signObligations(ledger, owner, assetId);
      await expect(ledger.connect(outsider).declareObligationsFulfilled(assetId, FAR_FUTURE, signature))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
    });

    it("when the asset does not exist then AssetNotFound", async function () {
      const { ledger, owner } = await loadFixture(redeemedFixture);
      await expect(ledger.connect(owner).declareObligationsFulfilled(99n, 0n, "0x"))
        .to.be.revertedWithCustomError(ledger, "AssetNotFound")
        .withArgs(99n);
    });
  });

  describe("decision document while it must stay public (Art. 7.1): changed only on the issuer's signed order", function () {
    const NEW_URI = "https://steppegrain.kz/decisions/2026-01-amended.pdf";
    const REASON = "typo in annex 2";

    async function change(
      ledger: SecuredAssetLedger,
      relayer: Signer,
      assetId: bigint,
      c: { newHash: string; newUri: string; reason: string; deadline?: bigint },
      signature: string,
    ) {
      return ledger
        .connect(relayer)
        .changeDecisionDocument(assetId, c.newHash, c.newUri, c.reason, c.deadline ?? FAR_FUTURE, signature);
    }

    it("when the issuer signs the change and an operator relays it then DecisionDocumentChanged carries old and new and the asset points to the new one", async function () {
      const { ledger, operator, owner, issuance, assetId } = await loadFixture(redemptionFixture);
      const c = { newHash: NEW_DECISION, newUri: NEW_URI, reason: REASON };
      const signature = await signDecisionChange(ledger, owner, { assetId, ...c });
      await expect(change(ledger, operator, assetId, c, signature))
        .to.emit(ledger, "DecisionDocumentChanged")
        .withArgs(assetId, issuance.decision.documentHash, NEW_DECISION, NEW_URI, REASON, operator.address);
      const info = await ledger.assetInfo(assetId);
      expect(info.decisionHash).to.equal(NEW_DECISION);
      expect(info.decisionURI).to.equal(NEW_URI);
      expect(await ledger.uri(assetId)).to.equal(NEW_URI);
    });

    it("when the operator changes the URI, hash or reason the issuer signed, or someone else signed, then IssuerSignatureInvalid and nothing changes", async function () {
      const { ledger, operator, owner, alice, issuance, assetId } = await loadFixture(redemptionFixture);
      const c = { newHash: NEW_DECISION, newUri: NEW_URI, reason: REASON };
      const byIssuer = await signDecisionChange(ledger, owner, { assetId, ...c });
      for (const altered of [
        { ...c, newUri: "https://evil.example/decision.pdf" },
        { ...c, newHash: keccakText("other") },
        { ...c, reason: "other" },
      ]) {
        await expect(change(ledger, operator, assetId, altered, byIssuer))
          .to.be.revertedWithCustomError(ledger, "IssuerSignatureInvalid")
          .withArgs(owner.address, assetId);
      }
      const byAlice = await signDecisionChange(ledger, alice, { assetId, ...c });
      await expect(change(ledger, operator, assetId, c, byAlice))
        .to.be.revertedWithCustomError(ledger, "IssuerSignatureInvalid")
        .withArgs(owner.address, assetId);
      await expect(change(ledger, operator, assetId, c, "0x")).to.be.revertedWithCustomError(
        ledger,
        "IssuerSignatureInvalid",
      );
      expect((await ledger.assetInfo(assetId)).decisionHash).to.equal(issuance.decision.documentHash);
    });

    it("when a signed change is relayed twice, or an order back to an earlier document is replayed, then DecisionChangeReplayed", async function () {
      const { ledger, operator, owner, issuance, assetId } = await loadFixture(redemptionFixture);
      const original = {
        newHash: issuance.decision.documentHash,
        newUri: issuance.decision.uri,
        reason: "back to the original",
      };
      const amended = { newHash: NEW_DECISION, newUri: NEW_URI, reason: REASON };
      const toAmended = await signDecisionChange(ledger, owner, { assetId, ...amended });
      await change(ledger, operator, assetId, amended, toAmended);
      // The same order again: its previous hash no longer matches, so the signature does not fit the current state.
      await expect(change(ledger, operator, assetId, amended, toAmended)).to.be.revertedWithCustomError(
        ledger,
        "IssuerSignatureInvalid",
      );
      const toOriginal = await signDecisionChange(ledger, owner, { assetId, ...original });
      await change(ledger, operator, assetId, original, toOriginal);
      // A-B-A: the first order fits again, but it was spent.
      await expect(change(ledger, operator, assetId, amended, toAmended)).to.be.revertedWithCustomError(
        ledger,
        "DecisionChangeReplayed",
      );
      expect((await ledger.assetInfo(assetId)).decisionHash).to.equal(issuance.decision.documentHash);
    });

    it("when the issuer's order has expired then DecisionChangeExpired", async function () {
      const { ledger, operator, owner, assetId } = await loadFixture(redemptionFixture);
      const deadline = BigInt(await time.latest()) + 60n;
      const c = { newHash: NEW_DECISION, newUri: NEW_URI, reason: REASON, deadline };
      const signature = await signDecisionChange(ledger, owner, { assetId, ...c });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(change(ledger, operator, assetId, c, signature))
        .to.be.revertedWithCustomError(ledger, "DecisionChangeExpired")
        .withArgs(deadline, deadline + 1n);
    });

    it("when the new hash, URI or reason is missing then IssuanceDecisionHashMissing, IssuanceDecisionURIMissing or ReasonMissing", async function () {
      const { ledger, operator, owner, assetId } = await loadFixture(redemptionFixture);
      const cases: [Parameters<typeof change>[3], string][] = [
        [{ newHash: ZeroHash, newUri: "https://x", reason: "r" }, "IssuanceDecisionHashMissing"],
        [{ newHash: NEW_DECISION, newUri: "", reason: "r" }, "IssuanceDecisionURIMissing"],
        [{ newHash: NEW_DECISION, newUri: "https://x", reason: "" }, "ReasonMissing"],
      ];
      for (const [c, error] of cases) {
        const signature = await signDecisionChange(ledger, owner, { assetId, ...c });
        await expect(change(ledger, operator, assetId, c, signature)).to.be.revertedWithCustomError(ledger, error);
      }
    });

    it("when the issuer itself, an operator without a permit, or anyone else relays then it is refused; an unknown asset is AssetNotFound", async function () {
      const { ledger, authority, operator, owner, assetId } = await loadFixture(redemptionFixture);
      const c = { newHash: NEW_DECISION, newUri: NEW_URI, reason: REASON };
      const signature = await signDecisionChange(ledger, owner, { assetId, ...c });
      await expect(change(ledger, owner, assetId, c, signature))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(owner.address, keccakText("OPERATOR_ROLE"));
      await ledger
        .connect(authority)
        .suspendPermit(operator.address, "AML inspection", BigInt(await time.latest()) + 3600n);
      await expect(change(ledger, operator, assetId, c, signature))
        .to.be.revertedWithCustomError(ledger, "OperatorNotPermitted")
        .withArgs(operator.address);
      await ledger.connect(authority).resumePermit(operator.address);
      await expect(change(ledger, operator, 99n, c, signature))
        .to.be.revertedWithCustomError(ledger, "AssetNotFound")
        .withArgs(99n);
    });

    it("when the asset is closed then the decision can no longer be changed (DecisionChangeWhileClosed)", async function () {
      const { ledger, operator, owner, assetId } = await loadFixture(redeemedFixture);
      await ledger.connect(owner).declareObligationsFulfilled(assetId, 0n, "0x");
      const c = { newHash: NEW_DECISION, newUri: NEW_URI, reason: REASON };
      const signature = await signDecisionChange(ledger, owner, { assetId, ...c });
      await expect(change(ledger, operator, assetId, c, signature))
        .to.be.revertedWithCustomError(ledger, "DecisionChangeWhileClosed")
        .withArgs(assetId);
    });
  });
});
