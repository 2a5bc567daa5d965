/**
 * keccak256 (the Ethereum variant: Keccak padding 0x01, not SHA3's 0x06) over hex input, for the record hash chain:
 * the mirror hashes every record it writes and a verification rehashes every record of an asset, where the generic
 * hasher (hex to bytes and back around a general-purpose sponge) took most of the time. 64-bit lanes as pairs of
 * 32-bit halves; rotation offsets and round constants derived at load from the specification's definitions.
 * Checked against ethers' keccak256 in test/unit/keccak.test.ts.
 */

const RATE_BYTES = 136; // 1088 bits: keccak256's rate

/** Round constants: bit 2^j - 1 of round i is rc(j + 7i), rc being the specification's 8-bit LFSR. */
const RC_LO = new Int32Array(24);
const RC_HI = new Int32Array(24);
(function roundConstants() {
  const rc = (t: number): number => {
    if (t % 255 === 0) return 1;
    let r = 1;
    for (let i = 1; i <= t % 255; i++) {
      r <<= 1;
      if (r & 0x100) r ^= 0x171;
    }
    return r & 1;
  };
  for (let i = 0; i < 24; i++) {
    for (let j = 0; j <= 6; j++) {
      if (!rc(j + 7 * i)) continue;
      const bit = 2 ** j - 1;
      if (bit < 32) RC_LO[i] |= 1 << bit;
      else RC_HI[i] |= 1 << (bit - 32);
    }
  }
})();

/** ρ offsets and π destinations per lane (index x + 5y). */
const ROT = new Int32Array(25);
const PI = new Int32Array(25);
(function rhoPi() {
  let [x, y] = [1, 0];
  for (let t = 0; t < 24; t++) {
    ROT[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  for (let xx = 0; xx < 5; xx++) for (let yy = 0; yy < 5; yy++) PI[xx + 5 * yy] = yy + 5 * ((2 * xx + 3 * yy) % 5);
})();

/** χ's neighbours of each lane (x + 1 and x + 2 in its row), as state offsets. */
const CHI1 = new Int32Array(25);
const CHI2 = new Int32Array(25);
for (let i = 0; i < 25; i++) {
  const [x, y] = [i % 5, i - (i % 5)];
  CHI1[i] = 2 * (((x + 1) % 5) + y);
  CHI2[i] = 2 * (((x + 2) % 5) + y);
}
const PI2 = PI.map((j) => 2 * j);

const s = new Int32Array(50); // state: lane i is s[2i] (low half), s[2i + 1] (high half)
const b = new Int32Array(50);

function permute(): void {
  for (let round = 0; round < 24; round++) {
    // θ
    const c0 = s[0] ^ s[10] ^ s[20] ^ s[30] ^ s[40];
    const c1 = s[1] ^ s[11] ^ s[21] ^ s[31] ^ s[41];
    const c2 = s[2] ^ s[12] ^ s[22] ^ s[32] ^ s[42];
    const c3 = s[3] ^ s[13] ^ s[23] ^ s[33] ^ s[43];
    const c4 = s[4] ^ s[14] ^ s[24] ^ s[34] ^ s[44];
    const c5 = s[5] ^ s[15] ^ s[25] ^ s[35] ^ s[45];
    const c6 = s[6] ^ s[16] ^ s[26] ^ s[36] ^ s[46];
    const c7 = s[7] ^ s[17] ^ s[27] ^ s[37] ^ s[47];
    const c8 = s[8] ^ s[18] ^ s[28] ^ s[38] ^ s[48];
    const c9 = s[9] ^ s[19] ^ s[29] ^ s[39] ^ s[49];
    // D[x] = C[x - 1] ^ rot(C[x + 1], 1)
    const d0 = c8 ^ ((c2 << 1) | (c3 >>> 31));
    const d1 = c9 ^ ((c3 << 1) | (c2 >>> 31));
    const d2 = c0 ^ ((c4 << 1) | (c5 >>> 31));
    const d3 = c1 ^ ((c5 << 1) | (c4 >>> 31));
    const d4 = c2 ^ ((c6 << 1) | (c7 >>> 31));
    const d5 = c3 ^ ((c7 << 1) | (c6 >>> 31));
    const d6 = c4 ^ ((c8 << 1) | (c9 >>> 31));
    const d7 = c5 ^ ((c9 << 1) | (c8 >>> 31));
    const d8 = c6 ^ ((c0 << 1) | (c1 >>> 31));
    const d9 = c7 ^ ((c1 << 1) | (c0 >>> 31));
    for (let y = 0; y < 50; y += 10) {
      s[y] ^= d0;
      s[y + 1] ^= d1;
      s[y + 2] ^= d2;
      s[y + 3] ^= d3;
      s[y + 4] ^= d4;
      s[y + 5] ^= d5;
      s[y + 6] ^= d6;
      s[y + 7] ^= d7;
      s[y + 8] ^= d8;
      s[y + 9] ^= d9;
    }
    // ρ and π
    for (let i = 0; i < 25; i++) {
      const lo = s[2 * i];
      const hi = s[2 * i + 1];
      const r = ROT[i];
      const j = PI2[i];
      if (r === 0) {
        b[j] = lo;
        b[j + 1] = hi;
      } else if (r < 32) {
        b[j] = (lo << r) | (hi >>> (32 - r));
        b[j + 1] = (hi << r) | (lo >>> (32 - r));
      } else if (r === 32) {
        b[j] = hi;
        b[j + 1] = lo;
      } else {
        const m = r - 32;
        b[j] = (hi << m) | (lo >>> (32 - m));
        b[j + 1] = (lo << m) | (hi >>> (32 - m));
      }
    }
    // χ
    for (let i = 0; i < 25; i++) {
      const k = 2 * i;
      const i1 = CHI1[i];
      const i2 = CHI2[i];
      s[k] = b[k] ^ (~b[i1] & b[i2]);
      s[k + 1] = b[k + 1] ^ (~b[i1 + 1] & b[i2 + 1]);
    }
    // ι
    s[0] ^= RC_LO[round];
    s[1] ^= RC_HI[round];
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** keccak256 of the bytes a hex string spells (with or without 0x; an even number of digits), as 0x + 64 hex digits. */
export function keccak256Hex(hex: string): string {
  const data = Buffer.from(hex.startsWith("0x") ? hex.slice(2) : hex, "hex");
  if (data.length * 2 !== hex.length - (hex.startsWith("0x") ? 2 : 0)) throw new TypeError("not hex bytes");
  s.fill(0);
  const blocks = Math.floor(data.length / RATE_BYTES) + 1; // the padding always takes at least one byte
  const padded = Buffer.alloc(blocks * RATE_BYTES);
  data.copy(padded);
  padded[data.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const words = new Int32Array(padded.buffer, padded.byteOffset, padded.length / 4); // little-endian hosts (x86, arm)
  for (let k = 0; k < blocks; k++) {
    const o = (k * RATE_BYTES) / 4;
    for (let i = 0; i < RATE_BYTES / 4; i++) s[i] ^= words[o + i];
    permute();
  }
  let out = "0x";
  for (let i = 0; i < 8; i++) {
    const w = s[i];
    out += HEX[w & 0xff] + HEX[(w >>> 8) & 0xff] + HEX[(w >>> 16) & 0xff] + HEX[(w >>> 24) & 0xff];
  }
  return out;
}
