import { getAddress } from "ethers";

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const MAX_CACHED = 50_000;
const cache = new Map<string, string>();

/**
 * The EIP-55 checksummed form of a hex address, or null when it is not one (wrong length, or a mixed-case input
 * whose checksum is wrong). Memoised: every request names its holders, and each checksum is a keccak in JS.
 */
export function checksumAddress(value: string): string | null {
  if (!HEX_ADDRESS.test(value)) return null;
  const lower = value.toLowerCase();
  let canonical = cache.get(lower);
  if (canonical === undefined) {
    canonical = getAddress(lower);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(lower, canonical);
  }
  const body = value.slice(2);
  const mixedCase = body !== body.toLowerCase() && body !== body.toUpperCase();
  return mixedCase && value !== canonical ? null : canonical;
}
