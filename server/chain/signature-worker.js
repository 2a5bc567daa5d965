// Runs in the gateway's signature threads (piscina): recovering the signer of a holder's signature is the costliest
// step of accepting a signed request, so it is done off the event loop, in batches (one message per batch).
// Recovery uses libsecp256k1 (the `secp256k1` package's prebuilt native binding) when it loads, else ethers'
// JavaScript implementation; the signature is parsed and checked (canonical s, v) by ethers either way.
// Plain JavaScript: workers do not load ts-node.
"use strict";
const { isMainThread, workerData } = require("node:worker_threads");
const { Interface, Signature, Wallet, computeAddress, getBytes, keccak256, recoverAddress } = require("ethers");

let native = null;
try {
  native = require("secp256k1/bindings");
} catch {
  native = null;
}

// secp256k1's group order halved: OpenZeppelin's ECDSA (the ledger) refuses a larger s (the malleable twin).
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * The ledger's rule for an account's signature (OpenZeppelin ECDSA.tryRecover): exactly 65 bytes r ‖ s ‖ v, v 27
 * or 28, s in the lower half. ethers would also take the 64-byte compact form (EIP-2098), v 0/1 and any s, which
 * the ledger refuses after a transaction was spent on it. Contract wallets (ERC-1271) are asked separately.
 * @param {string} signature
 */
function ledgerAccepts(signature) {
  if (typeof signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return false;
  const v = parseInt(signature.slice(130, 132), 16);
  return (v === 27 || v === 28) && BigInt("0x" + signature.slice(66, 130)) <= HALF_ORDER;
}

/** @param {string} digest @param {string} signature @returns {string | null} */
function recoverOne(digest, signature) {
  if (!ledgerAccepts(signature)) return null;
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

const interfaces = new Map();

/**
 * The gateway's own keys, one wallet per signer (operator, authority), made once when the thread starts from the
 * keys the pool installed (SignatureThreads' workerData): a signing task names its signer and never carries a key.
 * Empty when every signer is remote (Web3Signer): then this thread holds no key at all.
 */
const installed = new Map();
if (!isMainThread && workerData && workerData.keys) {
  for (const [signer, key] of Object.entries(workerData.keys)) installed.set(signer, new Wallet(key));
  delete workerData.keys; // the wallets hold the keys; no second copy in the thread
}

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
 * Encodes (for a transfer batch: the ABI call from its authorizations) and signs one transaction with `wallet`.
 * Encoding and RLP-serialising a hundred authorizations is tens of milliseconds of JavaScript, so it is done on a
 * thread. Also used on the event loop when there are no threads (the wallet then lives there).
 * @param {Wallet} wallet @param {object} tx @param {{ data: string } | { call: { fragment: string, args: unknown[] } }} body
 * @returns {Promise<{ raw: string, hash: string }>}
 */
async function signWith(wallet, tx, body) {
  const data = body.call ? encodeCall(body.call) : body.data;
  const raw = await wallet.signTransaction({ ...tx, data });
  // A signed transaction's hash is the hash of its serialisation.
  return { raw, hash: keccak256(raw) };
}
module.exports.signWith = signWith;

/**
 * Signs with the installed key of `signer`.
 * @param {{ signer: string, tx: object, body: { data: string } | { call: { fragment: string, args: unknown[] } } }} task
 */
module.exports.signTransaction = function signTransaction({ signer, tx, body }) {
  const wallet = installed.get(signer);
  if (!wallet) throw new Error(`no key installed for the ${signer} in this signature thread`);
  return signWith(wallet, tx, body);
};

/**
 * Only the calldata of a `call` body, for a remote signer: the thread encodes, the signer signs.
 * @param {{ call: { fragment: string, args: unknown[] } }} task @returns {string}
 */
module.exports.encodeCall = function encode({ call }) {
  return encodeCall(call);
};

/**
 * Holds its thread for a moment so that the pool hands one ping to each thread as it becomes ready (see
 * SignatureThreads.destroy: a thread stopped while it is still loading the native binding can abort the process).
 */
module.exports.ping = function ping() {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  return true;
};
