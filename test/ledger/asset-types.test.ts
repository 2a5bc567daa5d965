import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash, encodeBytes32String, keccak256 } from "ethers";
import { Category, GRAIN, buildIssuance, deployPlatformFixture, submitIssuance } from "../helpers/platform";

const AUTHORITY_ROLE = keccak256(Buffer.from("AUTHORITY_ROLE"));
const ART = encodeBytes32String("ARTWORK");

describe("Recognised asset types (Art. 4.1.8, 5.1.1, 5.1.3-4)", function () {
  it("when the authority lists a type then AssetTypeListed and it is recognised with its name and category", async function () {
    const { ledger, authority } = await loadFixture(deployPlatformFixture);
    await expect(ledger.connect(authority).listAssetType(ART, "Works of art", Category.IntellectualProperty))
      .to.emit(ledger, "AssetTypeListed")
      .withArgs(ART, "Works of art", Category.IntellectualProperty);
    expect(await ledger.isRecognisedAssetType(ART)).to.equal(true);
    const entry = await ledger.assetType(ART);
    expect(entry.listed).to.equal(true);
    expect(entry.category).to.equal(BigInt(Category.IntellectualProperty));
    expect(entry.name).to.equal("Works of art");
  });

  for (const category of ["TangibleAsset", "Service", "IntellectualProperty", "IntellectualService"] as const) {
    it(`when the category is ${category} then the type can be listed`, async function () {
      const { ledger, authority } = await loadFixture(deployPlatformFixture);
      await ledger.connect(authority).listAssetType(ART, "eligible", Category[category]);
      expect(await ledger.isRecognisedAssetType(ART)).to.equal(true);
    });
  }

  for (const category of [
    "None",
    "Money",
    "LegalTender",
    "UnitOfAccount",
    "Security",
    "FinancialInstrument",
  ] as const) {
    it(`when the category is ${category} then the type can never be listed (AssetTypeCategoryNotEligible)`, async function () {
      const { ledger, authority } = await loadFixture(deployPlatformFixture);
      await expect(ledger.connect(authority).listAssetType(ART, "ineligible", Category[category]))
        .to.be.revertedWithCustomError(ledger, "AssetTypeCategoryNotEligible")
        .withArgs(ART, Category[category]);
      expect(await ledger.isRecognisedAssetType(ART)).to.equal(false);
    });
  }

  it("when the code is already listed then AssetTypeAlreadyListed", async function () {
    const { ledger, authority } = await loadFixture(deployPlatformFixture);
    await expect(ledger.connect(authority).listAssetType(GRAIN, "Grain again", Category.TangibleAsset))
      .to.be.revertedWithCustomError(ledger, "AssetTypeAlreadyListed")
      .withArgs(GRAIN);
  });

  it("when the code or the name is empty then AssetTypeInvalid", async function () {
    const { ledger, authority } = await loadFixture(deployPlatformFixture);
    await expect(ledger.connect(authority).listAssetType(ZeroHash, "No code", Category.TangibleAsset))
      .to.be.revertedWithCustomError(ledger, "AssetTypeInvalid")
      .withArgs(ZeroHash);
    await expect(ledger.connect(authority).listAssetType(ART, "", Category.TangibleAsset))
      .to.be.revertedWithCustomError(ledger, "AssetTypeInvalid")
      .withArgs(ART);
  });

  it("when anyone but the authority lists or delists then AccessControlUnauthorizedAccount", async function () {
    const { ledger, operator } = await loadFixture(deployPlatformFixture);
    await expect(ledger.connect(operator).listAssetType(ART, "Works of art", Category.TangibleAsset))
      .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
      .withArgs(operator.address, AUTHORITY_ROLE);
    await expect(ledger.connect(operator).delistAssetType(GRAIN))
      .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
      .withArgs(operator.address, AUTHORITY_ROLE);
  });

  it("when the authority delists a type then AssetTypeDelisted and it is no longer recognised", async function () {
    const { ledger, authority } = await loadFixture(deployPlatformFixture);
    await expect(ledger.connect(authority).delistAssetType(GRAIN)).to.emit(ledger, "AssetTypeDelisted").withArgs(GRAIN);
    expect(await ledger.isRecognisedAssetType(GRAIN)).to.equal(false);
  });

  it("when an unlisted code is delisted then AssetTypeNotRecognised", async function () {
    const { ledger, authority } = await loadFixture(deployPlatformFixture);
    await expect(ledger.connect(authority).delistAssetType(ART))
      .to.be.revertedWithCustomError(ledger, "AssetTypeNotRecognised")
      .withArgs(ART);
  });

  it("when a delisted type is listed again then it is recognised again", async function () {
    const { ledger, authority } = await loadFixture(deployPlatformFixture);
    await ledger.connect(authority).delistAssetType(GRAIN);
    await ledger.connect(authority).listAssetType(GRAIN, "Grain, relisted", Category.TangibleAsset);
    expect(await ledger.isRecognisedAssetType(GRAIN)).to.equal(true);
  });

  it("when the type was never listed then issuance is refused with AssetTypeNotRecognised", async function () {
    const { ledger, operator, owner, verifier } = await loadFixture(deployPlatformFixture);
    const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 2n, assetType: ART });
    await expect(submitIssuance(ledger, operator, issuance))
      .to.be.revertedWithCustomError(ledger, "AssetTypeNotRecognised")
      .withArgs(ART);
  });

  it("when the type was delisted then new issuance is refused but assets already issued keep circulating", async function () {
    const { ledger, authority, operator, owner, alice, verifier, assetId } = await loadFixture(deployPlatformFixture);
    await ledger.connect(authority).delistAssetType(GRAIN);
    const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 2n });
    await expect(submitIssuance(ledger, operator, issuance))
      .to.be.revertedWithCustomError(ledger, "AssetTypeNotRecognised")
      .withArgs(GRAIN);
    await ledger.connect(owner).safeTransferFrom(owner.address, alice.address, assetId, 5n, "0x");
    expect(await ledger.balanceOf(alice.address, assetId)).to.equal(5n);
  });
});
