import { expect } from "chai";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fetchDecision } from "../../server/supervision/decisions";
import { withDeadline } from "../../server/deadline";
import { EgressPolicy } from "../../server/supervision/egress";
import { collectGarbage } from "../gateway/supervision-support";

/** Outbound calls (webhooks, decision documents) give up at their deadline whatever the peer does. */
describe("outbound calls: the deadline holds", function () {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/fast") res.writeHead(200).end("ok");
      // "/hang": accepts the request and never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = (path: string) => (signal: AbortSignal) =>
    fetch(`${url}${path}`, { method: "POST", body: "{}", signal }).then((r) => r.status);

  it("when the peer never answers and a garbage collection runs meanwhile, then the call fails with TimeoutError at the deadline", async () => {
    const started = Date.now();
    const call = withDeadline(300, undefined, post("/hang")).then(
      () => "answered",
      (e: Error) => e.name,
    );
    setTimeout(collectGarbage, 50);
    expect(await call).to.equal("TimeoutError");
    expect(Date.now() - started).to.be.within(290, 3_000); // not the peer's pace: it never answers
  });

  it("when the peer answers in time, then its answer is returned", async () => {
    expect(await withDeadline(2_000, undefined, post("/fast"))).to.equal(200);
  });

  it("when the gateway stops, then a waiting call is aborted at once with the stop reason", async () => {
    const stop = new AbortController();
    const started = Date.now();
    const call = withDeadline(5_000, stop.signal, post("/hang")).then(
      () => "answered",
      (e: Error) => e.message,
    );
    setTimeout(() => stop.abort(new Error("the gateway is stopping")), 50);
    expect(await call).to.equal("the gateway is stopping");
    expect(Date.now() - started).to.be.below(3_000); // well before the 5 s deadline
  });

  it("when work ignores the signal, then the deadline still settles the call", async () => {
    const call = withDeadline(100, undefined, () => new Promise<number>(() => undefined)).then(
      () => "answered",
      (e: Error) => e.name,
    );
    expect(await call).to.equal("TimeoutError");
  });

  it("when a decision document's server never answers, then the check records it unreachable with the timeout", async () => {
    const stop = new AbortController(); // the checker passes its stop signal, as the gateway does
    const checked = fetchDecision(
      `${url}/hang`,
      "0x" + "00".repeat(32),
      300,
      1_000_000,
      new EgressPolicy(["127.0.0.0/8"]),
      stop.signal,
    );
    setTimeout(collectGarbage, 50);
    const r = await checked;
    expect(r).to.deep.include({ outcome: "unreachable", httpStatus: null, error: "no answer within 300 ms" });
  });
});
