// Runs in the gateway's signature threads (piscina): ECDSA public-key recovery is pure JavaScript and the
// costliest step of accepting a signed request, so it is done off the event loop. Plain JavaScript: workers do
// not load ts-node. Tasks come in batches (one message per batch, not per signature).
"use strict";
const { recoverAddress } = require("ethers");

/** @param {{ digest: string, signature: string }[]} items @returns {(string | null)[]} signers, null if malformed */
module.exports = function recoverAll(items) {
  return items.map(({ digest, signature }) => {
    try {
      return recoverAddress(digest, signature);
    } catch {
      return null;
    }
  });
};
