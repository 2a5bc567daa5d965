import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, ZeroAddress, ZeroHash, id as keccakText, keccak256 } from "ethers";
import { PERMIT, authorization, buildIssuance, deployPlatformFixture, submitIssuance } from "../helpers/platform";
import { PermitStatus } from "./support";

const AUTHORITY_ROLE = keccak256(Buffer.from("AUTHORITY_ROLE"));
const detailsHash = (d: typeof PERMIT) =>
  keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["string", "string", "string", "string"],
      [d.legalName, d.bin, d.permitNumber, d.scope],
    ),
  );

describe("Permit register (Art. 4.1.10, 4.1.14, 6.1, 6.2)", function () {
  describe("grant", function () {
    it("when the authority grants a permit with all details then the operator is permitted and PermitGranted carries the texts", async function () {
      const { ledger, authority, carol } = await loadFixture(deployPlatformFixture);
      await ledger.connect(authority).grantRole(keccakText("OPERATOR_ROLE"), carol.address);
      expect(await ledger.isPermitted(carol.address)).to.equal(false);
      await expect(ledger.connect(authority).grantPermit(carol.address, PERMIT))
        .to.emit(ledger, "PermitGranted")
        .withArgs(carol.address, PERMIT.legalName, PERMIT.bin, PERMIT.permitNumber, PERMIT.scope);
      expect(await ledger.isPermitted(carol.address)).to.equal(true);
      const [state, hash] = await ledger.permitOf(carol.address);
      expect(state.status).to.equal(PermitStatus.Active);
      expect(state.suspendedUntil).to.equal(0n);
      expect(state.grantedAt).to.equal(BigInt(await time.latest()));
      expect(hash).to.equal(detailsHash(PERMIT));
    });

    for (const field of ["legalName", "bin", "permitNumber", "scope"] as const) {
      it(`when the ${field} is empty then the grant is refused with PermitDetailMissing("${field}")`, async function () {
        const { ledger, authority, carol } = await loadFixture(deployPlatformFixture);
        await expect(ledger.connect(authority).grantPermit(carol.address, { ...PERMIT, [field]: "" }))
          .to.be.revertedWithCustomError(ledger, "PermitDetailMissing")
          .withArgs(field);
        expect(await ledger.isPermitted(carol.address)).to.equal(false);
      });
    }

    // Art. 4.1.14: the register names the operator by its BIN, twelve digits ending in the mod-11 control digit.
    for (const [bin, why] of [
      ["abc", "not digits"],
      ["230140012345", "wrong control digit"],
      ["23014001234", "eleven digits"],
      ["2301400123400", "thirteen digits"],
      ["230140012450", "eleven digits that no control digit completes"],
      ["２３０１４００１２３４０", "full-width digits"],
      ["٢٣٠١٤٠٠١٢٣٤٠", "Arabic-Indic digits"],
    ] as const) {
      it(`when the BIN is "${bin}" (${why}) then the grant is refused with PermitIdentificationNumberInvalid and nothing is granted`, async function () {
        const { ledger, authority, carol } = await loadFixture(deployPlatformFixture);
        await expect(ledger.connect(authority).grantPermit(carol.address, { ...PERMIT, bin }))
          .to.be.revertedWithCustomError(ledger, "PermitIdentificationNumberInvalid")
          .withArgs(bin);
        expect(await ledger.isPermitted(carol.address)).to.equal(false);
        const [state, hash] = await ledger.permitOf(carol.address);
        expect(state.status).to.equal(PermitStatus.None);
        expect(hash).to.equal(ZeroHash);
      });
    }

    it("when the BIN's control digit comes from the second weights (first remainder 10) then the grant is accepted", async function () {
      const { ledger, authority, carol } = await loadFixture(deployPlatformFixture);
      const details = { ...PERMIT, bin: "230140012400" };
      await expect(ledger.connect(authority).grantPermit(carol.address, details))
        .to.emit(ledger, "PermitGranted")
        .withArgs(carol.address, details.legalName, details.bin, details.permitNumber, details.scope);
      expect((await ledger.permitOf(carol.address))[0].status).to.equal(PermitStatus.Active);
    });

    it("when the operator address is zero then the grant is refused", async function () {
      const { ledger, authority } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).grantPermit(ZeroAddress, PERMIT))
        .to.be.revertedWithCustomError(ledger, "PermitInvalidOperator")
        .withArgs(ZeroAddress);
    });

    it("when the operator already holds an unrevoked permit then a second grant is refused", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).grantPermit(operator.address, PERMIT))
        .to.be.revertedWithCustomError(ledger, "PermitAlreadyGranted")
        .withArgs(operator.address);
    });

    it("when anyone but the authority grants then AccessControlUnauthorizedAccount", async function () {
      const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(operator).grantPermit(carol.address, PERMIT))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(operator.address, AUTHORITY_ROLE);
    });
  });

  describe("suspension", function () {
    it("when the authority suspends with a reason and an end time then PermitSuspended and the operator is not permitted", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await expect(ledger.connect(authority).suspendPermit(operator.address, "AML inspection", until))
        .to.emit(ledger, "PermitSuspended")
        .withArgs(operator.address, "AML inspection", until);
      expect(await ledger.isPermitted(operator.address)).to.equal(false);
      const [state] = await ledger.permitOf(operator.address);
      expect(state.status).to.equal(PermitStatus.Suspended);
      expect(state.suspendedUntil).to.equal(until);
    });

    it("when the end time is not in the future then PermitSuspensionEndNotInFuture", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      const past = BigInt(await time.latest()) - 1n;
      await time.setNextBlockTimestamp((await time.latest()) + 10);
      await expect(ledger.connect(authority).suspendPermit(operator.address, "AML inspection", past))
        .to.be.revertedWithCustomError(ledger, "PermitSuspensionEndNotInFuture")
        .withArgs(past, BigInt(await time.latest()) + 10n);
    });

    it("when the reason is empty then PermitReasonMissing", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await expect(ledger.connect(authority).suspendPermit(operator.address, "", until)).to.be.revertedWithCustomError(
        ledger,
        "PermitReasonMissing",
      );
    });

    it("when the operator has no permit then suspension is refused with PermitNotFound", async function () {
      const { ledger, authority, carol } = await loadFixture(deployPlatformFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await expect(ledger.connect(authority).suspendPermit(carol.address, "x", until))
        .to.be.revertedWithCustomError(ledger, "PermitNotFound")
        .withArgs(carol.address);
    });

    it("when the permit is already suspended then a second suspension is refused with PermitNotActive", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await ledger.connect(authority).suspendPermit(operator.address, "AML inspection", until);
      await expect(ledger.connect(authority).suspendPermit(operator.address, "again", until + 1n))
        .to.be.revertedWithCustomError(ledger, "PermitNotActive")
        .withArgs(operator.address);
    });

    it("when suspended then issuance through the operator is refused with OperatorNotPermitted", async function () {
      const { ledger, authority, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
      await ledger
        .connect(authority)
        .suspendPermit(operator.address, "AML inspection", BigInt(await time.latest()) + 3600n);
      const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 2n });
      await expect(submitIssuance(ledger, operator, issuance))
        .to.be.revertedWithCustomError(ledger, "OperatorNotPermitted")
        .withArgs(operator.address);
    });

    it("when suspended then relayed transfers are refused with OperatorNotPermitted", async function () {
      const { ledger, authority, operator, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
      await ledger
        .connect(authority)
        .suspendPermit(operator.address, "AML inspection", BigInt(await time.latest()) + 3600n);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 10n);
      await expect(ledger.connect(operator).transferWithAuthorization(auth, signature))
        .to.be.revertedWithCustomError(ledger, "OperatorNotPermitted")
        .withArgs(operator.address);
    });

    it("when the end time is reached then the suspension ends by itself and the operator posts again", async function () {
      const { ledger, authority, operator, owner, alice, assetId } = await loadFixture(deployPlatformFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await ledger.connect(authority).suspendPermit(operator.address, "AML inspection", until);
      await time.increaseTo(until - 2n);
      expect(await ledger.isPermitted(operator.address)).to.equal(false);
      await time.increaseTo(until);
      expect(await ledger.isPermitted(operator.address)).to.equal(true);
      const { auth, signature } = await authorization(ledger, owner, alice.address, assetId, 10n);
      await ledger.connect(operator).transferWithAuthorization(auth, signature);
      expect(await ledger.balanceOf(alice.address, assetId)).to.equal(10n);
    });

    it("when a lapsed suspension is resumed then PermitNotSuspended", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await ledger.connect(authority).suspendPermit(operator.address, "AML inspection", until);
      await time.increaseTo(until);
      await expect(ledger.connect(authority).resumePermit(operator.address))
        .to.be.revertedWithCustomError(ledger, "PermitNotSuspended")
        .withArgs(operator.address);
    });

    it("when the authority resumes a suspended permit before its end then PermitResumed and the operator is permitted", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      await ledger
        .connect(authority)
        .suspendPermit(operator.address, "AML inspection", BigInt(await time.latest()) + 3600n);
      await expect(ledger.connect(authority).resumePermit(operator.address))
        .to.emit(ledger, "PermitResumed")
        .withArgs(operator.address);
      expect(await ledger.isPermitted(operator.address)).to.equal(true);
      const [state] = await ledger.permitOf(operator.address);
      expect(state.status).to.equal(PermitStatus.Active);
      expect(state.suspendedUntil).to.equal(0n);
    });

    it("when an active permit is resumed then PermitNotSuspended", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).resumePermit(operator.address))
        .to.be.revertedWithCustomError(ledger, "PermitNotSuspended")
        .withArgs(operator.address);
    });

    it("when anyone but the authority suspends or resumes then AccessControlUnauthorizedAccount", async function () {
      const { ledger, operator } = await loadFixture(deployPlatformFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await expect(ledger.connect(operator).suspendPermit(operator.address, "x", until))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(operator.address, AUTHORITY_ROLE);
      await expect(ledger.connect(operator).resumePermit(operator.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(operator.address, AUTHORITY_ROLE);
    });
  });

  describe("revocation", function () {
    it("when the authority revokes on a court decision then PermitRevoked and issuance is refused", async function () {
      const { ledger, authority, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).revokePermit(operator.address, "Astana SMEC 2-1234/2026"))
        .to.emit(ledger, "PermitRevoked")
        .withArgs(operator.address, "Astana SMEC 2-1234/2026");
      expect(await ledger.isPermitted(operator.address)).to.equal(false);
      const [state] = await ledger.permitOf(operator.address);
      expect(state.status).to.equal(PermitStatus.Revoked);
      const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 2n });
      await expect(submitIssuance(ledger, operator, issuance))
        .to.be.revertedWithCustomError(ledger, "OperatorNotPermitted")
        .withArgs(operator.address);
    });

    it("when a suspended permit is revoked then it stays revoked after the suspension end", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      const until = BigInt(await time.latest()) + 3600n;
      await ledger.connect(authority).suspendPermit(operator.address, "AML inspection", until);
      await ledger.connect(authority).revokePermit(operator.address, "court decision 7");
      await time.increaseTo(until + 1n);
      expect(await ledger.isPermitted(operator.address)).to.equal(false);
    });

    it("when the court decision is empty then PermitReasonMissing", async function () {
      const { ledger, authority, operator } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).revokePermit(operator.address, "")).to.be.revertedWithCustomError(
        ledger,
        "PermitReasonMissing",
      );
    });

    it("when the permit is already revoked then PermitAlreadyRevoked; unknown operator then PermitNotFound", async function () {
      const { ledger, authority, operator, carol } = await loadFixture(deployPlatformFixture);
      await ledger.connect(authority).revokePermit(operator.address, "court decision 7");
      await expect(ledger.connect(authority).revokePermit(operator.address, "court decision 8"))
        .to.be.revertedWithCustomError(ledger, "PermitAlreadyRevoked")
        .withArgs(operator.address);
      await expect(ledger.connect(authority).revokePermit(carol.address, "court decision 8"))
        .to.be.revertedWithCustomError(ledger, "PermitNotFound")
        .withArgs(carol.address);
    });

    it("when anyone but the authority revokes then AccessControlUnauthorizedAccount", async function () {
      const { ledger, operator } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(operator).revokePermit(operator.address, "court"))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(operator.address, AUTHORITY_ROLE);
    });

    it("when a revoked operator is granted a new permit then it is permitted again with the new details", async function () {
      const { ledger, authority, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
      await ledger.connect(authority).revokePermit(operator.address, "court decision 7");
      const renewed = { ...PERMIT, permitNumber: "KZ-SDA-0002" };
      await expect(ledger.connect(authority).grantPermit(operator.address, renewed))
        .to.emit(ledger, "PermitGranted")
        .withArgs(operator.address, renewed.legalName, renewed.bin, renewed.permitNumber, renewed.scope);
      expect(await ledger.isPermitted(operator.address)).to.equal(true);
      const [state, hash] = await ledger.permitOf(operator.address);
      expect(state.status).to.equal(PermitStatus.Active);
      expect(hash).to.equal(detailsHash(renewed));
      const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 2n });
      await expect(submitIssuance(ledger, operator, issuance)).to.emit(ledger, "AssetIssued");
    });
  });
});
