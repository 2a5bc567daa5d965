/**
 * Differential property test: the ledger's BIN/IIN rule (contracts/ledger/IdentificationNumber.sol, reached through
 * the test-only contracts/test/IdentificationNumberProbe.sol) and the gateway's (server/domain/identification-number.ts)
 * give the same answer for every string, so neither side accepts a number the other refuses (Art. 5.1.5).
 *
 * The strings are mostly twelve characters drawn mostly from digits: valid numbers, eleven digits whose first
 * weighted remainder is 10 (control digit from the second weights) or whose both remainders are 10 (no control
 * digit) followed by any character, valid numbers with one character changed, and strings of other lengths or with
 * non-digit and non-ASCII characters.
 * PROPERTY_SEED replays a seed.
 */
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { IdentificationNumberProbe } from "../../typechain-types";
import { controlDigit, isValidIdentificationNumber } from "../../server/domain/identification-number";

const RUNS = 100;
const BATCH = 64;
const seed = process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {};

const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const firstRemainder = (first11: string) => [...first11].reduce((s, d, i) => s + Number(d) * FIRST_WEIGHTS[i], 0) % 11;

const digit = fc.constantFrom(..."0123456789");
const digits = (n: number) => fc.array(digit, { minLength: n, maxLength: n }).map((a) => a.join(""));
/** Characters next to the digits in ASCII, separators, letters and digits of other scripts (full-width, Arabic-Indic). */
const nonDigit = fc.constantFrom(..."/:. -aAO\u00a0\uff10\uff19\u0660\u0669\u06f5\u0966");

/** Eleven digits whose weighted sum with weights 1..11 leaves remainder 10. */
const remainder10Prefix = digits(11).filter((p) => firstRemainder(p) === 10);
/** Eleven digits that leave remainder 10 with both weight sets: no twelfth digit makes them valid. */
const noControlDigitPrefix = digits(11).filter((p) => controlDigit(p) === null);
/** A twelfth character: a digit, or ":" (the character after "9", "digit" 10) or another non-digit. */
const twelfth = fc.oneof(digit, fc.constant(":"), nonDigit);

const arbitraries = {
  "valid numbers": digits(11)
    .filter((p) => controlDigit(p) !== null)
    .map((p) => p + String(controlDigit(p))),
  "first remainder 10, any twelfth character": fc.tuple(remainder10Prefix, twelfth).map(([p, c]) => p + c),
  "no control digit, any twelfth character": fc.tuple(noControlDigitPrefix, twelfth).map(([p, c]) => p + c),
  "twelve random digits": digits(12),
  "valid numbers with one character changed": fc
    .tuple(digits(11), fc.nat(11), fc.oneof(digit, nonDigit))
    .filter(([p]) => controlDigit(p) !== null)
    .map(([p, i, c]) => {
      const s = p + String(controlDigit(p));
      return s.slice(0, i) + c + s.slice(i + 1);
    }),
  "twelve characters of digits and non-digits": fc
    .array(fc.oneof({ weight: 5, arbitrary: digit }, { weight: 1, arbitrary: nonDigit }), {
      minLength: 12,
      maxLength: 12,
    })
    .map((a) => a.join("")),
  "ten to fourteen digits": fc.integer({ min: 10, max: 14 }).chain(digits),
};

async function probeFixture() {
  return (await ethers.deployContract("IdentificationNumberProbe")) as unknown as IdentificationNumberProbe;
}

describe("BIN/IIN rule: ledger and gateway agree (Art. 5.1.5)", function () {
  for (const [name, arbitrary] of Object.entries(arbitraries)) {
    it(`on ${name} the ledger accepts exactly what isValidIdentificationNumber accepts`, async function () {
      const probe = await loadFixture(probeFixture);
      await fc.assert(
        fc.asyncProperty(fc.array(arbitrary, { minLength: 1, maxLength: BATCH }), async (values) => {
          const onChain = await probe.areValid(values);
          expect(onChain, JSON.stringify(values)).to.deep.equal(values.map(isValidIdentificationNumber));
        }),
        { numRuns: RUNS, ...seed },
      );
    });
  }

  it("the remainder-10 samples contain valid numbers (control digit from the second weights) and refused ones", function () {
    const samples = fc.sample(arbitraries["first remainder 10, any twelfth character"], { numRuns: 500, ...seed });
    expect(samples.some(isValidIdentificationNumber)).to.equal(true);
    expect(samples.some((s) => controlDigit(s.slice(0, 11)) !== null && !isValidIdentificationNumber(s))).to.equal(
      true,
    );
  });

  it("known numbers: the ledger accepts 230140012340, 190440005676 and 230140012400 and refuses 230140012345, 230140012450", async function () {
    const probe = await loadFixture(probeFixture);
    expect(
      await probe.areValid(["230140012340", "190440005676", "230140012400", "230140012345", "230140012450"]),
    ).to.deep.equal([true, true, true, false, false]);
  });
});
