import canonicalize from "canonicalize";
import { keccak256, toUtf8Bytes } from "ethers";

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), through npm `canonicalize` (by an RFC 8785 author): members sorted by
 * the UTF-16 code units of their names (at every level, "10" before "9"), no whitespace, strings and numbers as
 * ECMAScript's JSON.stringify writes them. The one canonical form of the gateway: identity hashes (a legal
 * artifact third parties recompute) and idempotency request hashes.
 *
 * Throws on what JSON cannot hold (NaN, Infinity) and on input that serializes to nothing (undefined).
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("nothing to canonicalize: the value has no JSON form");
  return text;
}

/**
 * A participant's identity hash, as registered on the ledger (`identityHashOf`): keccak256 of the UTF-8 bytes of the
 * RFC 8785 (JCS) form of the identity record (the `identity` object of `POST /v1/participants`, exactly as sent).
 * docs/design.md "Identity hash" has the recipe and a test vector.
 */
export const identityHashOf = (identity: Record<string, unknown>): string =>
  keccak256(toUtf8Bytes(canonicalJson(identity)));
