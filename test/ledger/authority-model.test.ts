import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, keccak256, toBeHex, zeroPadValue, id as keccakText } from "ethers";
import type { ContractTransactionResponse } from "ethers";
import type { SecuredAssetLedger } from "../../typechain-types";
import {
  Basis,
  Check,
  FAR_FUTURE,
  Kind,
  authorization,
  buildIssuance,
  deployPlatformFixture,
  onboard,
  signAcknowledgement,
  signDecisionChange,
  signObligations,
  signRedemption,
  submitIssuance,
} from "../helpers/platform";

/**
 * Who may do what on the ledger (docs/design.md "Roles"), tried as an adversary would: an operator whose permit is
 * suspended or revoked, or whose role was taken away, an operator undoing the authority's measures, approvals,
 * freezes beyond the balance, transfers to oneself and a nonce at its last value.
 */

const OPERATOR_ROLE = keccakText("OPERATOR_ROLE");
const REF = keccakText("court decision 2-117/2026");

/** Owner holds 999,000 units of asset 1, alice 1,000; carol is registered; alice redeems half of a second asset. */
async function fixture() {
  const base = await deployPlatformFixture();
  const { ledger, owner, alice, carol, operator } = base;
  await ledger.connect(owner).safeTransferFrom(owner.address, alice.address, base.assetId, 1_000n, "0x");
  await onboard(ledger, operator, carol);
  return base;
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

/** Every power an operator has, each called with arguments that would otherwise succeed. */
async function operatorPowers(f: Fixture): Promise<[string, () => Promise<ContractTransactionResponse>][]> {
  const { ledger, operator, owner, alice, bob, carol, outsider, verifier, assetId } = f;
  const as = ledger.connect(operator);
  const version = await ledger.currentDisclosureVersion();
  const ackSignature = await signAcknowledgement(ledger, outsider, version);
  const transfer = await authorization(ledger, alice, bob.address, assetId, 1n);
  const redemption = { holder: alice.address, assetId, amount: 1n, nonce: 0n, deadline: FAR_FUTURE, ref: REF };
  const redemptionSignature = await signRedemption(ledger, alice, redemption);
  const change = {
    assetId,
    newHash: keccakText("decision v2"),
    newUri: "https://steppegrain.kz/d2.pdf",
    reason: "annex",
  };
  const changeSignature = await signDecisionChange(ledger, owner, change);
  const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 7n });
  const obligations = await signObligations(ledger, owner, assetId);
  return [
    ["publishDisclosure", () => as.publishDisclosure(keccakText("risks v2"), "https://platform.kz/risks/v2")],
    ["registerParticipant", () => as.registerParticipant(outsider.address, Kind.NaturalPerson, keccakText("kyc"))],
    [
      "registerParticipantWithAcknowledgement",
      () =>
        as.registerParticipantWithAcknowledgement(
          outsider.address,
          Kind.NaturalPerson,
          keccakText("kyc"),
          version,
          FAR_FUTURE,
          ackSignature,
        ),
    ],
    ["deregisterParticipant", () => as.deregisterParticipant(carol.address)],
    ["refreshWalletKind", () => as.refreshWalletKind(carol.address)],
    [
      "acknowledgeDisclosureBySig",
      () => as.acknowledgeDisclosureBySig(outsider.address, version, FAR_FUTURE, ackSignature),
    ],
    ["freezeParticipant", () => as.freezeParticipant(carol.address, "financial monitoring")],
    ["unfreezeParticipant", () => as.unfreezeParticipant(carol.address, "lifted")],
    ["setFrozenTokens", () => as.setFrozenTokens(alice.address, assetId, 10n)],
    [
      "changeDecisionDocument",
      () =>
        as.changeDecisionDocument(assetId, change.newHash, change.newUri, change.reason, FAR_FUTURE, changeSignature),
    ],
    ["issue", () => submitIssuance(ledger, operator, issuance)],
    ["transferWithAuthorization", () => as.transferWithAuthorization(transfer.auth, transfer.signature)],
    ["transferBatchWithAuthorization", () => as.transferBatchWithAuthorization([transfer.auth], [transfer.signature])],
    [
      "redeemWithAuthorization",
      () => as.redeemWithAuthorization(alice.address, assetId, 1n, 0n, FAR_FUTURE, REF, redemptionSignature),
    ],
    ["declareObligationsFulfilled (relayed)", () => as.declareObligationsFulfilled(assetId, FAR_FUTURE, obligations)],
  ];
}

/** A participant's registration and freeze, as plain values. */
async function freezeOf(ledger: SecuredAssetLedger, account: string) {
  const p = await ledger.participant(account);
  return { kind: p.kind, frozen: p.frozen, frozenByAuthority: p.frozenByAuthority };
}

/** The storage slot of a holding: found by its known balance rather than by hard-coding the layout. */
async function holdingSlot(ledger: SecuredAssetLedger, account: string, assetId: bigint): Promise<string> {
  const address = await ledger.getAddress();
  const balance = await ledger.balanceOf(account, assetId);
  const coder = AbiCoder.defaultAbiCoder();
  for (let index = 0n; index < 64n; index++) {
    const outer = keccak256(coder.encode(["uint256", "uint256"], [assetId, index]));
    const slot = keccak256(coder.encode(["address", "bytes32"], [account, outer]));
    const word = BigInt(await ethers.provider.getStorage(address, slot));
    if (word !== 0n && (word & ((1n << 96n) - 1n)) === balance) return slot;
  }
  throw new Error("holding slot not found");
}

describe("Authority model: who may do what on the ledger", function () {
  describe("every power of an operator needs OPERATOR_ROLE and an active permit (Art. 6.1)", function () {
    it("when the operator's permit is suspended then each of its powers is refused with OperatorNotPermitted", async function () {
      const f = await loadFixture(fixture);
      const powers = await operatorPowers(f);
      expect(powers.length).to.equal(15);
      await f.ledger
        .connect(f.authority)
        .suspendPermit(f.operator.address, "AML inspection", BigInt(await time.latest()) + 86_400n);
      for (const [name, call] of powers) {
        await expect(call(), name)
          .to.be.revertedWithCustomError(f.ledger, "OperatorNotPermitted")
          .withArgs(f.operator.address);
      }
    });

    it("when the operator's permit is revoked then each of its powers is refused with OperatorNotPermitted", async function () {
      const f = await loadFixture(fixture);
      const powers = await operatorPowers(f);
      await f.ledger.connect(f.authority).revokePermit(f.operator.address, "court decision 2-1/2026");
      for (const [name, call] of powers) {
        await expect(call(), name)
          .to.be.revertedWithCustomError(f.ledger, "OperatorNotPermitted")
          .withArgs(f.operator.address);
      }
    });

    it("when the operator's role is revoked, its permit still active, then each power names the missing role", async function () {
      const f = await loadFixture(fixture);
      const powers = await operatorPowers(f);
      await f.ledger.connect(f.authority).revokeRole(OPERATOR_ROLE, f.operator.address);
      expect(await f.ledger.isPermitted(f.operator.address)).to.equal(false);
      expect((await f.ledger.permitOf(f.operator.address))[0].operatorRole).to.equal(false);
      for (const [name, call] of powers) {
        await expect(call(), name)
          .to.be.revertedWithCustomError(f.ledger, "AccessControlUnauthorizedAccount")
          .withArgs(f.operator.address, OPERATOR_ROLE);
      }
    });

    it("when a suspension ends or the role is granted again then every power is back (the first of them posts)", async function () {
      const f = await loadFixture(fixture);
      const until = BigInt(await time.latest()) + 3_600n;
      await f.ledger.connect(f.authority).suspendPermit(f.operator.address, "AML inspection", until);
      await time.increaseTo(until);
      const [[, publish]] = await operatorPowers(f);
      await expect(publish()).to.emit(f.ledger, "DisclosurePublished");
      await f.ledger.connect(f.authority).revokeRole(OPERATOR_ROLE, f.operator.address);
      await f.ledger.connect(f.authority).grantRole(OPERATOR_ROLE, f.operator.address);
      expect(await f.ledger.isPermitted(f.operator.address)).to.equal(true);
    });

    it("the authority keeps its own powers without any permit: freezes and disclosures", async function () {
      const { ledger, authority, carol } = await loadFixture(fixture);
      await expect(ledger.connect(authority).freezeParticipant(carol.address, "court order")).to.emit(
        ledger,
        "ParticipantFrozen",
      );
      await expect(
        ledger.connect(authority).publishDisclosure(keccakText("risks v2"), "https://platform.kz/risks/v2"),
      ).to.emit(ledger, "DisclosurePublished");
    });
  });

  describe("an authority's measure cannot be undone by an operator (Art. 6.3)", function () {
    it("when the authority froze a participant then the operator cannot lift it, the authority can", async function () {
      const { ledger, authority, operator, carol } = await loadFixture(fixture);
      await ledger.connect(authority).freezeParticipant(carol.address, "financial monitoring order 17");
      expect((await ledger.participant(carol.address)).frozenByAuthority).to.equal(true);
      await expect(ledger.connect(operator).unfreezeParticipant(carol.address, "client asked"))
        .to.be.revertedWithCustomError(ledger, "ParticipantFrozenByAuthority")
        .withArgs(carol.address);
      await expect(ledger.connect(operator).freezeParticipant(carol.address, "again")).to.be.revertedWithCustomError(
        ledger,
        "ParticipantIsFrozen",
      );
      await expect(ledger.connect(authority).unfreezeParticipant(carol.address, "order lifted"))
        .to.emit(ledger, "ParticipantUnfrozen")
        .withArgs(carol.address, authority.address, "order lifted");
      expect(await freezeOf(ledger, carol.address)).to.include({ frozen: false, frozenByAuthority: false });
    });

    it("when an operator froze a participant then it may lift its own freeze, and the authority may take the freeze over", async function () {
      const { ledger, authority, operator, carol } = await loadFixture(fixture);
      await ledger.connect(operator).freezeParticipant(carol.address, "suspicious activity");
      expect(await freezeOf(ledger, carol.address)).to.include({ frozen: true, frozenByAuthority: false });
      await ledger.connect(operator).unfreezeParticipant(carol.address, "cleared");
      await ledger.connect(operator).freezeParticipant(carol.address, "suspicious activity");
      await expect(ledger.connect(authority).freezeParticipant(carol.address, "order 18"))
        .to.emit(ledger, "ParticipantFrozen")
        .withArgs(carol.address, authority.address, "order 18");
      await expect(
        ledger.connect(operator).unfreezeParticipant(carol.address, "cleared"),
      ).to.be.revertedWithCustomError(ledger, "ParticipantFrozenByAuthority");
    });

    it("when the operator deregisters and registers again a participant the authority froze then the freeze is still there", async function () {
      const { ledger, authority, operator, alice, assetId } = await loadFixture(fixture);
      await ledger.connect(authority).freezeParticipant(alice.address, "order 19");
      await ledger.connect(operator).deregisterParticipant(alice.address);
      expect(await freezeOf(ledger, alice.address)).to.include({ kind: 0n, frozen: true, frozenByAuthority: true });
      await onboard(ledger, operator, alice);
      expect(await freezeOf(ledger, alice.address)).to.include({ frozen: true, frozenByAuthority: true });
      expect(await ledger.canSend(alice.address)).to.equal(false);
      await expect(ledger.connect(alice).safeTransferFrom(alice.address, operator.address, assetId, 1n, "0x"))
        .to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen")
        .withArgs(alice.address);
      await expect(
        ledger.connect(operator).unfreezeParticipant(alice.address, "new account"),
      ).to.be.revertedWithCustomError(ledger, "ParticipantFrozenByAuthority");
    });

    it("when the authority froze units then the operator can neither lower nor raise them; FrozenUnitsOrdered says who ordered", async function () {
      const { ledger, authority, operator, alice, assetId } = await loadFixture(fixture);
      await expect(ledger.connect(authority).setFrozenTokens(alice.address, assetId, 600n))
        .to.emit(ledger, "FrozenUnitsOrdered")
        .withArgs(alice.address, assetId, authority.address, 600n, true);
      for (const amount of [0n, 100n, 900n]) {
        await expect(ledger.connect(operator).setFrozenTokens(alice.address, assetId, amount))
          .to.be.revertedWithCustomError(ledger, "FrozenUnitsOrderedByAuthority")
          .withArgs(alice.address, assetId);
      }
      expect(await ledger.getFrozenTokens(alice.address, assetId)).to.equal(600n);
      await expect(ledger.connect(authority).setFrozenTokens(alice.address, assetId, 0n))
        .to.emit(ledger, "Frozen")
        .withArgs(alice.address, assetId, 0n);
      await expect(ledger.connect(operator).setFrozenTokens(alice.address, assetId, 50n))
        .to.emit(ledger, "FrozenUnitsOrdered")
        .withArgs(alice.address, assetId, operator.address, 50n, false);
    });
  });

  describe("freezes beyond the balance (ERC-7943)", function () {
    it("when more is frozen than held, a forced transfer releases only the units it takes and later receipts stay frozen", async function () {
      const { ledger, authority, owner, alice, bob, assetId } = await loadFixture(fixture);
      await ledger.connect(authority).setFrozenTokens(alice.address, assetId, 1_500n);
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 600n, Basis.CourtDecision, REF),
      )
        .to.emit(ledger, "Frozen")
        .withArgs(alice.address, assetId, 900n);
      expect(await ledger.getFrozenTokens(alice.address, assetId)).to.equal(900n);
      await ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 700n, "0x");
      // 400 + 700 = 1,100 held, 900 frozen: 200 may move.
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1_100n);
      await expect(ledger.connect(alice).safeTransferFrom(alice.address, bob.address, assetId, 201n, "0x"))
        .to.be.revertedWithCustomError(ledger, "ERC7943InsufficientUnfrozenBalance")
        .withArgs(alice.address, assetId, 201n, 200n);
      await ledger.connect(alice).safeTransferFrom(alice.address, bob.address, assetId, 200n, "0x");
    });

    it("when the forced transfer takes only unfrozen units then the frozen units stay as ordered", async function () {
      const { ledger, authority, alice, bob, assetId } = await loadFixture(fixture);
      await ledger.connect(authority).setFrozenTokens(alice.address, assetId, 300n);
      await expect(
        ledger.connect(authority).forcedTransfer(alice.address, bob.address, assetId, 700n, Basis.CourtDecision, REF),
      ).to.not.emit(ledger, "Frozen");
      expect(await ledger.getFrozenTokens(alice.address, assetId)).to.equal(300n);
    });
  });

  describe("no path moves units around the rules", function () {
    it("ERC-1155 approvals are disabled: setApprovalForAll reverts and nobody moves another's units", async function () {
      const { ledger, operator, alice, bob, assetId } = await loadFixture(fixture);
      await expect(ledger.connect(alice).setApprovalForAll(operator.address, true)).to.be.revertedWithCustomError(
        ledger,
        "ApprovalsDisabled",
      );
      expect(await ledger.isApprovedForAll(alice.address, operator.address)).to.equal(false);
      await expect(ledger.connect(operator).safeTransferFrom(alice.address, bob.address, assetId, 1n, "0x"))
        .to.be.revertedWithCustomError(ledger, "ERC1155MissingApprovalForAll")
        .withArgs(operator.address, alice.address);
      await expect(
        ledger.connect(operator).safeBatchTransferFrom(alice.address, bob.address, [assetId], [1n], "0x"),
      ).to.be.revertedWithCustomError(ledger, "ERC1155MissingApprovalForAll");
    });

    it("a holder's own ERC-1155 batch with one asset twice is checked item by item: the second item sees the first's balance", async function () {
      const { ledger, authority, alice, bob, assetId } = await loadFixture(fixture);
      await ledger.connect(authority).setFrozenTokens(alice.address, assetId, 500n);
      // 1,000 held, 500 frozen: 300 then 300 would each pass alone, but not one after the other.
      await expect(
        ledger.connect(alice).safeBatchTransferFrom(alice.address, bob.address, [assetId, assetId], [300n, 300n], "0x"),
      )
        .to.be.revertedWithCustomError(ledger, "ERC7943InsufficientUnfrozenBalance")
        .withArgs(alice.address, assetId, 300n, 200n);
      await ledger
        .connect(alice)
        .safeBatchTransferFrom(alice.address, bob.address, [assetId, assetId], [300n, 200n], "0x");
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(500n);
    });
  });

  describe("transfers to oneself are refused: they would post a record and spend a nonce while nothing changes hands", function () {
    it("when relayed, direct or in a batch, a transfer to its own sender is refused and nothing is recorded", async function () {
      const { ledger, operator, alice, assetId } = await loadFixture(fixture);
      const count = (await ledger.assetInfo(assetId)).recordCount;
      const { auth, signature } = await authorization(ledger, alice, alice.address, assetId, 5n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "TransferToSelf")
        .withArgs(alice.address);
      await expect(
        ledger.connect(alice).safeTransferFrom(alice.address, alice.address, assetId, 5n, "0x"),
      ).to.be.revertedWithCustomError(ledger, "TransferToSelf");
      await expect(ledger.connect(operator).transferBatchWithAuthorization([auth], [signature]))
        .to.emit(ledger, "AuthorizationRejected")
        .withArgs(0n, alice.address, 0n, Check.SelfTransfer);
      expect(await ledger.checkTransfer(operator.address, alice.address, alice.address, assetId, 5n)).to.equal(
        Check.SelfTransfer,
      );
      expect(await ledger.nonceOf(alice.address, assetId)).to.equal(0n);
      expect((await ledger.assetInfo(assetId)).recordCount).to.equal(count);
    });
  });

  describe("nonces cannot wrap into a value already spent", function () {
    it("when a holder's nonce reached its last value then transfers and redemptions are refused with TransferNonceExhausted", async function () {
      const { ledger, operator, alice, bob, assetId } = await loadFixture(fixture);
      const slot = await holdingSlot(ledger, alice.address, assetId);
      const word = BigInt(await ethers.provider.getStorage(await ledger.getAddress(), slot));
      const last = (1n << 32n) - 1n;
      // Holding: balance (96 bits), frozen (96), nonce (32), frozenByAuthority (8).
      const nonceMask = ((1n << 32n) - 1n) << 192n;
      await network.provider.send("hardhat_setStorageAt", [
        await ledger.getAddress(),
        slot,
        zeroPadValue(toBeHex((word & ~nonceMask) | (last << 192n)), 32),
      ]);
      expect(await ledger.nonceOf(alice.address, assetId)).to.equal(last);
      const { auth, signature } = await authorization(ledger, alice, bob.address, assetId, 1n, { nonce: last });
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "TransferNonceExhausted")
        .withArgs(alice.address, assetId);
      await expect(ledger.connect(operator).transferBatchWithAuthorization([auth], [signature]))
        .to.emit(ledger, "AuthorizationRejected")
        .withArgs(0n, alice.address, last, Check.NonceExhausted);
      const r = { holder: alice.address, assetId, amount: 1n, nonce: last, deadline: FAR_FUTURE, ref: REF };
      await expect(
        ledger
          .connect(operator)
          .redeemWithAuthorization(
            alice.address,
            assetId,
            1n,
            last,
            FAR_FUTURE,
            REF,
            await signRedemption(ledger, alice, r),
          ),
      ).to.be.revertedWithCustomError(ledger, "TransferNonceExhausted");
      expect(await ledger.nonceOf(alice.address, assetId)).to.equal(last);
    });
  });
});
