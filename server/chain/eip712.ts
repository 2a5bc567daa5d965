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
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint256" },
  ],
};

export const ISSUANCE_TYPES: Record<string, TypedDataField[]> = {
  IssuanceRequest: [
    { name: "owner", type: "address" },
    { name: "assetType", type: "bytes32" },
    { name: "decisionHash", type: "bytes32" },
    { name: "issuerDetailsHash", type: "bytes32" },
    { name: "units", type: "uint256" },
    { name: "evidenceHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
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
  return keccak256(AbiCoder.defaultAbiCoder().encode(["string", "string", "string"], [d.legalName, d.bin, d.registeredAddress]));
}
