import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id as keccakText } from "ethers";
import type { Signer, TypedDataDomain } from "ethers";
import type { SecuredAssetLedger } from "../../typechain-types";
import {
  ATTESTATION_TYPES,
  ISSUANCE_TYPES,
  attestationMessage,
  issuanceRequestMessage,
  issuerDetailsHash,
} from "../../server/domain/eip712";
import {
  GRAIN,
  ISSUER,
  OWNERSHIP_SHARE,
  REAL_ESTATE,
  type IssuanceInput,
  buildIssuance,
  deployPlatformFixture,
  domainOf,
  submitIssuance,
} from "../helpers/platform";
import { AssetStatus, otherChainDomain, otherContractDomain, recordsIn, ZERO_HEAD } from "./support";

const NONCE = 2n;

async function issuanceFixture() {
  const base = await deployPlatformFixture();
  const next = await buildIssuance(base.ledger, base.owner, base.verifier, { nonce: NONCE, units: 500n });
  return { ...base, next };
}

/** Art. 5.2: a refused issuance leaves no trace. */
async function expectNothingRecorded(ledger: SecuredAssetLedger, owner: string, nonce = NONCE) {
  expect(await ledger.assetCount()).to.equal(1n);
  expect(await ledger.isIssuanceNonceUsed(owner, nonce)).to.equal(false);
  expect((await ledger.assetInfo(2n)).status).to.equal(AssetStatus.None);
  expect(await ledger.balanceOf(owner, 2n)).to.equal(0n);
}

async function resignAttestation(i: IssuanceInput, signer: Signer, domain: TypedDataDomain): Promise<IssuanceInput> {
  const a = i.attestation;
  const signature = await signer.signTypedData(domain, ATTESTATION_TYPES, attestationMessage(a));
  return { ...i, attestation: { ...a, signature } };
}

function requestOf(i: IssuanceInput) {
  const a = i.attestation;
  return issuanceRequestMessage({
    owner: a.owner,
    assetType: i.assetType,
    decision: i.decision,
    issuer: i.issuer,
    evidenceHash: a.evidenceHash,
    verifier: a.verifier,
    nonce: a.nonce,
    deadline: i.requestDeadline,
  });
}

async function resignRequest(i: IssuanceInput, signer: Signer, domain: TypedDataDomain): Promise<IssuanceInput> {
  const ownerSignature = await signer.signTypedData(domain, ISSUANCE_TYPES, requestOf(i));
  return { ...i, ownerSignature };
}

describe("Issuance (Art. 5, 6.5, 6.7, 6.8, 7)", function () {
  describe("a complete issuance", function () {
    it("when every element is present and valid then the asset is issued to the attested owner with all its events", async function () {
      const { ledger, operator, owner, verifier, next } = await loadFixture(issuanceFixture);
      const tx = submitIssuance(ledger, operator, next);
      await expect(tx)
        .to.emit(ledger, "AssetIssued")
        .withArgs(2n, owner.address, GRAIN, 500n, next.attestation.evidenceHash, verifier.address, operator.address)
        .and.to.emit(ledger, "IssuanceDecisionRecorded")
        .withArgs(2n, next.decision.documentHash, next.decision.uri, OWNERSHIP_SHARE, next.decision.rightsExtent)
        .and.to.emit(ledger, "IssuerDetailsRecorded")
        .withArgs(2n, issuerDetailsHash(ISSUER), ISSUER.legalName, ISSUER.bin, ISSUER.registeredAddress)
        .and.to.emit(ledger, "TransferSingle")
        .withArgs(operator.address, ZeroAddress, owner.address, 2n, 500n);
      const postedAt = BigInt(await time.latest());
      const records = await recordsIn(ledger, tx);
      expect(records).to.deep.equal([
        {
          assetId: 2n,
          sequence: 1n,
          from: ZeroAddress,
          to: owner.address,
          amount: 500n,
          ref: next.decision.documentHash,
          postedAt,
        },
      ]);

      expect(await ledger.balanceOf(owner.address, 2n)).to.equal(500n);
      expect(await ledger.totalSupply(2n)).to.equal(500n);
      expect(await ledger.assetCount()).to.equal(2n);
      expect(await ledger.isIssuanceNonceUsed(owner.address, NONCE)).to.equal(true);
      expect(await ledger.uri(2n)).to.equal(next.decision.uri);
      const info = await ledger.assetInfo(2n);
      expect(info.status).to.equal(AssetStatus.Active);
      expect(info.issuer).to.equal(owner.address);
      expect(info.assetType).to.equal(GRAIN);
      expect(info.decisionHash).to.equal(next.decision.documentHash);
      expect(info.decisionURI).to.equal(next.decision.uri);
      expect(info.issuerDetailsHash).to.equal(issuerDetailsHash(ISSUER));
      expect(info.issuedUnits).to.equal(500n);
      expect(info.supply).to.equal(500n);
      expect(info.issuedAt).to.equal(postedAt);
      expect(info.recordCount).to.equal(1n);
      expect(info.recordHead).to.not.equal(ZERO_HEAD);
    });

    it("when issuing the largest allowed number of units (2^96-1) then it is accepted", async function () {
      const { ledger, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
      const max = 2n ** 96n - 1n;
      await submitIssuance(
        ledger,
        operator,
        await buildIssuance(ledger, owner, verifier, { nonce: NONCE, units: max }),
      );
      expect(await ledger.balanceOf(owner.address, 2n)).to.equal(max);
    });
  });

  describe("each missing or invalid element is refused with its own error and nothing is recorded (Art. 5.2)", function () {
    it("when the platform is paused then EnforcedPause", async function () {
      const { ledger, authority, operator, owner, next } = await loadFixture(issuanceFixture);
      await ledger.connect(authority).pause();
      await expect(submitIssuance(ledger, operator, next)).to.be.revertedWithCustomError(ledger, "EnforcedPause");
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the posting account holds neither the operator role nor a permit then AccessControlUnauthorizedAccount names the role", async function () {
      const { ledger, owner, outsider, next } = await loadFixture(issuanceFixture);
      await expect(submitIssuance(ledger, outsider, next))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, keccakText("OPERATOR_ROLE"));
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the asset type is not listed then AssetTypeNotRecognised", async function () {
      const { ledger, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
      const unlisted = keccakText("MONEY");
      const i = await buildIssuance(ledger, owner, verifier, { nonce: NONCE, assetType: unlisted });
      await expect(submitIssuance(ledger, operator, i))
        .to.be.revertedWithCustomError(ledger, "AssetTypeNotRecognised")
        .withArgs(unlisted);
      await expectNothingRecorded(ledger, owner.address);
    });

    const decisionCases: {
      name: string;
      error: string;
      patch: Partial<IssuanceInput["decision"]>;
      args?: unknown[];
    }[] = [
      {
        name: "the decision document hash is missing",
        error: "IssuanceDecisionHashMissing",
        patch: { documentHash: ZeroHash },
      },
      { name: "the decision URI is missing", error: "IssuanceDecisionURIMissing", patch: { uri: "" } },
      { name: "the rights type is missing", error: "IssuanceRightsTypeMissing", patch: { rightsType: ZeroHash } },
      { name: "the rights extent is missing", error: "IssuanceRightsExtentMissing", patch: { rightsExtent: "" } },
      { name: "the number of units is zero", error: "IssuanceUnitsInvalid", patch: { units: 0n }, args: [0n] },
      {
        name: "the number of units exceeds 2^96-1",
        error: "IssuanceUnitsInvalid",
        patch: { units: 2n ** 96n },
        args: [2n ** 96n],
      },
    ];
    for (const c of decisionCases) {
      it(`when ${c.name} then ${c.error}`, async function () {
        const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
        const broken = { ...next, decision: { ...next.decision, ...c.patch } };
        const assertion = expect(submitIssuance(ledger, operator, broken)).to.be.revertedWithCustomError(
          ledger,
          c.error,
        );
        if (c.args) await assertion.withArgs(...c.args);
        else await assertion;
        await expectNothingRecorded(ledger, owner.address);
      });
    }

    it("when the issuer's legal name is missing then IssuerLegalNameMissing", async function () {
      const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
      await expect(
        submitIssuance(ledger, operator, { ...next, issuer: { ...ISSUER, legalName: "" } }),
      ).to.be.revertedWithCustomError(ledger, "IssuerLegalNameMissing");
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the issuer's registered address is missing then IssuerAddressMissing", async function () {
      const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
      await expect(
        submitIssuance(ledger, operator, { ...next, issuer: { ...ISSUER, registeredAddress: "" } }),
      ).to.be.revertedWithCustomError(ledger, "IssuerAddressMissing");
      await expectNothingRecorded(ledger, owner.address);
    });

    for (const bin of ["", "19044000567", "1904400056789", "19044000567A", "1904 0005678"]) {
      it(`when the BIN is "${bin}" (not twelve digits) then IssuerIdentificationNumberInvalid`, async function () {
        const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
        await expect(submitIssuance(ledger, operator, { ...next, issuer: { ...ISSUER, bin } }))
          .to.be.revertedWithCustomError(ledger, "IssuerIdentificationNumberInvalid")
          .withArgs(bin);
        await expectNothingRecorded(ledger, owner.address);
      });
    }

    // Art. 5.1.5: twelve digits are not enough, the twelfth must be the mod-11 control digit of the first eleven.
    for (const [bin, why] of [
      ["190440005678", "wrong control digit"],
      ["230140012450", "eleven digits that no control digit completes"],
      ["１９０４４０００５６７６", "full-width digits"],
    ] as const) {
      it(`when the BIN is "${bin}" (${why}) then IssuerIdentificationNumberInvalid`, async function () {
        const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
        await expect(submitIssuance(ledger, operator, { ...next, issuer: { ...ISSUER, bin } }))
          .to.be.revertedWithCustomError(ledger, "IssuerIdentificationNumberInvalid")
          .withArgs(bin);
        await expectNothingRecorded(ledger, owner.address);
      });
    }

    it("when the collateral evidence is missing then CollateralEvidenceMissing", async function () {
      const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
      const broken = { ...next, attestation: { ...next.attestation, evidenceHash: ZeroHash } };
      await expect(submitIssuance(ledger, operator, broken)).to.be.revertedWithCustomError(
        ledger,
        "CollateralEvidenceMissing",
      );
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the attestation is for another asset type then CollateralAssetTypeMismatch", async function () {
      const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
      const broken = { ...next, attestation: { ...next.attestation, assetType: REAL_ESTATE } };
      await expect(submitIssuance(ledger, operator, broken))
        .to.be.revertedWithCustomError(ledger, "CollateralAssetTypeMismatch")
        .withArgs(REAL_ESTATE, GRAIN);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the attestation has expired then CollateralAttestationExpired", async function () {
      const { ledger, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
      const expiry = BigInt(await time.latest()) + 100n;
      const i = await buildIssuance(ledger, owner, verifier, { nonce: NONCE, expiry });
      await time.setNextBlockTimestamp(expiry + 1n);
      await expect(submitIssuance(ledger, operator, i))
        .to.be.revertedWithCustomError(ledger, "CollateralAttestationExpired")
        .withArgs(expiry, expiry + 1n);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the attestation was already used then CollateralAttestationUsed", async function () {
      const { ledger, operator, owner, issuance } = await loadFixture(deployPlatformFixture);
      await expect(submitIssuance(ledger, operator, issuance))
        .to.be.revertedWithCustomError(ledger, "CollateralAttestationUsed")
        .withArgs(owner.address, 1n);
      expect(await ledger.assetCount()).to.equal(1n);
    });

    it("when the same nonce is attested again with new evidence then CollateralAttestationUsed", async function () {
      const { ledger, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
      const again = await buildIssuance(ledger, owner, verifier, {
        nonce: 1n,
        evidence: keccakText("another receipt"),
      });
      await expect(submitIssuance(ledger, operator, again))
        .to.be.revertedWithCustomError(ledger, "CollateralAttestationUsed")
        .withArgs(owner.address, 1n);
    });

    it("when the signer does not hold VERIFIER_ROLE then CollateralVerifierNotTrusted", async function () {
      const { ledger, operator, owner, outsider } = await loadFixture(deployPlatformFixture);
      const i = await buildIssuance(ledger, owner, outsider, { nonce: NONCE });
      await expect(submitIssuance(ledger, operator, i))
        .to.be.revertedWithCustomError(ledger, "CollateralVerifierNotTrusted")
        .withArgs(outsider.address);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the attestation names a verifier but someone else signed it then CollateralAttestationSignatureInvalid", async function () {
      const { ledger, operator, owner, verifier, outsider, next } = await loadFixture(issuanceFixture);
      const forged = await resignAttestation(next, outsider, await domainOf(ledger));
      expect(forged.attestation.verifier).to.equal(verifier.address);
      await expect(submitIssuance(ledger, operator, forged))
        .to.be.revertedWithCustomError(ledger, "CollateralAttestationSignatureInvalid")
        .withArgs(verifier.address);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the attestation was signed for another chain id then CollateralAttestationSignatureInvalid", async function () {
      const { ledger, operator, owner, verifier, next } = await loadFixture(issuanceFixture);
      const foreign = await resignAttestation(next, verifier, await otherChainDomain(ledger));
      await expect(submitIssuance(ledger, operator, foreign))
        .to.be.revertedWithCustomError(ledger, "CollateralAttestationSignatureInvalid")
        .withArgs(verifier.address);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the attestation was signed for another contract then CollateralAttestationSignatureInvalid", async function () {
      const { ledger, operator, owner, verifier, next } = await loadFixture(issuanceFixture);
      const foreign = await resignAttestation(next, verifier, await otherContractDomain());
      await expect(submitIssuance(ledger, operator, foreign))
        .to.be.revertedWithCustomError(ledger, "CollateralAttestationSignatureInvalid")
        .withArgs(verifier.address);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the owner's request has expired then IssuanceRequestExpired", async function () {
      const { ledger, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
      const deadline = BigInt(await time.latest()) + 100n;
      const i = await buildIssuance(ledger, owner, verifier, { nonce: NONCE, deadline });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(submitIssuance(ledger, operator, i))
        .to.be.revertedWithCustomError(ledger, "IssuanceRequestExpired")
        .withArgs(deadline, deadline + 1n);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the owner's request is signed by someone else (the initiator is not the owner) then IssuanceRequestSignatureInvalid", async function () {
      const { ledger, operator, owner, alice, next } = await loadFixture(issuanceFixture);
      const forged = await resignRequest(next, alice, await domainOf(ledger));
      await expect(submitIssuance(ledger, operator, forged))
        .to.be.revertedWithCustomError(ledger, "IssuanceRequestSignatureInvalid")
        .withArgs(owner.address);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the owner's request was signed for another chain or contract then IssuanceRequestSignatureInvalid", async function () {
      const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
      for (const domain of [await otherChainDomain(ledger), await otherContractDomain()]) {
        const foreign = await resignRequest(next, owner, domain);
        await expect(submitIssuance(ledger, operator, foreign))
          .to.be.revertedWithCustomError(ledger, "IssuanceRequestSignatureInvalid")
          .withArgs(owner.address);
      }
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the operator alters the units after the verifier attested them then CollateralUnitsMismatch", async function () {
      const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
      const altered = { ...next, decision: { ...next.decision, units: next.decision.units + 1n } };
      await expect(submitIssuance(ledger, operator, altered))
        .to.be.revertedWithCustomError(ledger, "CollateralUnitsMismatch")
        .withArgs(next.decision.units, next.decision.units + 1n);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the units of the attestation and the decision are both altered, the verifier's signature no longer holds", async function () {
      const { ledger, operator, verifier, owner, next } = await loadFixture(issuanceFixture);
      const units = next.decision.units * 2n;
      const altered = { ...next, decision: { ...next.decision, units }, attestation: { ...next.attestation, units } };
      await expect(submitIssuance(ledger, operator, altered))
        .to.be.revertedWithCustomError(ledger, "CollateralAttestationSignatureInvalid")
        .withArgs(verifier.address);
      await expectNothingRecorded(ledger, owner.address);
    });

    // What the ledger stores or publishes about an issuance is the owner's: a relayer cannot change it.
    for (const [field, change] of [
      [
        "decision URI",
        (i: IssuanceInput) => ({ ...i, decision: { ...i.decision, uri: "https://evil.example/other.pdf" } }),
      ],
      [
        "rights type",
        (i: IssuanceInput) => ({ ...i, decision: { ...i.decision, rightsType: keccakText("CLAIM_RIGHT") } }),
      ],
      [
        "rights extent",
        (i: IssuanceInput) => ({ ...i, decision: { ...i.decision, rightsExtent: "1 unit = 1 kg of wheat" } }),
      ],
      [
        "issuer's registered address",
        (i: IssuanceInput) => ({ ...i, issuer: { ...i.issuer, registeredAddress: "Almaty, Abai 1" } }),
      ],
    ] as const) {
      it(`when the operator changes the ${field} after the owner signed then IssuanceRequestSignatureInvalid and nothing is recorded`, async function () {
        const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
        await expect(submitIssuance(ledger, operator, change(next)))
          .to.be.revertedWithCustomError(ledger, "IssuanceRequestSignatureInvalid")
          .withArgs(owner.address);
        await expectNothingRecorded(ledger, owner.address);
      });
    }

    it("when the relayer substitutes another trusted verifier's attestation then IssuanceRequestSignatureInvalid: the owner named the verifier", async function () {
      const { ledger, authority, operator, owner, outsider, next } = await loadFixture(issuanceFixture);
      await ledger.connect(authority).grantRole(keccakText("VERIFIER_ROLE"), outsider.address);
      const other = await resignAttestation(
        { ...next, attestation: { ...next.attestation, verifier: outsider.address } },
        outsider,
        await domainOf(ledger),
      );
      await expect(submitIssuance(ledger, operator, other))
        .to.be.revertedWithCustomError(ledger, "IssuanceRequestSignatureInvalid")
        .withArgs(owner.address);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the attested owner is the zero address then ParticipantInvalidAccount", async function () {
      const { ledger, operator, next } = await loadFixture(issuanceFixture);
      const broken = { ...next, attestation: { ...next.attestation, owner: ZeroAddress } };
      await expect(submitIssuance(ledger, operator, broken))
        .to.be.revertedWithCustomError(ledger, "ParticipantInvalidAccount")
        .withArgs(ZeroAddress);
      expect(await ledger.assetCount()).to.equal(1n);
    });

    it("when the owner is not a registered participant then ParticipantNotRegistered", async function () {
      const { ledger, operator, carol, verifier } = await loadFixture(deployPlatformFixture);
      const i = await buildIssuance(ledger, carol, verifier, { nonce: NONCE });
      await expect(submitIssuance(ledger, operator, i))
        .to.be.revertedWithCustomError(ledger, "ParticipantNotRegistered")
        .withArgs(carol.address);
      await expectNothingRecorded(ledger, carol.address);
    });

    it("when the owner is frozen then ParticipantIsFrozen", async function () {
      const { ledger, authority, operator, owner, next } = await loadFixture(issuanceFixture);
      await ledger.connect(authority).freezeParticipant(owner.address, "AFM order 12");
      await expect(submitIssuance(ledger, operator, next))
        .to.be.revertedWithCustomError(ledger, "ParticipantIsFrozen")
        .withArgs(owner.address);
      await expectNothingRecorded(ledger, owner.address);
    });

    it("when the owner has not acknowledged the current disclosure then DisclosureNotAcknowledged", async function () {
      const { ledger, operator, owner, next } = await loadFixture(issuanceFixture);
      await ledger
        .connect(operator)
        .publishDisclosure(keccakText("risk disclosure v2"), "https://platform.kz/risks/v2");
      await expect(submitIssuance(ledger, operator, next))
        .to.be.revertedWithCustomError(ledger, "DisclosureNotAcknowledged")
        .withArgs(owner.address, 1n, 2n);
      await expectNothingRecorded(ledger, owner.address);
      await ledger.connect(owner).acknowledgeDisclosure(2n);
      await expect(submitIssuance(ledger, operator, next)).to.emit(ledger, "AssetIssued");
    });

    it("when a refused issuance is corrected then the same attestation can still be used once", async function () {
      const { ledger, authority, operator, owner, next } = await loadFixture(issuanceFixture);
      await ledger.connect(authority).pause();
      await expect(submitIssuance(ledger, operator, next)).to.be.revertedWithCustomError(ledger, "EnforcedPause");
      await ledger.connect(authority).unpause();
      await submitIssuance(ledger, operator, next);
      await expect(submitIssuance(ledger, operator, next))
        .to.be.revertedWithCustomError(ledger, "CollateralAttestationUsed")
        .withArgs(owner.address, NONCE);
    });
  });
});
