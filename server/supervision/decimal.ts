/** Decimal amounts of declared value: up to 6 fraction digits, computed as bigint millionths. */
export const VALUE_PATTERN = /^(0|[1-9][0-9]{0,59})(\.[0-9]{1,6})?$/;
const SCALE = 1_000_000n;

export function toMicro(value: string): bigint {
  if (!VALUE_PATTERN.test(value)) throw new Error(`not a decimal value: ${value}`);
  const [whole, frac = ""] = value.split(".");
  return BigInt(whole) * SCALE + BigInt(frac.padEnd(6, "0"));
}

export function fromMicro(micro: bigint): string {
  const whole = micro / SCALE;
  const frac = (micro % SCALE).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : whole.toString();
}
