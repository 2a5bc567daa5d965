import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id as keccakText } from "ethers";
import type { Signer } from "ethers";
import type { MockContractWallet, SecuredAssetLedger } from "../../typechain-types";
import { ACKNOWLEDGEMENT_TYPES } from "../../server/domain/eip712";
import {
  Check,
  FAR_FUTURE,
  Kind,
  PERMIT,
  authorization,
  deployPlatformFixture,
  domainOf,
  onboard,
  signAcknowledgement,
  signTransfer,
} from "../helpers/platform";

const OPERATOR_ROLE = keccakText("OPERATOR_ROLE");
const kyc = (address: string) => keccakText(`kyc:${address}`);

/** The owner key of a contract wallet signs the wallet's acknowledgement (checked by ERC-1271). */
async function signWalletAcknowledgement(
  ledger: SecuredAssetLedger,
  wallet: string,
  key: Signer,
  version: bigint,
  deadline = FAR_FUTURE,
) {
  const d = await ledger.disclosure(version);
  return key.signTypedData(await domainOf(ledger), ACKNOWLEDGEMENT_TYPES, {
    account: wallet,
    version,
    documentHash: d.documentHash,
    deadline,
  });
}

async function walletFixture() {
  const base = await deployPlatformFixture();
  const wallet: MockContractWallet = await ethers.deployContract("MockContractWallet", [base.carol.address]);
  return { ...base, wallet, walletAddress: await wallet.getAddress() };
}

describe("Participant register (Art. 6.3, 6.4)", function () {
  describe("registration", function () {
    it("when an operator registers a participant then ParticipantRegistered and the entry holds kind, identity hash and time", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(operator).registerParticipant(carol.address, Kind.LegalEntity, kyc(carol.address)))
        .to.emit(ledger, "ParticipantRegistered")
        .withArgs(carol.address, Kind.LegalEntity, kyc(carol.address), false);
      expect(await ledger.isRegistered(carol.address)).to.equal(true);
      const p = await ledger.participant(carol.address);
      expect(p.kind).to.equal(BigInt(Kind.LegalEntity));
      expect(p.frozen).to.equal(false);
      expect(p.contractWallet).to.equal(false);
      expect(p.acknowledgedVersion).to.equal(0n);
      expect(p.registeredAt).to.equal(BigInt(await time.latest()));
      expect(await ledger.identityHashOf(carol.address)).to.equal(kyc(carol.address));
      expect(await ledger.hasAcknowledgedCurrent(carol.address)).to.equal(false);
    });

    it("when the account is zero then ParticipantInvalidAccount", async function () {
      const { ledger, operator } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(operator).registerParticipant(ZeroAddress, Kind.NaturalPerson, kyc(ZeroAddress)))
        .to.be.revertedWithCustomError(ledger, "ParticipantInvalidAccount")
        .withArgs(ZeroAddress);
    });

    it("when the kind is None then ParticipantKindInvalid", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await expect(
        ledger.connect(operator).registerParticipant(carol.address, Kind.None, kyc(carol.address)),
      ).to.be.revertedWithCustomError(ledger, "ParticipantKindInvalid");
    });

    it("when the identity hash is zero then ParticipantIdentityHashMissing", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await expect(
        ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, ZeroHash),
      ).to.be.revertedWithCustomError(ledger, "ParticipantIdentityHashMissing");
    });

    it("when the account is already registered then ParticipantAlreadyRegistered", async function () {
      const { ledger, operator, alice } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(operator).registerParticipant(alice.address, Kind.NaturalPerson, kyc(alice.address)))
        .to.be.revertedWithCustomError(ledger, "ParticipantAlreadyRegistered")
        .withArgs(alice.address);
    });

    it("when anyone but an operator registers or deregisters then AccessControlUnauthorizedAccount", async function () {
      const { ledger, authority, alice, carol } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address)))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(authority.address, OPERATOR_ROLE);
      await expect(ledger.connect(carol).deregisterParticipant(alice.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(carol.address, OPERATOR_ROLE);
    });

    it("when registered with an acknowledgement signature then both are recorded in one transaction", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      const version = await ledger.currentDisclosureVersion();
      const signature = await signAcknowledgement(ledger, carol, version);
      await expect(
        ledger
          .connect(operator)
          .registerParticipantWithAcknowledgement(
            carol.address,
            Kind.NaturalPerson,
            kyc(carol.address),
            version,
            FAR_FUTURE,
            signature,
          ),
      )
        .to.emit(ledger, "ParticipantRegistered")
        .withArgs(carol.address, Kind.NaturalPerson, kyc(carol.address), false)
        .and.to.emit(ledger, "DisclosureAcknowledged")
        .withArgs(carol.address, version, operator.address);
      expect(await ledger.hasAcknowledgedCurrent(carol.address)).to.equal(true);
      expect(await ledger.canReceive(carol.address)).to.equal(true);
    });

    it("when the onboarding acknowledgement is signed by another key then nothing is registered", async function () {
      const { ledger, operator, carol, outsider } = await loadFixture(deployPlatformFixture);
      const version = await ledger.currentDisclosureVersion();
      const d = await ledger.disclosure(version);
      const signature = await outsider.signTypedData(await domainOf(ledger), ACKNOWLEDGEMENT_TYPES, {
        account: carol.address,
        version,
        documentHash: d.documentHash,
        deadline: FAR_FUTURE,
      });
      await expect(
        ledger
          .connect(operator)
          .registerParticipantWithAcknowledgement(
            carol.address,
            Kind.NaturalPerson,
            kyc(carol.address),
            version,
            FAR_FUTURE,
            signature,
          ),
      )
        .to.be.revertedWithCustomError(ledger, "AcknowledgementSignatureInvalid")
        .withArgs(carol.address);
      expect(await ledger.isRegistered(carol.address)).to.equal(false);
    });

    it("when a participant is deregistered then ParticipantDeregistered, the entry is cleared and it can no longer receive", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(operator).deregisterParticipant(alice.address))
        .to.emit(ledger, "ParticipantDeregistered")
        .withArgs(alice.address);
      expect(await ledger.isRegistered(alice.address)).to.equal(false);
      expect(await ledger.identityHashOf(alice.address)).to.equal(ZeroHash);
      expect(await ledger.canReceive(alice.address)).to.equal(false);
      await expect(ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1n, "0x"))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(alice.address);
    });

    it("when an unregistered account is deregistered then ParticipantNotRegistered", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(operator).deregisterParticipant(carol.address))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(carol.address);
    });
  });

  describe("freezes (financial monitoring)", function () {
    it("when the authority freezes with a reason then ParticipantFrozen and the participant can neither send nor receive", async function () {
      const { ledger, authority, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).freezeParticipant(alice.address, "AFM order 12"))
        .to.emit(ledger, "ParticipantFrozen")
        .withArgs(alice.address, authority.address, "AFM order 12");
      expect((await ledger.participant(alice.address)).frozen).to.equal(true);
      expect(await ledger.canSend(alice.address)).to.equal(false);
      expect(await ledger.canReceive(alice.address)).to.equal(false);
      await expect(ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1n, "0x"))
        .to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen")
        .withArgs(alice.address);
    });

    it("when an operator freezes and then unfreezes with a reason then both are recorded and transfers work again", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
      await ledger.connect(operator).freezeParticipant(alice.address, "suspicious pattern");
      await expect(ledger.connect(operator).unfreezeParticipant(alice.address, "cleared by compliance"))
        .to.emit(ledger, "ParticipantUnfrozen")
        .withArgs(alice.address, operator.address, "cleared by compliance");
      await ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1n, "0x");
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1n);
    });

    it("when neither authority nor operator freezes or unfreezes then AccessControlUnauthorizedAccount names the operator role", async function () {
      const { ledger, authority, alice, outsider } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(outsider).freezeParticipant(alice.address, "x"))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
      await ledger.connect(authority).freezeParticipant(alice.address, "AFM order 12");
      await expect(ledger.connect(outsider).unfreezeParticipant(alice.address, "x"))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
    });

    it("when the reason is empty then FreezeReasonMissing, for freeze and unfreeze", async function () {
      const { ledger, authority, alice } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).freezeParticipant(alice.address, "")).to.be.revertedWithCustomError(
        ledger,
        "FreezeReasonMissing",
      );
      await ledger.connect(authority).freezeParticipant(alice.address, "AFM order 12");
      await expect(ledger.connect(authority).unfreezeParticipant(alice.address, "")).to.be.revertedWithCustomError(
        ledger,
        "FreezeReasonMissing",
      );
    });

    it("when already frozen then ParticipantIsFrozen; when not frozen then unfreeze is refused with ParticipantNotFrozen", async function () {
      const { ledger, authority, alice, bob } = await loadFixture(deployPlatformFixture);
      await ledger.connect(authority).freezeParticipant(alice.address, "AFM order 12");
      await expect(ledger.connect(authority).freezeParticipant(alice.address, "again"))
        .to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen")
        .withArgs(alice.address);
      await expect(ledger.connect(authority).unfreezeParticipant(bob.address, "nothing to lift"))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotFrozen")
        .withArgs(bob.address);
    });

    it("when an unregistered account is frozen then ParticipantNotRegistered", async function () {
      const { ledger, authority, carol } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).freezeParticipant(carol.address, "AFM order 12"))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(carol.address);
    });
  });

  describe("risk disclosures (Art. 6.4)", function () {
    it("when an operator publishes a new version then DisclosurePublished, it is current and stored with its hash and URI", async function () {
      const { ledger, operator } = await loadFixture(deployPlatformFixture);
      const hash = keccakText("risk disclosure v2");
      await expect(ledger.connect(operator).publishDisclosure(hash, "https://platform.kz/risks/v2"))
        .to.emit(ledger, "DisclosurePublished")
        .withArgs(2n, hash, "https://platform.kz/risks/v2");
      expect(await ledger.currentDisclosureVersion()).to.equal(2n);
      const d = await ledger.disclosure(2n);
      expect(d.documentHash).to.equal(hash);
      expect(d.uri).to.equal("https://platform.kz/risks/v2");
      expect(d.publishedAt).to.equal(BigInt(await time.latest()));
      expect((await ledger.disclosure(1n)).documentHash).to.equal(keccakText("risk disclosure v1"));
    });

    it("when the authority publishes then it is accepted; when an outsider publishes then AccessControlUnauthorizedAccount names the operator role", async function () {
      const { ledger, authority, outsider } = await loadFixture(deployPlatformFixture);
      await ledger.connect(authority).publishDisclosure(keccakText("v2"), "https://platform.kz/risks/v2");
      expect(await ledger.currentDisclosureVersion()).to.equal(2n);
      await expect(ledger.connect(outsider).publishDisclosure(keccakText("v3"), "https://platform.kz/risks/v3"))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
    });

    it("when the hash or URI is empty then DisclosureInvalid; an unknown version is DisclosureVersionNotCurrent", async function () {
      const { ledger, operator } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(operator).publishDisclosure(ZeroHash, "https://x")).to.be.revertedWithCustomError(
        ledger,
        "DisclosureInvalid",
      );
      await expect(ledger.connect(operator).publishDisclosure(keccakText("v2"), "")).to.be.revertedWithCustomError(
        ledger,
        "DisclosureInvalid",
      );
      await expect(ledger.disclosure(5n))
        .to.be.revertedWithCustomError(ledger, "DisclosureVersionNotCurrent")
        .withArgs(5n, 1n);
    });

    it("when a participant acknowledges by its own call then DisclosureAcknowledged without relayer", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address));
      await expect(ledger.connect(carol).acknowledgeDisclosure(1n))
        .to.emit(ledger, "DisclosureAcknowledged")
        .withArgs(carol.address, 1n, ZeroAddress);
      expect(await ledger.hasAcknowledgedCurrent(carol.address)).to.equal(true);
      expect((await ledger.participant(carol.address)).acknowledgedVersion).to.equal(1n);
    });

    it("when an unregistered account acknowledges then ParticipantNotRegistered", async function () {
      const { ledger, carol } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(carol).acknowledgeDisclosure(1n))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(carol.address);
    });

    it("when the version is not current then DisclosureVersionNotCurrent; when acknowledged twice then DisclosureAlreadyAcknowledged", async function () {
      const { ledger, alice } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(alice).acknowledgeDisclosure(2n))
        .to.be.revertedWithCustomError(ledger, "DisclosureVersionNotCurrent")
        .withArgs(2n, 1n);
      await expect(ledger.connect(alice).acknowledgeDisclosure(1n))
        .to.be.revertedWithCustomError(ledger, "DisclosureAlreadyAcknowledged")
        .withArgs(alice.address, 1n);
    });

    it("when no disclosure was ever published then acknowledging is refused with DisclosureNotPublished", async function () {
      const [, authority, operator, verifier, , , , carol] = await ethers.getSigners();
      const { deployLedger } = await import("../helpers/platform");
      const ledger = await deployLedger(authority.address, operator.address, verifier.address);
      await ledger.connect(authority).grantPermit(operator.address, PERMIT);
      await ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address));
      await expect(ledger.connect(carol).acknowledgeDisclosure(0n)).to.be.revertedWithCustomError(
        ledger,
        "DisclosureNotPublished",
      );
      expect(await ledger.canReceive(carol.address)).to.equal(false);
    });

    it("when an operator relays the participant's signed acknowledgement then it is recorded with the relayer", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address));
      const signature = await signAcknowledgement(ledger, carol, 1n);
      await expect(ledger.connect(operator).acknowledgeDisclosureBySig(carol.address, 1n, FAR_FUTURE, signature))
        .to.emit(ledger, "DisclosureAcknowledged")
        .withArgs(carol.address, 1n, operator.address);
      expect(await ledger.hasAcknowledgedCurrent(carol.address)).to.equal(true);
    });

    it("when a non-operator relays a signed acknowledgement then AccessControlUnauthorizedAccount", async function () {
      const { ledger, operator, carol, outsider } = await loadFixture(deployPlatformFixture);
      await ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address));
      const signature = await signAcknowledgement(ledger, carol, 1n);
      await expect(ledger.connect(outsider).acknowledgeDisclosureBySig(carol.address, 1n, FAR_FUTURE, signature))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, OPERATOR_ROLE);
    });

    it("when the signed acknowledgement has expired then AcknowledgementExpired", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address));
      const deadline = BigInt(await time.latest()) + 60n;
      const signature = await signAcknowledgement(ledger, carol, 1n, deadline);
      await time.increaseTo(deadline + 1n);
      await expect(ledger.connect(operator).acknowledgeDisclosureBySig(carol.address, 1n, deadline, signature))
        .to.be.revertedWithCustomError(ledger, "AcknowledgementExpired")
        .withArgs(deadline);
    });

    it("when the acknowledgement is signed by another key then AcknowledgementSignatureInvalid", async function () {
      const { ledger, operator, carol, outsider } = await loadFixture(deployPlatformFixture);
      await ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address));
      const signature = await signWalletAcknowledgement(ledger, carol.address, outsider, 1n);
      await expect(ledger.connect(operator).acknowledgeDisclosureBySig(carol.address, 1n, FAR_FUTURE, signature))
        .to.be.revertedWithCustomError(ledger, "AcknowledgementSignatureInvalid")
        .withArgs(carol.address);
    });

    it("when the signed acknowledgement is for an earlier version then DisclosureVersionNotCurrent", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address));
      const signature = await signAcknowledgement(ledger, carol, 1n);
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      await expect(ledger.connect(operator).acknowledgeDisclosureBySig(carol.address, 1n, FAR_FUTURE, signature))
        .to.be.revertedWithCustomError(ledger, "DisclosureVersionNotCurrent")
        .withArgs(1n, 2n);
    });

    it("when the signed acknowledgement is relayed again then DisclosureAlreadyAcknowledged", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await ledger.connect(operator).registerParticipant(carol.address, Kind.NaturalPerson, kyc(carol.address));
      const signature = await signAcknowledgement(ledger, carol, 1n);
      await ledger.connect(operator).acknowledgeDisclosureBySig(carol.address, 1n, FAR_FUTURE, signature);
      await expect(ledger.connect(operator).acknowledgeDisclosureBySig(carol.address, 1n, FAR_FUTURE, signature))
        .to.be.revertedWithCustomError(ledger, "DisclosureAlreadyAcknowledged")
        .withArgs(carol.address, 1n);
    });

    it("when a new version is published then holders must acknowledge it again before transfers", async function () {
      const { ledger, operator, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      expect(await ledger.hasAcknowledgedCurrent(owner.address)).to.equal(false);
      expect(await ledger.canSend(owner.address)).to.equal(false);
      expect(await ledger.checkTransfer(ZeroAddress, owner.address, alice.address, assetId, 1n)).to.equal(
        Check.SenderNotAcknowledged,
      );
      await expect(ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1n, "0x"))
        .to.be.revertedWithCustomError(ledger, "DisclosureNotAcknowledged")
        .withArgs(owner.address, 1n, 2n);
      await ledger.connect(owner).acknowledgeDisclosure(2n);
      expect(await ledger.checkTransfer(ZeroAddress, owner.address, alice.address, assetId, 1n)).to.equal(
        Check.RecipientNotAcknowledged,
      );
      await expect(ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1n, "0x"))
        .to.be.revertedWithCustomError(ledger, "DisclosureNotAcknowledged")
        .withArgs(alice.address, 1n, 2n);
      await ledger.connect(alice).acknowledgeDisclosure(2n);
      await ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 1n, "0x");
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(1n);
    });
  });

  describe("contract wallets (ERC-1271)", function () {
    it("when a contract wallet is registered then it is flagged as a contract wallet", async function () {
      const { ledger, operator, walletAddress } = await loadFixture(walletFixture);
      await expect(ledger.connect(operator).registerParticipant(walletAddress, Kind.LegalEntity, kyc(walletAddress)))
        .to.emit(ledger, "ParticipantRegistered")
        .withArgs(walletAddress, Kind.LegalEntity, kyc(walletAddress), true);
      expect((await ledger.participant(walletAddress)).contractWallet).to.equal(true);
    });

    it("when the wallet's owner key signs the acknowledgement then the operator records it through ERC-1271", async function () {
      const { ledger, operator, carol, walletAddress } = await loadFixture(walletFixture);
      await ledger.connect(operator).registerParticipant(walletAddress, Kind.LegalEntity, kyc(walletAddress));
      const signature = await signWalletAcknowledgement(ledger, walletAddress, carol, 1n);
      await expect(ledger.connect(operator).acknowledgeDisclosureBySig(walletAddress, 1n, FAR_FUTURE, signature))
        .to.emit(ledger, "DisclosureAcknowledged")
        .withArgs(walletAddress, 1n, operator.address);
      expect(await ledger.hasAcknowledgedCurrent(walletAddress)).to.equal(true);
    });

    it("when another key signs for the wallet then AcknowledgementSignatureInvalid", async function () {
      const { ledger, operator, outsider, walletAddress } = await loadFixture(walletFixture);
      await ledger.connect(operator).registerParticipant(walletAddress, Kind.LegalEntity, kyc(walletAddress));
      const signature = await signWalletAcknowledgement(ledger, walletAddress, outsider, 1n);
      await expect(ledger.connect(operator).acknowledgeDisclosureBySig(walletAddress, 1n, FAR_FUTURE, signature))
        .to.be.revertedWithCustomError(ledger, "AcknowledgementSignatureInvalid")
        .withArgs(walletAddress);
    });

    it("when a contract wallet holder signs a transfer then the operator relays it and the wallet's units move", async function () {
      const { ledger, operator, owner, alice, carol, assetId, walletAddress } = await loadFixture(walletFixture);
      const version = await ledger.currentDisclosureVersion();
      const ack = await signWalletAcknowledgement(ledger, walletAddress, carol, version);
      await ledger
        .connect(operator)
        .registerParticipantWithAcknowledgement(
          walletAddress,
          Kind.LegalEntity,
          kyc(walletAddress),
          version,
          FAR_FUTURE,
          ack,
        );
      // The wallet receives units: the ERC-1155 acceptance check is made to it.
      await ledger.connect(owner).safeTransferFrom(owner.address, walletAddress, assetId, 100n, "0x");
      expect(await ledger.balanceOf(walletAddress, assetId)).to.equal(100n);

      const auth = {
        from: walletAddress,
        to: alice.address,
        assetId,
        amount: 40n,
        nonce: 0n,
        deadline: FAR_FUTURE,
        ref: keccakText("invoice 1"),
      };
      const signature = await signTransfer(ledger, carol, auth);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.emit(ledger, "TransferSingle")
        .withArgs(operator.address, walletAddress, alice.address, assetId, 40n);
      expect(await ledger.balanceOf(walletAddress, assetId)).to.equal(60n);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(40n);
      expect(await ledger.nonceOf(walletAddress, assetId)).to.equal(1n);
    });

    it("when a stranger's key signs a transfer from the wallet then TransferSignatureInvalid", async function () {
      const { ledger, operator, owner, alice, carol, outsider, assetId, walletAddress } =
        await loadFixture(walletFixture);
      const ack = await signWalletAcknowledgement(ledger, walletAddress, carol, 1n);
      await ledger
        .connect(operator)
        .registerParticipantWithAcknowledgement(
          walletAddress,
          Kind.LegalEntity,
          kyc(walletAddress),
          1n,
          FAR_FUTURE,
          ack,
        );
      await ledger.connect(owner).safeTransferFrom(owner.address, walletAddress, assetId, 100n, "0x");
      const auth = {
        from: walletAddress,
        to: alice.address,
        assetId,
        amount: 40n,
        nonce: 0n,
        deadline: FAR_FUTURE,
        ref: ZeroHash,
      };
      const signature = await signTransfer(ledger, outsider, auth);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "TransferSignatureInvalid")
        .withArgs(walletAddress);
    });

    it("when an onboarded participant relays a transfer to a contract wallet then the wallet accepts it", async function () {
      const { ledger, operator, owner, carol, assetId, walletAddress } = await loadFixture(walletFixture);
      const ack = await signWalletAcknowledgement(ledger, walletAddress, carol, 1n);
      await ledger
        .connect(operator)
        .registerParticipantWithAcknowledgement(
          walletAddress,
          Kind.LegalEntity,
          kyc(walletAddress),
          1n,
          FAR_FUTURE,
          ack,
        );
      const { auth, signature } = await authorization(ledger, owner, walletAddress, assetId, 7n);
      await ledger.connect(operator).transferWithAuthorization(auth, signature);
      expect(await ledger.balanceOf(walletAddress, assetId)).to.equal(7n);
    });

    it("when the wallet is deployed after registration then refreshWalletKind records it", async function () {
      const { ledger, operator, carol, outsider } = await loadFixture(deployPlatformFixture);
      const factory = await ethers.getContractFactory("MockContractWallet");
      const deployer = outsider;
      const predicted = ethers.getCreateAddress({ from: deployer.address, nonce: await deployer.getNonce() });
      await ledger.connect(operator).registerParticipant(predicted, Kind.LegalEntity, kyc(predicted));
      expect((await ledger.participant(predicted)).contractWallet).to.equal(false);
      await factory.connect(deployer).deploy(carol.address);
      await expect(ledger.connect(operator).refreshWalletKind(predicted))
        .to.emit(ledger, "ParticipantWalletKindUpdated")
        .withArgs(predicted, true);
      expect((await ledger.participant(predicted)).contractWallet).to.equal(true);
      await expect(ledger.connect(operator).refreshWalletKind(predicted)).to.not.emit(
        ledger,
        "ParticipantWalletKindUpdated",
      );
    });
  });

  it("onboard helper leaves a participant able to send and receive", async function () {
    const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
    await onboard(ledger, operator, carol);
    expect(await ledger.canSend(carol.address)).to.equal(true);
    expect(await ledger.canReceive(carol.address)).to.equal(true);
  });
});
