// Runs in the gateway's signature threads (piscina): ECDSA public-key recovery is pure JavaScript and the
// costliest step of accepting a signed request, so it is done off the event loop. Plain JavaScript: workers do
// not load ts-node.
"use strict";
const { recoverAddress } = require("ethers");

/** @param {{ digest: string, signature: string }} task @returns {string | null} the signer, null if malformed */
module.exports = function recover({ digest, signature }) {
  try {
    return recoverAddress(digest, signature);
  } catch {
    return null;
  }
};
