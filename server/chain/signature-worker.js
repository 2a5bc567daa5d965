// Runs in the gateway's signature threads (piscina): recovering the signer of a holder's signature is the costliest
// step of accepting a signed request, so it is done off the event loop, in batches (one message per batch).
// Recovery uses libsecp256k1 (the `secp256k1` package's prebuilt native binding) when it loads, else ethers'
// JavaScript implementation; the signature is parsed and checked (canonical s, v) by ethers either way.
// Plain JavaScript: workers do not load ts-node.
"use strict";
const { Signature, computeAddress, getBytes, recoverAddress } = require("ethers");

let native = null;
try {
  native = require("secp256k1/bindings");
} catch {
  native = null;
}

/** @param {string} digest @param {string} signature @returns {string | null} */
function recoverOne(digest, signature) {
  try {
    if (!native) return recoverAddress(digest, signature);
    const sig = Signature.from(signature);
    const compact = getBytes(sig.r + sig.s.slice(2));
    const publicKey = native.ecdsaRecover(compact, sig.yParity, getBytes(digest), false);
    return computeAddress("0x" + Buffer.from(publicKey).toString("hex"));
  } catch {
    return null;
  }
}

/** @param {{ digest: string, signature: string }[]} items @returns {(string | null)[]} signers, null if malformed */
module.exports = function recoverAll(items) {
  return items.map(({ digest, signature }) => recoverOne(digest, signature));
};
module.exports.recoverOne = recoverOne;
module.exports.native = native !== null;
