import { ethers } from "hardhat";
import type { Signer } from "ethers";
import { encodeBytes32String, id as keccakText, ZeroHash } from "ethers";
import type { SecuredAssetLedger } from "../../typechain-types";
import {
  ACKNOWLEDGEMENT_TYPES,
  ATTESTATION_TYPES,
  ISSUANCE_TYPES,
  OBLIGATIONS_TYPES,
  REDEMPTION_TYPES,
  TRANSFER_TYPES,
  DECISION_CHANGE_TYPES,
  attestationMessage,
  decisionChangeMessage,
  issuanceRequestMessage,
  ledgerDomain,
  type IssuerDetails,
  type TransferAuthorization,
} from "../../server/domain/eip712";

export const REAL_ESTATE = encodeBytes32String("REAL_ESTATE");
export const GRAIN = encodeBytes32String("GRAIN");
export const OWNERSHIP_SHARE = encodeBytes32String("OWNERSHIP_SHARE");
export const Category = {
  None: 0,
  TangibleAsset: 1,
  Service: 2,
  IntellectualProperty: 3,
  IntellectualService: 4,
  Money: 5,
  LegalTender: 6,
  UnitOfAccount: 7,
  Security: 8,
  FinancialInstrument: 9,
} as const;
export const Kind = { None: 0, NaturalPerson: 1, IndividualEntrepreneur: 2, LegalEntity: 3 } as const;
export const Check = {
  Ok: 0n,
  PlatformPaused: 1n,
  OperatorNotPermitted: 2n,
  AssetNotActive: 3n,
  SenderNotRegistered: 4n,
  RecipientNotRegistered: 5n,
  SenderFrozen: 6n,
  RecipientFrozen: 7n,
  SenderNotAcknowledged: 8n,
  RecipientNotAcknowledged: 9n,
  InsufficientBalance: 10n,
  InsufficientUnfrozenBalance: 11n,
  AuthorizationExpired: 12n,
  NonceMismatch: 13n,
  SignatureInvalid: 14n,
  ZeroAmount: 15n,
  SelfTransfer: 16n,
  NonceExhausted: 17n,
} as const;
export const Basis = { None: 0, CourtDecision: 1, Inheritance: 2, LostKey: 3 } as const;

export const PERMIT = {
  legalName: "Digital Platform LLP",
  bin: "230140012340",
  permitNumber: "KZ-SDA-0001",
  scope: "issuance and circulation",
};
export const ISSUER: IssuerDetails = {
  legalName: "Steppe Grain LLP",
  bin: "190440005676",
  registeredAddress: "Astana, Mangilik El 55",
};
export const FAR_FUTURE = 4_000_000_000n;

/** The libraries the ledger is linked to, freshly deployed: name to address. */
export async function deployLedgerLibraries(): Promise<Record<string, string>> {
  const names = ["IssuanceRules", "RegisterRules", "LedgerMigration"];
  const deployed = await Promise.all(names.map((name) => ethers.deployContract(name)));
  return Object.fromEntries(await Promise.all(names.map(async (name, i) => [name, await deployed[i].getAddress()])));
}

export async function deployLedger(authority: string, operator: string, verifier: string): Promise<SecuredAssetLedger> {
  const factory = await ethers.getContractFactory("SecuredAssetLedger", { libraries: await deployLedgerLibraries() });
  const ledger = (await factory.deploy(authority, operator, verifier)) as unknown as SecuredAssetLedger;
  await ledger.waitForDeployment();
  return ledger;
}

export async function domainOf(ledger: SecuredAssetLedger) {
  const { chainId } = await ethers.provider.getNetwork();
  return ledgerDomain(chainId, await ledger.getAddress());
}

export async function signTransfer(
  ledger: SecuredAssetLedger,
  holder: Signer,
  auth: TransferAuthorization,
  domain?: Awaited<ReturnType<typeof domainOf>>,
) {
  return holder.signTypedData(domain ?? (await domainOf(ledger)), TRANSFER_TYPES, auth);
}

export async function signRedemption(
  ledger: SecuredAssetLedger,
  holder: Signer,
  r: { holder: string; assetId: bigint; amount: bigint; nonce: bigint; deadline: bigint; ref: string },
) {
  return holder.signTypedData(await domainOf(ledger), REDEMPTION_TYPES, r);
}

export async function signAcknowledgement(
  ledger: SecuredAssetLedger,
  account: Signer,
  version: bigint,
  deadline = FAR_FUTURE,
) {
  const d = await ledger.disclosure(version);
  return account.signTypedData(await domainOf(ledger), ACKNOWLEDGEMENT_TYPES, {
    account: await account.getAddress(),
    version,
    documentHash: d.documentHash,
    deadline,
  });
}

export async function signObligations(
  ledger: SecuredAssetLedger,
  issuer: Signer,
  assetId: bigint,
  deadline = FAR_FUTURE,
) {
  return issuer.signTypedData(await domainOf(ledger), OBLIGATIONS_TYPES, { assetId, deadline });
}

/** The issuer's signed order to change the decision document of `assetId` (Art. 7.1). */
export async function signDecisionChange(
  ledger: SecuredAssetLedger,
  issuer: Signer,
  c: { assetId: bigint; newHash: string; newUri: string; reason: string; deadline?: bigint; previousHash?: string },
) {
  const previousHash = c.previousHash ?? (await ledger.assetInfo(c.assetId)).decisionHash;
  return issuer.signTypedData(
    await domainOf(ledger),
    DECISION_CHANGE_TYPES,
    decisionChangeMessage({ ...c, previousHash, deadline: c.deadline ?? FAR_FUTURE }),
  );
}

export interface IssuanceInput {
  assetType: string;
  decision: { documentHash: string; uri: string; rightsType: string; rightsExtent: string; units: bigint };
  issuer: IssuerDetails;
  attestation: {
    owner: string;
    evidenceHash: string;
    assetType: string;
    units: bigint;
    nonce: bigint;
    expiry: bigint;
    verifier: string;
    signature: string;
  };
  requestDeadline: bigint;
  ownerSignature: string;
}

/** Builds a complete, validly signed issuance; `overrides` lets a test break one element. */
export async function buildIssuance(
  ledger: SecuredAssetLedger,
  owner: Signer,
  verifier: Signer,
  opts: {
    units?: bigint;
    nonce?: bigint;
    assetType?: string;
    evidence?: string;
    expiry?: bigint;
    deadline?: bigint;
    uri?: string;
  } = {},
): Promise<IssuanceInput> {
  const domain = await domainOf(ledger);
  const ownerAddress = await owner.getAddress();
  const assetType = opts.assetType ?? GRAIN;
  const units = opts.units ?? 1_000_000n;
  const nonce = opts.nonce ?? BigInt(Math.floor(Math.random() * 1e15));
  const evidenceHash = opts.evidence ?? keccakText(`warehouse receipt ${nonce}`);
  const expiry = opts.expiry ?? FAR_FUTURE;
  const deadline = opts.deadline ?? FAR_FUTURE;
  const decision = {
    documentHash: keccakText(`decision ${nonce}`),
    uri: opts.uri ?? "https://steppegrain.kz/decisions/2026-01.pdf",
    rightsType: OWNERSHIP_SHARE,
    rightsExtent: "1 unit = 1 tonne of wheat, class 3, stored at Kostanay elevator",
    units,
  };
  const verifierAddress = await verifier.getAddress();
  const attestationSignature = await verifier.signTypedData(
    domain,
    ATTESTATION_TYPES,
    attestationMessage({ owner: ownerAddress, evidenceHash, assetType, units, nonce, expiry }),
  );
  const ownerSignature = await owner.signTypedData(
    domain,
    ISSUANCE_TYPES,
    issuanceRequestMessage({
      owner: ownerAddress,
      assetType,
      decision,
      issuer: ISSUER,
      evidenceHash,
      verifier: verifierAddress,
      nonce,
      deadline,
    }),
  );
  return {
    assetType,
    decision,
    issuer: { ...ISSUER },
    attestation: {
      owner: ownerAddress,
      evidenceHash,
      assetType,
      units,
      nonce,
      expiry,
      verifier: verifierAddress,
      signature: attestationSignature,
    },
    requestDeadline: deadline,
    ownerSignature,
  };
}

export function submitIssuance(ledger: SecuredAssetLedger, operator: Signer, i: IssuanceInput) {
  return ledger
    .connect(operator)
    .issue(i.assetType, i.decision, i.issuer, i.attestation, i.requestDeadline, i.ownerSignature);
}

export async function onboard(
  ledger: SecuredAssetLedger,
  operator: Signer,
  account: Signer,
  kind: number = Kind.NaturalPerson,
) {
  const address = await account.getAddress();
  await ledger.connect(operator).registerParticipant(address, kind, keccakText(`kyc:${address}`));
  const version = await ledger.currentDisclosureVersion();
  await ledger.connect(account).acknowledgeDisclosure(version);
}

/**
 * A platform ready for business: operator permitted, two asset types listed, a disclosure published,
 * owner, alice and bob onboarded, and asset 1 (1,000,000 units) issued to the owner.
 */
export async function deployPlatformFixture() {
  const [deployer, authority, operator, verifier, owner, alice, bob, carol, outsider] = await ethers.getSigners();
  const ledger = await deployLedger(authority.address, operator.address, verifier.address);
  await ledger.connect(authority).grantPermit(operator.address, PERMIT);
  await ledger.connect(authority).listAssetType(GRAIN, "Grain in a certified elevator", Category.TangibleAsset);
  await ledger.connect(authority).listAssetType(REAL_ESTATE, "Real estate", Category.TangibleAsset);
  await ledger.connect(operator).publishDisclosure(keccakText("risk disclosure v1"), "https://platform.kz/risks/v1");
  for (const p of [owner, alice, bob]) await onboard(ledger, operator, p);
  const issuance = await buildIssuance(ledger, owner, verifier, { nonce: 1n });
  await submitIssuance(ledger, operator, issuance);
  const assetId = 1n;
  return { ledger, deployer, authority, operator, verifier, owner, alice, bob, carol, outsider, assetId, issuance };
}

export async function authorization(
  ledger: SecuredAssetLedger,
  from: Signer,
  to: string,
  assetId: bigint,
  amount: bigint,
  opts: { nonce?: bigint; deadline?: bigint; ref?: string } = {},
): Promise<{ auth: TransferAuthorization; signature: string }> {
  const fromAddress = await from.getAddress();
  const auth: TransferAuthorization = {
    from: fromAddress,
    to,
    assetId,
    amount,
    nonce: opts.nonce ?? (await ledger.nonceOf(fromAddress, assetId)),
    deadline: opts.deadline ?? FAR_FUTURE,
    ref: opts.ref ?? ZeroHash,
  };
  return { auth, signature: await signTransfer(ledger, from, auth) };
}
