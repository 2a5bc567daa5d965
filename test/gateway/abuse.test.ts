import { expect } from "chai";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import pino from "pino";
import request from "supertest";
import { ConfigError, loadConfig, loadDatabaseConfig } from "../../server/config";
import { createGateway } from "../../server/main";
import type { Gateway } from "../../server/main";
import { openDatabase } from "../../server/persistence/data-source";
import { GATEWAY_MODEL } from "../../server/database-model";
import { DatabaseSchemaError, isDatabaseSchema } from "../../server/persistence/schema-name";
import { ApiClient } from "../../server/persistence/entities";
import { API_KEY_CACHE_MS, ApiKeyService } from "../../server/services/api-keys";
import { bearer, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { waitFor } from "./support/wait";

/**
 * Issue 12, section 4: a random token per request used to get a bucket of its own (20,000 of them: no 429, +185 MB,
 * valid keys 20-30 times slower), and every unknown key stayed cached as "no client" for ever.
 */
describe("gateway: abuse and limits", function () {
  const ADDRESS_LIMIT = 20;
  const CLIENT_LIMIT = 60;
  const PATH = "/v1/issuance-requests"; // any valid key; answered from the database alone
  let env: TestEnv;

  const randomToken = () => `sda_operator_${randomBytes(32).toString("base64url")}`;

  interface Answer {
    status: number;
    headers: Headers;
    code?: string;
  }
  /** `n` GETs of PATH, `concurrency` at a time, each with the headers `headers(i)` gives; the answers in order. */
  async function burst(n: number, headers: (i: number) => Record<string, string>, concurrency = 25): Promise<Answer[]> {
    const out: Answer[] = new Array(n);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < n; i = next++) {
          const res = await fetch(`${env.url}${PATH}`, { headers: headers(i) });
          const body = (await res.json()) as { error?: { code: string } };
          out[i] = { status: res.status, headers: res.headers, code: body.error?.code };
        }
      }),
    );
    return out;
  }

  /** Counts the database lookups of API clients while `work` runs. */
  async function countingKeyLookups<T>(work: () => Promise<T>): Promise<{ result: T; lookups: number }> {
    const manager = env.gateway.internals.db.manager;
    const original = manager.findOneBy.bind(manager);
    let lookups = 0;
    manager.findOneBy = ((target: unknown, where: unknown) => {
      if (target === ApiClient) lookups++;
      return original(target as typeof ApiClient, where as never);
    }) as typeof manager.findOneBy;
    try {
      return { result: await work(), lookups };
    } finally {
      manager.findOneBy = original as typeof manager.findOneBy;
    }
  }

  before(async () => {
    env = await startEnv({ rateLimitPerMinute: CLIENT_LIMIT, rateLimitUnauthenticatedPerMinute: ADDRESS_LIMIT });
  });
  after(async () => env?.close());
  // Fresh buckets for every test: the app (and its limiters) is rebuilt on restart.
  beforeEach(async () => env.restart());

  it("when one address sends random tokens (or none), then after its limit 429 with Retry-After and draft-8 headers, and at most the limit in key lookups", async () => {
    const { result, lookups } = await countingKeyLookups(() =>
      burst(3 * ADDRESS_LIMIT, (i): Record<string, string> => (i % 3 === 0 ? {} : bearer(randomToken()))),
    );
    const refused = result.filter((r) => r.status === 429);
    expect(result.filter((r) => r.status === 401)).to.have.length(ADDRESS_LIMIT);
    expect(refused).to.have.length(2 * ADDRESS_LIMIT);
    for (const r of refused) {
      expect(r.code).to.equal("RATE_LIMITED");
      expect(Number(r.headers.get("retry-after"))).to.be.within(1, 60);
      expect(r.headers.get("ratelimit")).to.match(/^"address"; r=0; t=\d+$/);
      expect(r.headers.get("ratelimit-policy")).to.match(
        new RegExp(`^"address"; q=${ADDRESS_LIMIT}; w=60; pk=:[^:]+:$`),
      );
    }
    // Only requests inside the limit were looked up; those without a key share the bucket and cost no lookup.
    expect(lookups).to.be.at.most(ADDRESS_LIMIT);
    expect(env.gateway.context.apiKeys.size).to.equal(0);
  });

  it("when random tokens flood from the same address, then a valid key keeps working on its own bucket, counted by client", async () => {
    // A cache that is always stale: every request of the valid key is checked again in the database, and still
    // does not go through the address's exhausted bucket (a key once valid is not a stranger).
    env.gateway.context.apiKeys = new ApiKeyService(env.gateway.internals.db, 0);
    const valid = bearer(env.keys.operator);
    expect((await env.http.get(PATH).set(valid)).status).to.equal(200);
    expect((await env.http.get(PATH).set(bearer(env.keys.monitor))).status).to.equal(200);
    const flood = await burst(10 * ADDRESS_LIMIT, () => bearer(randomToken()));
    expect(flood.filter((r) => r.status === 429).length).to.be.at.least(9 * ADDRESS_LIMIT - 2);

    for (let i = 0; i < 5; i++) {
      const res = await env.http.get(PATH).set(valid);
      expect(res.status).to.equal(200);
      expect(res.headers.ratelimit).to.match(new RegExp(`^"client"; r=${CLIENT_LIMIT - 2 - i}; t=\\d+$`));
    }
    // The client's bucket is its own: spent, it is refused (429, Retry-After), while another client still passes.
    // One at a time: concurrent requests near a limit may be refused a little early (express-rate-limit's memory
    // store answers with its live counter), never late.
    const rest = await burst(CLIENT_LIMIT, () => valid, 1);
    expect(rest.filter((r) => r.status === 200)).to.have.length(CLIENT_LIMIT - 6);
    const over = rest.find((r) => r.status === 429)!;
    expect(Number(over.headers.get("retry-after"))).to.be.within(1, 60);
    expect(over.headers.get("ratelimit")).to.match(/^"client"; r=0; t=\d+$/);
    expect((await env.http.get(PATH).set(bearer(env.keys.monitor))).status).to.equal(200);
    // The price: a key this instance has not seen yet is a stranger until looked up, so it waits with its address.
    const unseen = await env.http.get(PATH).set(bearer(env.keys.verifier));
    expect(unseen.status).to.equal(429);
    expect(unseen.headers.ratelimit).to.match(/^"address"; r=0; t=\d+$/);
  });

  it("when thousands of random tokens are checked, then nothing is cached for them and the cache keeps its bound", async () => {
    await env.restart({ rateLimitUnauthenticatedPerMinute: 1_000_000 });
    try {
      await env.http.get(PATH).set(bearer(env.keys.operator)).expect(200);
      const { result, lookups } = await countingKeyLookups(() => burst(2_000, () => bearer(randomToken()), 50));
      expect(result.every((r) => r.status === 401)).to.equal(true);
      expect(lookups).to.equal(2_000);
      expect(env.gateway.context.apiKeys.size).to.equal(1);
    } finally {
      env.config.rateLimitUnauthenticatedPerMinute = ADDRESS_LIMIT;
    }

    // The bound itself: least recently used valid keys go first, and an evicted key is simply looked up again.
    const keys = new ApiKeyService(env.gateway.internals.db, API_KEY_CACHE_MS, 3);
    for (let i = 0; i < 3_000; i++) expect(await keys.authenticate(randomToken())).to.equal(null);
    expect(keys.size).to.equal(0);
    const clients = await Promise.all([0, 1, 2, 3, 4].map((i) => keys.create(`lru-${i}`, "verifier")));
    for (const { secret } of clients) expect(await keys.authenticate(secret)).to.not.equal(null);
    expect(keys.size).to.equal(3);
    expect(keys.cached(clients[0].secret)).to.equal(null);
    expect(keys.cached(clients[4].secret)?.fresh).to.equal(true);
    expect((await keys.authenticate(clients[0].secret))?.id).to.equal(clients[0].client.id);
    expect(keys.size).to.equal(3);
    // Keys longer than any issued key are refused without hashing or a lookup.
    expect(await keys.authenticate("x".repeat(100_000))).to.equal(null);
  });

  it("when a key is revoked on one instance, then it stops working there at once and on another instance on the same database within the cache's lifetime", async () => {
    const log = pino({ level: "silent" });
    // Its own limits: this test polls it.
    const second: Gateway = await createGateway(
      { ...env.config, rateLimitPerMinute: 100_000, submitterEnabled: false, supervision: { enabled: false } },
      log,
    );
    try {
      const { url } = await second.start();
      const one = () => env.http.get(PATH);
      const two = () => request(url).get(PATH);
      const { client, secret } = await env.gateway.context.apiKeys.create("revoked-soon", "operator");
      expect((await one().set(bearer(secret))).status).to.equal(200);
      expect((await two().set(bearer(secret))).status).to.equal(200);
      expect(second.context.apiKeys.cached(secret)?.fresh).to.equal(true);

      const revokedAt = Date.now();
      expect(await env.gateway.context.apiKeys.revoke(client.id)).to.equal(1);
      expect(env.gateway.context.apiKeys.cached(secret)).to.equal(null);
      expect((await one().set(bearer(secret))).status).to.equal(401);
      await waitFor("the revoked key to be refused on the other instance", async () => {
        const res = await two().set(bearer(secret));
        expect(res.status).to.be.oneOf([200, 401]);
        expect(Date.now() - revokedAt, "still accepted by the second instance").to.be.below(API_KEY_CACHE_MS + 2_000);
        return res.status === 401;
      });
      expect(Date.now() - revokedAt).to.be.at.most(API_KEY_CACHE_MS + 500);
      expect(second.context.apiKeys.cached(secret)).to.equal(null);
    } finally {
      await second.stop();
    }
  });

  describe("DATABASE_SCHEMA", () => {
    const base = { OPERATOR_KEY: "0x" + "11".repeat(32), DATABASE_URL: "postgres://gateway@127.0.0.1:5432/gateway" };
    const hostile = [
      'public"; DROP TABLE api_clients; --',
      "Gateway",
      "1abc",
      "a-b",
      "a".repeat(64),
      "gw test",
      "gw\u0000",
    ];

    it("is a PostgreSQL identifier: lower-case, at most 63 characters", () => {
      for (const ok of ["gateway", "_gw", "gw_test_1", "a".repeat(63)]) {
        expect(isDatabaseSchema(ok), ok).to.equal(true);
        expect(loadConfig({ ...base, DATABASE_SCHEMA: ok }).database).to.deep.include({ schema: ok });
        expect(loadDatabaseConfig({ ...base, DATABASE_SCHEMA: ok })).to.deep.include({ schema: ok });
      }
    });

    it("when it is not, then the configuration, the command-line tasks and the database layer refuse it, naming the variable", async () => {
      for (const bad of hostile) {
        expect(isDatabaseSchema(bad), bad).to.equal(false);
        expect(() => loadConfig({ ...base, DATABASE_SCHEMA: bad }), bad).to.throw(
          ConfigError,
          /DATABASE_SCHEMA: must be a PostgreSQL identifier/,
        );
        expect(() => loadDatabaseConfig({ ...base, DATABASE_SCHEMA: bad }), bad).to.throw(
          ConfigError,
          /DATABASE_SCHEMA: must be a PostgreSQL identifier/,
        );
        // Refused before any connection is tried (nothing listens on port 1).
        const err = await openDatabase(
          {
            type: "postgres",
            url: "postgres://nobody@127.0.0.1:1/none",
            schema: bad,
          },
          GATEWAY_MODEL,
        ).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, bad).to.be.instanceOf(DatabaseSchemaError);
        expect((err as DatabaseSchemaError).code).to.equal("DATABASE_SCHEMA_INVALID");
      }
    });

    it("when the gateway starts with it, then it exits with code 2 and says what to fix", async () => {
      const child = spawn(process.execPath, ["-r", "ts-node/register", "server/cli/serve.ts"], {
        cwd: resolve(__dirname, "../.."),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TS_NODE_TRANSPILE_ONLY: "true",
          ...base,
          DATABASE_SCHEMA: 'x"; DROP SCHEMA public CASCADE; --',
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((done) => child.once("exit", done));
      expect(code, stderr).to.equal(2);
      expect(stderr).to.match(
        /invalid gateway configuration:\n(.*\n)*\s+DATABASE_SCHEMA: must be a PostgreSQL identifier/,
      );
    });
  });
});
