import { expect } from "chai";
import hre, { ethers, ignition } from "hardhat";
import PlatformModule from "../../ignition/modules/Platform";

describe("Ignition deployment module", () => {
  it("deploys the ledger linked to its library, with roles for the parameters and none for the deployer", async () => {
    const [deployer, authority, operator, verifier] = await ethers.getSigners();
    const { ledger } = await ignition.deploy(PlatformModule, {
      parameters: {
        SecuredAssetPlatform: { authority: authority.address, operator: operator.address, verifier: verifier.address },
      },
    });
    const typed = await ethers.getContractAt("SecuredAssetLedger", await ledger.getAddress());
    const AUTHORITY = ethers.id("AUTHORITY_ROLE");
    const OPERATOR = ethers.id("OPERATOR_ROLE");
    const VERIFIER = ethers.id("VERIFIER_ROLE");
    expect(await typed.hasRole(AUTHORITY, authority.address)).to.equal(true);
    expect(await typed.hasRole(await typed.DEFAULT_ADMIN_ROLE(), authority.address)).to.equal(true);
    expect(await typed.hasRole(OPERATOR, operator.address)).to.equal(true);
    expect(await typed.hasRole(VERIFIER, verifier.address)).to.equal(true);
    for (const role of [AUTHORITY, OPERATOR, VERIFIER, await typed.DEFAULT_ADMIN_ROLE()]) {
      expect(await typed.hasRole(role, deployer.address)).to.equal(false);
    }
    // A freshly deployed platform posts nothing until the authority grants a permit.
    expect(await typed.isPermitted(operator.address)).to.equal(false);
    expect(hre.network.name).to.equal("hardhat");
  });
});
