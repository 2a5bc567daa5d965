import { expect } from "chai";
import type { Wallet } from "ethers";
import { Client } from "pg";
import { bearer, bootstrapPlatform, issue, onboard, randomHolder, startEnv, transferBody } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { startStallProxy } from "./support/stall-proxy";
import type { StallProxy } from "./support/stall-proxy";
import { waitFor } from "./support/wait";

const DATABASE_URL = process.env.DATABASE_URL;

/** PostgreSQL only: SQLite is a file in the gateway's own process and cannot go away on its own. */
(DATABASE_URL ? describe : describe.skip)(
  "gateway: PostgreSQL refusing connections gets 503s with a code, no crash, and recovery without a restart",
  function () {
    let env: TestEnv;
    let proxy: StallProxy;
    let owner: Wallet, alice: Wallet;
    let assetId: string;
    const schema = `gw_outage_${process.pid}_${Date.now()}`;

    before(async () => {
      const target = new URL(DATABASE_URL!);
      proxy = await startStallProxy(`http://${target.hostname}:${target.port || 5432}`);
      const viaProxy = new URL(DATABASE_URL!);
      viaProxy.hostname = "127.0.0.1";
      viaProxy.port = String(proxy.port);
      env = await startEnv({ database: { type: "postgres", url: viaProxy.toString(), schema } });
      owner = randomHolder();
      alice = randomHolder();
      const { documentHash } = await bootstrapPlatform(env);
      await onboard(env, owner, documentHash);
      await onboard(env, alice, documentHash);
      assetId = (await issue(env, owner, "1000")).assetId;
    });
    after(async () => {
      await proxy?.restore().catch(() => undefined);
      await env?.close();
      await proxy?.close();
      const c = new Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    });

    it("when the database refuses connections, then reads, writes and /readyz answer 503 DATABASE_UNAVAILABLE; once it is back, the same requests succeed", async () => {
      // Accepted just before the outage: the submitter meets the outage with it in hand, and must still post it once.
      const first = await env.http
        .post("/v1/transfers")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", "db-outage-0")
        .send(await transferBody(env, owner, alice.address, assetId, "10", "0"));
      expect(first.status).to.equal(202);
      await proxy.cut();
      const ready = await env.http.get("/readyz");
      expect(ready.status).to.equal(503);
      expect(ready.body.code).to.equal("DATABASE_UNAVAILABLE");
      const read = await env.http.get("/v1/operations?limit=5").set(bearer(env.keys.monitor));
      expect(read.status, JSON.stringify(read.body)).to.equal(503);
      expect(read.body.code).to.equal("DATABASE_UNAVAILABLE");
      expect(Number(read.headers["retry-after"])).to.be.greaterThan(0);
      const body = await transferBody(env, owner, alice.address, assetId, "10", "1");
      const write = await env.http
        .post("/v1/transfers")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", "db-outage-1")
        .send(body);
      expect(write.status).to.equal(503);
      expect(write.body.code).to.equal("DATABASE_UNAVAILABLE");
      expect((await env.http.get("/healthz")).status).to.equal(200); // the process is up

      await proxy.restore();
      await waitFor("readyz to answer 200", async () => (await env.http.get("/readyz")).status === 200);
      const again = await env.http
        .post("/v1/transfers?wait=true")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", "db-outage-1")
        .send(body);
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect(again.body.operation.status).to.equal("posted");
      const firstOp = await waitFor("the transfer accepted before the outage to settle", async () => {
        const r = await env.http.get(`/v1/operations/${first.body.operation.id}`).set(bearer(env.keys.monitor));
        return r.body.status === "posted" || r.body.status === "failed" ? r.body : null;
      });
      expect(firstOp.status, JSON.stringify(firstOp)).to.equal("posted");
      const holders = await env.http.get(`/v1/assets/${assetId}/holders`).set(bearer(env.keys.monitor));
      const alices = holders.body.items.find((h: { address: string }) => h.address === alice.address);
      expect(alices.balance).to.equal("20"); // each posted once
    });
  },
);
