/**
 * Kazakh business and individual identification numbers (BIN / IIN): twelve digits, the twelfth a mod-11 control
 * digit. The control digit is the weighted sum of the first eleven digits (weights 1..11) modulo 11; when that is
 * 10 the sum is taken again with weights 3..11, 1, 2, and a second 10 means no valid number has these eleven digits.
 * The ledger applies the same rule (contracts/ledger/IdentificationNumber.sol), so neither side accepts a number
 * the other refuses.
 */
const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const SECOND_WEIGHTS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/** The control digit for eleven leading digits, or null when no control digit makes them a valid number. */
export function controlDigit(first11: string): number | null {
  if (!/^[0-9]{11}$/.test(first11)) return null;
  const digits = [...first11].map(Number);
  const weighted = (weights: number[]) => digits.reduce((sum, d, i) => sum + d * weights[i], 0) % 11;
  let r = weighted(FIRST_WEIGHTS);
  if (r === 10) r = weighted(SECOND_WEIGHTS);
  return r === 10 ? null : r;
}

/** True when `value` is twelve ASCII digits whose last is the control digit of the first eleven. */
export function isValidIdentificationNumber(value: string): boolean {
  if (!/^[0-9]{12}$/.test(value)) return false;
  return controlDigit(value.slice(0, 11)) === Number(value[11]);
}
