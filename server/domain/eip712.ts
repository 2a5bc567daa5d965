import { AbiCoder, keccak256 } from "ethers";
import type { TypedDataDomain, TypedDataField } from "ethers";

/**
 * EIP-712 types of every signed payload of the platform. The contract hashes the same strings
 * (SecuredAssetLedger.sol); the tests sign with these, and so do holders' wallets.
 */
export const DOMAIN_NAME = "SecuredDigitalAssets";
export const DOMAIN_VERSION = "1";

export function ledgerDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract };
}

export const TRANSFER_TYPES: Record<string, TypedDataField[]> = {
  TransferAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "assetId", type: "uint256" },
    { name: "amount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "ref", type: "bytes32" },
  ],
};

export const REDEMPTION_TYPES: Record<string, TypedDataField[]> = {
  Redemption: [
    { name: "holder", type: "address" },
    { name: "assetId", type: "uint256" },
    { name: "amount", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
    { name: "ref", type: "bytes32" },
  ],
};

export const ATTESTATION_TYPES: Record<string, TypedDataField[]> = {
  CollateralAttestation: [
    { name: "owner", type: "address" },
    { name: "evidenceHash", type: "bytes32" },
    { name: "assetType", type: "bytes32" },
    { name: "units", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint256" },
  ],
};

export const ISSUANCE_TYPES: Record<string, TypedDataField[]> = {
  IssuanceRequest: [
    { name: "owner", type: "address" },
    { name: "assetType", type: "bytes32" },
    { name: "decisionHash", type: "bytes32" },
    { name: "decisionUri", type: "string" },
    { name: "rightsType", type: "bytes32" },
    { name: "rightsExtent", type: "string" },
    { name: "issuerDetailsHash", type: "bytes32" },
    { name: "units", type: "uint256" },
    { name: "evidenceHash", type: "bytes32" },
    { name: "verifier", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The issuer's order to change the decision document (Art. 7.1); `previousHash` is the decision's hash now. */
export const DECISION_CHANGE_TYPES: Record<string, TypedDataField[]> = {
  DecisionChange: [
    { name: "assetId", type: "uint256" },
    { name: "previousHash", type: "bytes32" },
    { name: "newHash", type: "bytes32" },
    { name: "newUri", type: "string" },
    { name: "reason", type: "string" },
    { name: "deadline", type: "uint256" },
  ],
};

export const ACKNOWLEDGEMENT_TYPES: Record<string, TypedDataField[]> = {
  DisclosureAcknowledgement: [
    { name: "account", type: "address" },
    { name: "version", type: "uint32" },
    { name: "documentHash", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
};

export const OBLIGATIONS_TYPES: Record<string, TypedDataField[]> = {
  ObligationsFulfilled: [
    { name: "assetId", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export interface TransferAuthorization {
  from: string;
  to: string;
  assetId: bigint;
  amount: bigint;
  nonce: bigint;
  deadline: bigint;
  ref: string;
}

export interface IssuerDetails {
  legalName: string;
  bin: string;
  registeredAddress: string;
}

/** keccak256(abi.encode(legalName, bin, registeredAddress)), as the ledger binds issuer details to an asset. */
export function issuerDetailsHash(d: IssuerDetails): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["string", "string", "string"], [d.legalName, d.bin, d.registeredAddress]),
  );
}

/** The decision as the ledger receives it (ISecuredAssetLedger.IssuanceDecision). */
export interface IssuanceDecision {
  documentHash: string;
  uri: string;
  rightsType: string;
  rightsExtent: string;
  units: bigint | string | number;
}

/**
 * The owner's `IssuanceRequest` message: every field the ledger stores or publishes about the issuance (decision
 * hash, URI, rights type and extent, issuer details, units, collateral evidence, verifier), so that whoever relays
 * the request cannot change any of them.
 */
export function issuanceRequestMessage(r: {
  owner: string;
  assetType: string;
  decision: IssuanceDecision;
  issuer: IssuerDetails;
  evidenceHash: string;
  verifier: string;
  nonce: bigint | string | number;
  deadline: bigint | string | number;
}) {
  return {
    owner: r.owner,
    assetType: r.assetType,
    decisionHash: r.decision.documentHash,
    decisionUri: r.decision.uri,
    rightsType: r.decision.rightsType,
    rightsExtent: r.decision.rightsExtent,
    issuerDetailsHash: issuerDetailsHash(r.issuer),
    units: BigInt(r.decision.units),
    evidenceHash: r.evidenceHash,
    verifier: r.verifier,
    nonce: BigInt(r.nonce),
    deadline: BigInt(r.deadline),
  };
}

/** The verifier's `CollateralAttestation` message: the collateral secures `units` units of `assetType` for `owner`. */
export function attestationMessage(a: {
  owner: string;
  evidenceHash: string;
  assetType: string;
  units: bigint | string | number;
  nonce: bigint | string | number;
  expiry: bigint | string | number;
}) {
  return {
    owner: a.owner,
    evidenceHash: a.evidenceHash,
    assetType: a.assetType,
    units: BigInt(a.units),
    nonce: BigInt(a.nonce),
    expiry: BigInt(a.expiry),
  };
}

/**
 * The issuer's `DecisionChange` message (Art. 7.1): the asset, the decision's hash it replaces (the one in force
 * now, so an order made for another version does not apply), the new hash and URI, the reason and a deadline.
 */
export function decisionChangeMessage(c: {
  assetId: bigint | string | number;
  previousHash: string;
  newHash: string;
  newUri: string;
  reason: string;
  deadline: bigint | string | number;
}) {
  return {
    assetId: BigInt(c.assetId),
    previousHash: c.previousHash,
    newHash: c.newHash,
    newUri: c.newUri,
    reason: c.reason,
    deadline: BigInt(c.deadline),
  };
}
