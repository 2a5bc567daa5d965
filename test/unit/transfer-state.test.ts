import { expect } from "chai";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AbiCoder, Wallet } from "ethers";
import { TransferStateReader__factory } from "../../typechain-types";
import { AppError } from "../../server/errors";
import { JsonRpcClient } from "../../server/chain/rpc";
import {
  decodeReaderAnswer,
  MAX_QUERIES_PER_CALL,
  readerCallData,
  TransferStateReads,
} from "../../server/chain/transfer-state";
import type { TransferQuery } from "../../server/chain/transfer-state";

const LEDGER = Wallet.createRandom().address;
const OPERATOR = Wallet.createRandom().address;
const QUERY_TUPLE = "tuple(address operator, address from, address to, uint256 assetId, uint256 amount)[]";
const word = (v: bigint) => v.toString(16).padStart(64, "0");
const FAILED = (1n << 256n) - 1n;

function query(i: number): TransferQuery {
  return {
    operator: OPERATOR,
    from: Wallet.createRandom().address,
    to: Wallet.createRandom().address,
    assetId: BigInt(i + 1),
    amount: BigInt(i * 7 + 1),
  };
}

/**
 * The gateway's batched pre-submission reads: the reader's creation code and arguments as the ABI encodes them,
 * its answer decoded, and the batching against a node (here a stand-in that decodes the queries and answers each
 * with nonce = assetId, check = amount mod 18, or refuses as a node may).
 */
describe("transfer state reads (TransferStateReader by eth_call)", function () {
  let server: Server;
  let url: string;
  let mode: "answer" | "revert-all" | "fail-some" | "down" = "answer";
  const calls: { to?: string; data: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (mode === "down") return void res.writeHead(502).end("bad gateway");
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          id: number;
          params: [{ to?: string; data: string }];
        }[];
        const answers = body.map((c) => {
          const tx = c.params[0];
          calls.push(tx);
          if (tx.to) {
            // A view asked on its own: nonceOf answers 1000, checkTransfer 3.
            return { jsonrpc: "2.0", id: c.id, result: "0x" + word(tx.data.length > 140 ? 3n : 1000n) };
          }
          if (mode === "revert-all")
            return { jsonrpc: "2.0", id: c.id, error: { code: -32000, message: "contract creation not supported" } };
          const args = "0x" + tx.data.slice(TransferStateReader__factory.bytecode.length);
          const [, queries] = AbiCoder.defaultAbiCoder().decode(["address", QUERY_TUPLE], args) as unknown as [
            string,
            { assetId: bigint; amount: bigint }[],
          ];
          const out = queries
            .map((q, i) =>
              mode === "fail-some" && i % 2 === 1
                ? word(FAILED) + word(FAILED)
                : word(q.assetId) + word(q.amount % 18n),
            )
            .join("");
          return { jsonrpc: "2.0", id: c.id, result: "0x" + out };
        });
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answers));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    calls.length = 0;
    mode = "answer";
  });

  function reads(): TransferStateReads {
    const rpc = new JsonRpcClient(url, 5_000);
    const ledgerWord = (a: string) => a.slice(2).toLowerCase().padStart(64, "0");
    return new TransferStateReads(rpc, LEDGER, async (q) => {
      const [nonce, check] = await Promise.all([
        rpc.call<string>("eth_call", [
          { to: LEDGER, data: "0x12345678" + ledgerWord(q.from) + word(q.assetId) },
          "latest",
        ]),
        rpc.call<string>("eth_call", [
          { to: LEDGER, data: "0x87654321" + ledgerWord(q.from).repeat(3) + word(q.assetId) + word(q.amount) },
          "latest",
        ]),
      ]);
      return { nonce: BigInt(nonce), check: Number(BigInt(check)) };
    });
  }

  it("encodes the creation code and arguments exactly as the ABI does", () => {
    const queries = [query(0), query(1), query(2)];
    const expected = new TransferStateReader__factory().interface.encodeDeploy([LEDGER, queries]);
    expect(readerCallData(LEDGER, queries)).to.equal(TransferStateReader__factory.bytecode + expected.slice(2));
    expect(readerCallData(LEDGER, [])).to.equal(
      TransferStateReader__factory.bytecode +
        new TransferStateReader__factory().interface.encodeDeploy([LEDGER, []]).slice(2),
    );
  });

  it("decodes two words per query, a reverted view as null, and refuses an answer of the wrong length", () => {
    const hex = "0x" + word(5n) + word(0n) + word(FAILED) + word(FAILED) + word(7n) + word(11n);
    expect(decodeReaderAnswer(hex, 3)).to.deep.equal([{ nonce: 5n, check: 0 }, null, { nonce: 7n, check: 11 }]);
    expect(() => decodeReaderAnswer(hex, 2)).to.throw(/reader answered 192 bytes for 2 queries/);
    expect(() => decodeReaderAnswer("0x", 1)).to.throw(/reader answered/);
  });

  it("answers the requests of one turn with one eth_call, in order", async () => {
    const r = reads();
    const qs = Array.from({ length: 30 }, (_, i) => query(i));
    const states = await Promise.all(qs.map((q) => r.read(q)));
    expect(calls).to.have.length(1);
    expect(calls[0].to).to.equal(undefined);
    expect(states).to.deep.equal(qs.map((q) => ({ nonce: q.assetId, check: Number(q.amount % 18n) })));
  });

  it(`splits more than ${MAX_QUERIES_PER_CALL} queries over several calls`, async () => {
    const r = reads();
    const qs = Array.from({ length: MAX_QUERIES_PER_CALL * 2 + 5 }, (_, i) => query(i));
    const states = await Promise.all(qs.map((q) => r.read(q)));
    expect(calls.map((c) => c.to)).to.deep.equal([undefined, undefined, undefined]);
    expect(states[MAX_QUERIES_PER_CALL * 2 + 4]).to.deep.equal({
      nonce: qs[MAX_QUERIES_PER_CALL * 2 + 4].assetId,
      check: Number(qs[MAX_QUERIES_PER_CALL * 2 + 4].amount % 18n),
    });
  });

  it("asks a query whose views reverted on its own, and only that one", async () => {
    mode = "fail-some";
    const r = reads();
    const qs = [query(0), query(1), query(2), query(3)];
    const states = await Promise.all(qs.map((q) => r.read(q)));
    expect(states[0]).to.deep.equal({ nonce: qs[0].assetId, check: Number(qs[0].amount % 18n) });
    expect(states[1]).to.deep.equal({ nonce: 1000n, check: 3 });
    expect(states[3]).to.deep.equal({ nonce: 1000n, check: 3 });
    expect(calls.filter((c) => c.to === LEDGER)).to.have.length(4); // two views for each of the two
  });

  it("falls back to the views when the node will not run the reader", async () => {
    mode = "revert-all";
    const r = reads();
    const states = await Promise.all([query(0), query(1)].map((q) => r.read(q)));
    expect(states).to.deep.equal([
      { nonce: 1000n, check: 3 },
      { nonce: 1000n, check: 3 },
    ]);
  });

  it("fails every request of the batch with CHAIN_UNAVAILABLE when the node does not answer", async () => {
    mode = "down";
    const r = reads();
    const results = await Promise.allSettled([query(0), query(1)].map((q) => r.read(q)));
    for (const res of results) {
      expect(res.status).to.equal("rejected");
      expect(((res as PromiseRejectedResult).reason as AppError).code).to.equal("CHAIN_UNAVAILABLE");
    }
    expect(calls).to.have.length(0);
  });
});
