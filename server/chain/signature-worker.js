// Runs in the gateway's signature threads (piscina): recovering the signer of a holder's signature is the costliest
// step of accepting a signed request, so it is done off the event loop, in batches (one message per batch).
// Recovery uses libsecp256k1 (the `secp256k1` package's prebuilt native binding) when it loads, else ethers'
// JavaScript implementation; the signature is parsed and checked (canonical s, v) by ethers either way.
// Plain JavaScript: workers do not load ts-node.
"use strict";
const { Interface, Signature, Wallet, computeAddress, getBytes, keccak256, recoverAddress } = require("ethers");

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

const wallets = new Map();
const interfaces = new Map();

/** @param {{ fragment: string, args: unknown[] }} call @returns {string} the calldata */
function encodeCall(call) {
  let iface = interfaces.get(call.fragment);
  if (!iface) {
    iface = new Interface([call.fragment]);
    interfaces.set(call.fragment, iface);
  }
  return iface.encodeFunctionData(iface.fragments[0].name, call.args);
}

/**
 * Encodes (for a transfer batch: the ABI call from its authorizations) and signs one transaction. Encoding and
 * RLP-serialising a hundred authorizations is tens of milliseconds of JavaScript, so it is done here too.
 * @param {{ privateKey: string, tx: object, body: { data: string } | { call: { fragment: string, args: unknown[] } } }} task
 * @returns {Promise<{ raw: string, hash: string }>}
 */
module.exports.signTransaction = async function signTransaction({ privateKey, tx, body }) {
  let wallet = wallets.get(privateKey);
  if (!wallet) {
    wallet = new Wallet(privateKey);
    wallets.set(privateKey, wallet);
  }
  const data = body.call ? encodeCall(body.call) : body.data;
  const raw = await wallet.signTransaction({ ...tx, data });
  // A signed transaction's hash is the hash of its serialisation.
  return { raw, hash: keccak256(raw) };
};
