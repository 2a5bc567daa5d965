import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id as keccakText } from "ethers";
import {
  Basis,
  Category,
  Kind,
  PERMIT,
  buildIssuance,
  deployLedger,
  deployLedgerLibraries,
  deployPlatformFixture,
  submitIssuance,
} from "../helpers/platform";

const DEFAULT_ADMIN_ROLE = ZeroHash;
const AUTHORITY_ROLE = keccakText("AUTHORITY_ROLE");
const OPERATOR_ROLE = keccakText("OPERATOR_ROLE");
const VERIFIER_ROLE = keccakText("VERIFIER_ROLE");
const ROLES = { DEFAULT_ADMIN_ROLE, AUTHORITY_ROLE, OPERATOR_ROLE, VERIFIER_ROLE };

describe("Roles", function () {
  it("the deployer holds no role", async function () {
    const { ledger, deployer } = await loadFixture(deployPlatformFixture);
    for (const [name, role] of Object.entries(ROLES)) {
      expect(await ledger.hasRole(role, deployer.address), name).to.equal(false);
    }
  });

  it("the authority holds DEFAULT_ADMIN_ROLE and AUTHORITY_ROLE; the operator and verifier their own roles only", async function () {
    const { ledger, authority, operator, verifier } = await loadFixture(deployPlatformFixture);
    expect(await ledger.hasRole(DEFAULT_ADMIN_ROLE, authority.address)).to.equal(true);
    expect(await ledger.hasRole(AUTHORITY_ROLE, authority.address)).to.equal(true);
    expect(await ledger.hasRole(OPERATOR_ROLE, authority.address)).to.equal(false);
    expect(await ledger.hasRole(OPERATOR_ROLE, operator.address)).to.equal(true);
    expect(await ledger.hasRole(AUTHORITY_ROLE, operator.address)).to.equal(false);
    expect(await ledger.hasRole(DEFAULT_ADMIN_ROLE, operator.address)).to.equal(false);
    expect(await ledger.hasRole(VERIFIER_ROLE, verifier.address)).to.equal(true);
    expect(await ledger.hasRole(OPERATOR_ROLE, verifier.address)).to.equal(false);
  });

  it("the deployment emits RoleGranted for each role and makes the operator role the admin of VERIFIER_ROLE", async function () {
    const [deployer, authority, operator, verifier] = await ethers.getSigners();
    const ledger = await deployLedger(authority.address, operator.address, verifier.address);
    const tx = ledger.deploymentTransaction()!;
    await expect(tx).to.emit(ledger, "RoleGranted").withArgs(DEFAULT_ADMIN_ROLE, authority.address, deployer.address);
    await expect(tx).to.emit(ledger, "RoleGranted").withArgs(AUTHORITY_ROLE, authority.address, deployer.address);
    await expect(tx).to.emit(ledger, "RoleGranted").withArgs(OPERATOR_ROLE, operator.address, deployer.address);
    await expect(tx).to.emit(ledger, "RoleGranted").withArgs(VERIFIER_ROLE, verifier.address, deployer.address);
    await expect(tx).to.not.emit(ledger, "RoleAdminChanged");
    expect(await ledger.getRoleAdmin(VERIFIER_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);
    expect(await ledger.getRoleAdmin(OPERATOR_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);
    expect(await ledger.getRoleAdmin(AUTHORITY_ROLE)).to.equal(DEFAULT_ADMIN_ROLE);
  });

  it("when the authority is the zero address then the deployment is refused; operator and verifier may be left out", async function () {
    const [, authority, operator, verifier] = await ethers.getSigners();
    const factory = await ethers.getContractFactory("SecuredAssetLedger", { libraries: await deployLedgerLibraries() });
    await expect(factory.deploy(ZeroAddress, operator.address, verifier.address)).to.be.revertedWithCustomError(
      factory,
      "LedgerAuthorityMissing",
    );
    const bare = await deployLedger(authority.address, ZeroAddress, ZeroAddress);
    expect(await bare.hasRole(OPERATOR_ROLE, ZeroAddress)).to.equal(false);
    expect(await bare.hasRole(VERIFIER_ROLE, ZeroAddress)).to.equal(false);
  });

  it("when the authority grants and revokes OPERATOR_ROLE then RoleGranted and RoleRevoked, and the new operator with a permit can register participants", async function () {
    const { ledger, authority, carol, outsider } = await loadFixture(deployPlatformFixture);
    await expect(ledger.connect(authority).grantRole(OPERATOR_ROLE, carol.address))
      .to.emit(ledger, "RoleGranted")
      .withArgs(OPERATOR_ROLE, carol.address, authority.address);
    await expect(ledger.connect(carol).registerParticipant(outsider.address, Kind.NaturalPerson, keccakText("kyc")))
      .to.be.revertedWithCustomError(ledger, "OperatorNotPermitted")
      .withArgs(carol.address);
    await ledger.connect(authority).grantPermit(carol.address, PERMIT);
    await ledger.connect(carol).registerParticipant(outsider.address, Kind.NaturalPerson, keccakText("kyc"));
    await expect(ledger.connect(authority).revokeRole(OPERATOR_ROLE, carol.address))
      .to.emit(ledger, "RoleRevoked")
      .withArgs(OPERATOR_ROLE, carol.address, authority.address);
    await expect(ledger.connect(carol).deregisterParticipant(outsider.address))
      .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
      .withArgs(carol.address, OPERATOR_ROLE);
  });

  it("when an operator without a permit posts then OperatorNotPermitted: the role alone does not allow issuance", async function () {
    const { ledger, authority, owner, verifier, carol } = await loadFixture(deployPlatformFixture);
    await ledger.connect(authority).grantRole(OPERATOR_ROLE, carol.address);
    const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 2n });
    await expect(submitIssuance(ledger, carol, issuance))
      .to.be.revertedWithCustomError(ledger, "OperatorNotPermitted")
      .withArgs(carol.address);
    await ledger.connect(authority).grantPermit(carol.address, PERMIT);
    await expect(submitIssuance(ledger, carol, issuance)).to.emit(ledger, "AssetIssued");
  });

  it("the authority appoints verifiers: an operator cannot make itself or anyone the verifier of its own issuances", async function () {
    const { ledger, authority, operator, owner, carol } = await loadFixture(deployPlatformFixture);
    for (const candidate of [operator.address, carol.address]) {
      await expect(ledger.connect(operator).grantRole(VERIFIER_ROLE, candidate))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(operator.address, DEFAULT_ADMIN_ROLE);
    }
    await expect(submitIssuance(ledger, operator, await buildIssuance(ledger, owner, operator, { nonce: 2n })))
      .to.be.revertedWithCustomError(ledger, "CollateralVerifierNotTrusted")
      .withArgs(operator.address);
    await expect(ledger.connect(authority).grantRole(VERIFIER_ROLE, carol.address))
      .to.emit(ledger, "RoleGranted")
      .withArgs(VERIFIER_ROLE, carol.address, authority.address);
    await submitIssuance(ledger, operator, await buildIssuance(ledger, owner, carol, { nonce: 2n }));
    await expect(ledger.connect(operator).revokeRole(VERIFIER_ROLE, carol.address)).to.be.revertedWithCustomError(
      ledger,
      "AccessControlUnauthorizedAccount",
    );
    await expect(ledger.connect(authority).revokeRole(VERIFIER_ROLE, carol.address))
      .to.emit(ledger, "RoleRevoked")
      .withArgs(VERIFIER_ROLE, carol.address, authority.address);
    await expect(submitIssuance(ledger, operator, await buildIssuance(ledger, owner, carol, { nonce: 3n })))
      .to.be.revertedWithCustomError(ledger, "CollateralVerifierNotTrusted")
      .withArgs(carol.address);
  });

  it("an operator cannot grant OPERATOR_ROLE or AUTHORITY_ROLE", async function () {
    const { ledger, operator, carol } = await loadFixture(deployPlatformFixture);
    for (const role of [OPERATOR_ROLE, AUTHORITY_ROLE, DEFAULT_ADMIN_ROLE]) {
      await expect(ledger.connect(operator).grantRole(role, carol.address))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(operator.address, DEFAULT_ADMIN_ROLE);
    }
  });

  it("non-authority accounts cannot pause, unpause, suspend or resume assets, force transfers or keep the registers", async function () {
    const { ledger, authority, operator, alice, bob, assetId } = await loadFixture(deployPlatformFixture);
    const ref = keccakText("court");
    for (const caller of [operator, alice]) {
      const as = ledger.connect(caller);
      const calls = [
        () => as.pause(),
        () => as.suspendAsset(assetId, "r"),
        () => as.forcedTransfer(alice.address, bob.address, assetId, 1n, Basis.CourtDecision, ref),
        () => as.listAssetType(keccakText("X"), "X", Category.TangibleAsset),
        () => as.grantPermit(caller.address, PERMIT),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, AUTHORITY_ROLE);
      }
    }
    await ledger.connect(authority).pause();
    await expect(ledger.connect(operator).unpause())
      .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
      .withArgs(operator.address, AUTHORITY_ROLE);
    await ledger.connect(authority).unpause();
    await ledger.connect(authority).suspendAsset(assetId, "r");
    await expect(ledger.connect(operator).resumeAsset(assetId, "r"))
      .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
      .withArgs(operator.address, AUTHORITY_ROLE);
  });

  it("the authority can hand over its roles and renounce them, leaving the deployer-free set-up intact", async function () {
    const { ledger, authority, carol } = await loadFixture(deployPlatformFixture);
    await ledger.connect(authority).grantRole(AUTHORITY_ROLE, carol.address);
    await ledger.connect(authority).grantRole(DEFAULT_ADMIN_ROLE, carol.address);
    await expect(ledger.connect(authority).renounceRole(AUTHORITY_ROLE, authority.address))
      .to.emit(ledger, "RoleRevoked")
      .withArgs(AUTHORITY_ROLE, authority.address, authority.address);
    await expect(ledger.connect(authority).pause())
      .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
      .withArgs(authority.address, AUTHORITY_ROLE);
    await ledger.connect(carol).pause();
    expect(await ledger.paused()).to.equal(true);
  });
});
