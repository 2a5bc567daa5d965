import { expect } from "chai";
import { getAddress, Wallet, hexlify, randomBytes } from "ethers";
import { checksumAddress } from "../../server/domain/address";

/** A wallet on a fresh random key (Wallet.createRandom derives one from a mnemonic: 50x slower, nothing more tested). */
const randomWallet = () => new Wallet(hexlify(randomBytes(32)));

describe("addresses: EIP-55 checksums, memoised", function () {
  const a = randomWallet().address;

  it("when an address is all lower or all upper case, then its checksummed form is returned", () => {
    expect(checksumAddress(a.toLowerCase())).to.equal(a);
    expect(checksumAddress("0x" + a.slice(2).toUpperCase())).to.equal(a);
    expect(checksumAddress(a.toLowerCase())).to.equal(a); // from the cache
  });

  it("when it is mixed case, then only the right checksum is accepted", () => {
    expect(checksumAddress(a)).to.equal(a);
    const flipped =
      a.slice(0, 2) +
      [...a.slice(2)]
        .map((c, i) =>
          i === a.slice(2).search(/[a-fA-F]/) ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c,
        )
        .join("");
    expect(flipped).not.to.equal(a);
    expect(checksumAddress(flipped)).to.equal(null);
  });

  it("when it is not 20 hex bytes with 0x, then it is refused", () => {
    for (const bad of ["", "0x", a.slice(0, 41), a + "0", a.slice(2), "0X" + a.slice(2), "0x" + "g".repeat(40)])
      expect(checksumAddress(bad), bad).to.equal(null);
  });

  it("agrees with ethers on many random addresses", () => {
    for (let i = 0; i < 200; i++) {
      const w = randomWallet().address;
      expect(checksumAddress(w.toLowerCase())).to.equal(getAddress(w));
    }
  });
});
