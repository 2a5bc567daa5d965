import { expect } from "chai";
import fc from "fast-check";
import { hexlify, keccak256 } from "ethers";
import { keccak256Hex } from "../../server/chain/keccak";

describe("keccak256Hex: the record hash's keccak256 agrees with ethers'", function () {
  it("when the input is empty, one block, exactly the rate, or several blocks, then both give the same digest", function () {
    for (const n of [0, 1, 31, 32, 135, 136, 137, 256, 271, 272, 273, 1000]) {
      const data = hexlify(Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      expect(keccak256Hex(data), `${n} bytes`).to.equal(keccak256(data));
      expect(keccak256Hex(data.slice(2)), `${n} bytes, no 0x`).to.equal(keccak256(data));
    }
    expect(keccak256Hex("0x")).to.equal("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  });

  it("when the input is any byte string, then both give the same digest", function () {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const data = hexlify(bytes);
        expect(keccak256Hex(data)).to.equal(keccak256(data));
      }),
      { numRuns: 500 },
    );
  });

  it("when the input is not hex bytes, then it throws rather than hashing something else", function () {
    for (const bad of ["0x0", "0xzz", "abc", "0x12 4"]) expect(() => keccak256Hex(bad), bad).to.throw(TypeError);
  });
});
