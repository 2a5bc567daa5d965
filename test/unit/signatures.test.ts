import { expect } from "chai";
import { Signature, Transaction, TypedDataEncoder, Wallet, ZeroHash, hexlify, randomBytes } from "ethers";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { SignatureThreads } from "../../server/chain/signatures";
import { ledgerDomain, TRANSFER_TYPES, REDEMPTION_TYPES } from "../../server/domain/eip712";

/** A wallet on a fresh random key (Wallet.createRandom derives one from a mnemonic: 50x slower, nothing more tested). */
const randomWallet = () => new Wallet(hexlify(randomBytes(32)));

describe("signature recovery: cached EIP-712 digests, signers recovered on worker threads", function () {
  const domain = ledgerDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const holder = randomWallet();
  const transfer = {
    from: holder.address,
    to: randomWallet().address,
    assetId: 1n,
    amount: 5n,
    nonce: 0n,
    deadline: 4_000_000_000n,
    ref: ZeroHash,
  };
  const redemption = {
    holder: holder.address,
    assetId: 1n,
    amount: 5n,
    nonce: 1n,
    deadline: 4_000_000_000n,
    ref: ZeroHash,
  };

  for (const threads of [2, 0]) {
    describe(threads ? `${threads} threads` : "inline (0 threads)", () => {
      let recovery: SignatureThreads;
      before(() => {
        recovery = new SignatureThreads(domain, threads);
      });
      after(() => recovery.destroy());

      it("when a holder signs, then the digest is the EIP-712 hash and the holder is recovered", async () => {
        for (const [types, value] of [
          [TRANSFER_TYPES, transfer],
          [REDEMPTION_TYPES, redemption],
        ] as const) {
          const digest = recovery.digest(types, value);
          expect(digest).to.equal(TypedDataEncoder.hash(domain, types, value));
          const signature = await holder.signTypedData(domain, types, value);
          expect(await recovery.recover(digest, signature)).to.equal(holder.address);
        }
      });

      it("when the message or the domain differs, then someone else is recovered", async () => {
        const signature = await holder.signTypedData(domain, TRANSFER_TYPES, transfer);
        expect(
          await recovery.recover(recovery.digest(TRANSFER_TYPES, { ...transfer, amount: 6n }), signature),
        ).not.to.equal(holder.address);
        const other = new SignatureThreads(ledgerDomain(1n, domain.verifyingContract!), 0);
        expect(await recovery.recover(other.digest(TRANSFER_TYPES, transfer), signature)).not.to.equal(holder.address);
      });

      it("when the signature is malformed, then nothing is recovered", async () => {
        const digest = recovery.digest(TRANSFER_TYPES, transfer);
        expect(await recovery.recover(digest, "0x1234")).to.equal(null);
        expect(await recovery.recover(digest, "0x" + "00".repeat(65))).to.equal(null);
      });

      it("when many signatures are checked at once, then each gets its own signer", async () => {
        const wallets = Array.from({ length: 40 }, () => randomWallet());
        const signed = await Promise.all(
          wallets.map(async (w) => {
            const value = { ...transfer, from: w.address };
            return {
              digest: recovery.digest(TRANSFER_TYPES, value),
              signature: await w.signTypedData(domain, TRANSFER_TYPES, value),
            };
          }),
        );
        const got = await Promise.all(signed.map((s) => recovery.recover(s.digest, s.signature)));
        expect(got).to.deep.equal(wallets.map((w) => w.address));
      });
    });
  }
});

describe("signature worker: native libsecp256k1 recovery agrees with ethers", function () {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const worker = require("../../server/chain/signature-worker.js") as {
    native: boolean;
    recoverOne(d: string, s: string): string | null;
  };
  const domain = ledgerDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

  it("loads the native binding on this machine", () => {
    expect(worker.native).to.equal(true);
  });

  it("when 200 random holders sign, then both recover the same signer; malformed or non-canonical signatures recover nobody", async () => {
    for (let i = 0; i < 200; i++) {
      const w = randomWallet();
      const value = {
        from: w.address,
        to: w.address,
        assetId: BigInt(i),
        amount: 1n,
        nonce: BigInt(i),
        deadline: 4_000_000_000n,
        ref: ZeroHash,
      };
      const digest = TypedDataEncoder.hash(domain, TRANSFER_TYPES, value);
      const signature = await w.signTypedData(domain, TRANSFER_TYPES, value);
      expect(worker.recoverOne(digest, signature)).to.equal(w.address);
    }
    const w = randomWallet();
    const digest = TypedDataEncoder.hash(domain, TRANSFER_TYPES, transferOf(w.address));
    const sig = Signature.from(await w.signTypedData(domain, TRANSFER_TYPES, transferOf(w.address)));
    const N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    const highS = sig.r + (N - BigInt(sig.s)).toString(16).padStart(64, "0") + (sig.v === 27 ? "1c" : "1b");
    expect(worker.recoverOne(digest, highS)).to.equal(null);
    expect(worker.recoverOne(digest, "0x1234")).to.equal(null);
    expect(worker.recoverOne(digest, sig.r + sig.s.slice(2) + "1f")).to.equal(null);
  });
});

function transferOf(from: string) {
  return { from, to: from, assetId: 1n, amount: 1n, nonce: 0n, deadline: 4_000_000_000n, ref: ZeroHash };
}

describe("signature threads: the gateway's transactions signed off the event loop", function () {
  const domain = ledgerDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const operator = randomWallet();
  const iface = SecuredAssetLedger__factory.createInterface();
  const fragment = iface.getFunction("transferBatchWithAuthorization")!.format("full");
  const base = {
    to: domain.verifyingContract!,
    nonce: 7,
    gasLimit: 1_000_000n,
    chainId: 31337n,
    type: 2,
    maxFeePerGas: 2_000_000_000n,
    maxPriorityFeePerGas: 1_000_000_000n,
  };

  for (const threads of [1, 0]) {
    it(`when a batch is signed (${threads ? "on a thread" : "inline"}), then the transaction carries the encoded batch, the operator's signature and its hash`, async () => {
      const auths = Array.from({ length: 3 }, (_, i) => ({
        ...transferOf(randomWallet().address),
        nonce: String(i),
        assetId: "1",
        amount: "5",
        deadline: "4000000000",
      }));
      const sigs = auths.map((_, i) => "0x" + String(i + 1).repeat(130));
      const pool = new SignatureThreads(domain, threads, { operator: operator.privateKey });
      try {
        const { raw, hash } = await pool.signTransaction("operator", base, { call: { fragment, args: [auths, sigs] } });
        const tx = Transaction.from(raw);
        expect(tx.from).to.equal(operator.address);
        expect(tx.hash).to.equal(hash);
        expect(tx.nonce).to.equal(7);
        expect(tx.data).to.equal(iface.encodeFunctionData("transferBatchWithAuthorization", [auths, sigs]));
        const plain = Transaction.from(
          await pool.signTransaction("operator", base, { data: "0x1234" }).then((r) => r.raw),
        );
        expect(plain.data).to.equal("0x1234");
      } finally {
        await pool.destroy();
      }
    });
  }
});
