import { expect } from "chai";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AppError } from "../../server/errors";
import { JsonRpcClient, RpcError } from "../../server/chain/rpc";

interface Call {
  id: number;
  method: string;
  params: unknown[];
}

/** The gateway's plain JSON-RPC client: batches concurrent calls, keeps each call's own outcome. */
describe("JSON-RPC client", function () {
  let server: Server;
  let url: string;
  const posts: Call[][] = [];
  let status = 200;

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as Call[];
        posts.push(body);
        if (status !== 200) return void res.writeHead(status).end("busy");
        const answers = body
          .filter((c) => c.method !== "drop")
          .map((c) =>
            c.method === "revert"
              ? { jsonrpc: "2.0", id: c.id, error: { code: 3, message: "execution reverted", data: "0x08c379a0" } }
              : { jsonrpc: "2.0", id: c.id, result: c.params[0] },
          );
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answers));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    posts.length = 0;
    status = 200;
  });

  it("when many calls are made at once, then they share one HTTP request and each gets its own answer", async () => {
    const rpc = new JsonRpcClient(url);
    const got = await Promise.all(Array.from({ length: 30 }, (_, i) => rpc.call("echo", [i])));
    expect(got).to.deep.equal(Array.from({ length: 30 }, (_, i) => i));
    expect(posts).to.have.length(1);
    expect(posts[0]).to.have.length(30);
  });

  it("when more than 100 are made at once, then they go in requests of at most 100", async () => {
    const rpc = new JsonRpcClient(url);
    await Promise.all(Array.from({ length: 250 }, (_, i) => rpc.call("echo", [i])));
    expect(posts.map((p) => p.length)).to.deep.equal([100, 100, 50]);
  });

  it("when one call reverts or is not answered, then only that call fails, with the node's error and data", async () => {
    const rpc = new JsonRpcClient(url);
    const [ok, reverted, dropped] = await Promise.allSettled([
      rpc.call("echo", ["a"]),
      rpc.call("revert", []),
      rpc.call("drop", []),
    ]);
    expect(ok).to.deep.equal({ status: "fulfilled", value: "a" });
    expect(reverted.status).to.equal("rejected");
    const err = (reverted as PromiseRejectedResult).reason as RpcError;
    expect(err).to.be.instanceOf(RpcError);
    expect(err.data).to.equal("0x08c379a0");
    expect(((dropped as PromiseRejectedResult).reason as Error).message).to.match(/no answer/);
  });

  it("when the endpoint answers an HTTP error, then every call of the request fails with CHAIN_UNAVAILABLE naming it", async () => {
    status = 503;
    const rpc = new JsonRpcClient(url);
    const r = await Promise.allSettled([rpc.call("echo", [1]), rpc.send("echo", [2])]);
    for (const x of r) {
      const reason = (x as PromiseRejectedResult).reason as AppError;
      expect(reason.code).to.equal("CHAIN_UNAVAILABLE");
      expect(String(reason.details?.reason)).to.match(/HTTP 503/);
    }
  });

  it("when the node is known to be down (the outage signal is aborted), then a call fails at once without waiting", async () => {
    const down = new AbortController();
    down.abort(new Error("the node does not answer"));
    const rpc = new JsonRpcClient(url, 30_000, () => down.signal);
    const err = (await rpc.send("echo", [1]).catch((e: unknown) => e)) as AppError;
    expect(err.code).to.equal("CHAIN_UNAVAILABLE");
  });
});
