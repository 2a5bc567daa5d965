import { getAddress, TypedDataEncoder, verifyTypedData } from "ethers";
import type { TypedDataDomain, TypedDataField } from "ethers";

/** What a wallet's eth_signTypedData_v4 takes: the domain, every type (EIP712Domain included), the message. */
export type TypedDataPayload = {
  domain: Record<string, unknown>;
  types: Record<string, TypedDataField[]>;
  primaryType: string;
  message: Record<string, unknown>;
};

/** A message as JSON shows it: numbers (bigint) as decimal strings, the rest as given. */
export function jsonMessage(message: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(message).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v] as const),
  );
}

function domainJson(d: TypedDataDomain): Record<string, unknown> {
  return { name: d.name, version: d.version, chainId: Number(d.chainId), verifyingContract: d.verifyingContract };
}

/**
 * The exact EIP-712 payload for a message in a domain, ready for eth_signTypedData_v4, with its digest (what the
 * ledger recovers the signer from). ethers builds the types (EIP712Domain from the domain's fields) and checks the
 * values against them; the message is returned with numbers as decimal strings.
 */
export function typedDataPayload(
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  message: Record<string, unknown>,
): TypedDataPayload & { digest: string } {
  const p = TypedDataEncoder.getPayload(domain, types, message) as TypedDataPayload;
  return {
    domain: domainJson(domain),
    types: p.types,
    primaryType: p.primaryType,
    message: jsonMessage(message),
    digest: TypedDataEncoder.hash(domain, types, message),
  };
}

/**
 * What a rejected signature is told (the details of a *_SIGNATURE_INVALID problem): who was expected to sign, who
 * the signature recovers to (null when it recovers to no address, e.g. malformed), and the typed data that was
 * checked, exactly as a wallet would be asked to sign it, with its digest. A contract wallet's (ERC-1271) refusal
 * shows the same: its own check said no.
 */
export function signatureMismatch(
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  message: Record<string, unknown>,
  signature: string,
  expectedSigner: string,
): { expectedSigner: string; recoveredSigner: string | null; typedData: TypedDataPayload & { digest: string } } {
  let typedData: TypedDataPayload & { digest: string };
  try {
    typedData = typedDataPayload(domain, types, message);
  } catch {
    // A value that does not fit its type: the message as received, no digest can be computed.
    const primaryType = Object.keys(types)[0];
    typedData = { domain: domainJson(domain), types, primaryType, message: jsonMessage(message), digest: "" };
    return { expectedSigner: getAddress(expectedSigner), recoveredSigner: null, typedData };
  }
  let recoveredSigner: string | null = null;
  try {
    recoveredSigner = getAddress(verifyTypedData(domain, types, message, signature));
  } catch {
    recoveredSigner = null;
  }
  return { expectedSigner: getAddress(expectedSigner), recoveredSigner, typedData };
}
