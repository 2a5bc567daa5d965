import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { Wallet } from "ethers";
import type { Response } from "supertest";
import {
  Alert,
  DecisionCheck,
  MonitoringReport,
  Subscription,
  SubscriptionDelivery,
} from "../../server/supervision/entities";
import { MirrorFault } from "../../server/mirror/entities";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  issue,
  onboard,
  PERMIT,
  randomHolder,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

/** ISO 8601 in UTC, as every time in a response is written. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const FAKE_ASSET = "999";

/**
 * Every value of a key named `at` or `*At` (not null) anywhere in a value, with where it is. An operation's
 * `events[].args` are the ledger's event arguments as emitted (uint256 decimal strings, what a record hash covers):
 * not a time the API writes.
 */
function times(v: unknown, at = ""): [string, unknown][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => times(x, `${at}[${i}]`));
  if (v === null || typeof v !== "object") return [];
  return Object.entries(v).flatMap(([k, x]) => [
    ...(k === "args" ? [] : times(x, `${at}.${k}`)),
    ...((k === "at" || /[a-z]At$/.test(k)) && x !== null ? [[`${at}.${k}`, x] as [string, unknown]] : []),
  ]);
}

describe("gateway: one pagination convention (limit, cursor, next) and ISO times on every list", function () {
  let env: TestEnv;
  let owner: Wallet, alice: Wallet, bob: Wallet;
  let assetId: string;
  let subscriptionId: string;
  let key: string;

  const get = (path: string) => env.http.get(path).set(bearer(key));

  /** The list's items read a page of `limit` at a time through `next` (items under `pick`), and all in one page. */
  async function walk(
    path: string,
    limit: number,
    pick: (body: Record<string, unknown>) => { items: unknown[]; next: string | null } = (b) =>
      b as { items: unknown[]; next: string | null },
  ) {
    const sep = path.includes("?") ? "&" : "?";
    const whole = await get(`${path}${sep}limit=500`);
    expect(whole.status, `${path}: ${JSON.stringify(whole.body)}`).to.equal(200);
    const all = pick(whole.body as Record<string, unknown>);
    expect(all.next, `${path}: one page holds them all`).to.equal(null);
    expect(all.items.length, `${path}: more items than one page of ${limit}`).to.be.greaterThan(limit);
    const seen: unknown[] = [];
    let next: string | null = `${path}${sep}limit=${limit}`;
    let pages = 0;
    let first: Response | null = null;
    while (next) {
      const res: Response = await get(next);
      expect(res.status, `${next}: ${JSON.stringify(res.body)}`).to.equal(200);
      first ??= res;
      const page = pick(res.body as Record<string, unknown>);
      expect(page.items.length, next).to.be.at.most(limit);
      if (page.next) {
        expect(page.items.length, `${next}: a page before the last is full`).to.equal(limit);
        const u = new URL(page.next, "http://x");
        expect(u.pathname, `${next}: next keeps the path`).to.equal(new URL(path, "http://x").pathname);
        for (const [k, v] of new URL(path, "http://x").searchParams)
          expect(u.searchParams.get(k), `${next}: next keeps ${k}`).to.equal(v);
      }
      seen.push(...page.items);
      next = page.next;
      pages += 1;
      expect(pages, `${path}: ends`).to.be.below(500);
    }
    expect(pages, `${path}: pages`).to.be.greaterThan(1);
    const ids = seen.map((x) => JSON.stringify(x));
    expect(new Set(ids).size, `${path}: no item repeated`).to.equal(ids.length);
    expect(seen, `${path}: the pages together are the list, none skipped`).to.deep.equal(all.items);
    for (const [where, t] of times(seen))
      expect(String(t), `${path} ${where}`)
        .to.match(ISO_UTC)
        .and.satisfy((s: string) => !isNaN(Date.parse(s)));
    // A cursor this list did not hand out (altered, cut, of another shape) is refused, not guessed at.
    const cursor = new URL(pick(first!.body as Record<string, unknown>).next!, "http://x").searchParams.get("cursor")!;
    for (const bad of [
      cursor.slice(0, -4),
      cursor + "A",
      Buffer.from('{"after":1}').toString("base64url"),
      Buffer.from('["x", "y", "z", "w"]').toString("base64url"),
      "%%%",
    ]) {
      const res = await get(`${path}${sep}limit=${limit}&cursor=${encodeURIComponent(bad)}`);
      expect(res.status, `${path} cursor ${bad}: ${JSON.stringify(res.body)}`).to.equal(400);
      expect(res.body.code, `${path} cursor ${bad}`).to.equal("CURSOR_INVALID");
      expect(res.headers["content-type"]).to.match(/application\/problem\+json/);
    }
    return seen;
  }

  before(async function () {
    env = await startEnv();
    key = env.keys.authority;
    owner = randomHolder();
    alice = randomHolder();
    bob = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    const a = bearer(env.keys.authority);
    // A second permit and asset type, so their lists have two items.
    await expectPosted(
      env.http
        .post("/v1/permits?wait=true")
        .set(a)
        .send({ ...PERMIT, operator: Wallet.createRandom().address, permitNumber: "KZ-SDA-0002" }),
    );
    await expectPosted(
      env.http
        .post("/v1/asset-types?wait=true")
        .set(a)
        .send({ code: "COAL", name: "Coal in a certified warehouse", category: "TangibleAsset" }),
    );
    for (const p of [owner, alice, bob]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000000", "1"));
    await issue(env, owner, "5000", "2");
    for (const [to, nonce] of [
      [alice, "0"],
      [bob, "1"],
    ] as const) {
      const res = await env.http
        .post("/v1/transfers?wait=true")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", `pages-${nonce}`)
        .send(await transferBody(env, owner, to.address, assetId, "100", nonce));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    for (const name of ["r1", "r2", "r3"]) {
      const res = await env.http
        .post("/v1/monitoring/rules")
        .set(bearer(env.keys.monitor))
        .send({ name, kind: "frozen-participant" });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    // Rows of the supervision tables, some with the same time (the id breaks the tie).
    const m = env.gateway.dataSource.manager;
    const t = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString();
    for (let i = 0; i < 5; i++) {
      await m.insert(Alert, {
        id: randomUUID(),
        kind: "decision.unreachable",
        status: "resolved",
        assetId: FAKE_ASSET,
        account: null,
        openKey: null,
        detail: "{}",
        occurrences: 1,
        raisedAt: t(i < 3 ? 0 : i),
        lastSeenAt: t(i),
        resolvedAt: t(30),
        resolution: "reachable again",
      });
      await m.insert(DecisionCheck, {
        id: randomUUID(),
        assetId: FAKE_ASSET,
        uri: "https://issuer.example.kz/decision.pdf",
        expectedHash: "0x" + "11".repeat(32),
        actualHash: null,
        outcome: "unreachable",
        httpStatus: null,
        error: "timeout",
        durationMs: 10,
        checkedAt: t(i < 3 ? 0 : i),
      });
      await m.insert(MonitoringReport, {
        id: randomUUID(),
        ruleId: randomUUID(),
        ruleKind: "single-movement",
        status: "open",
        assetId: FAKE_ASSET,
        account: alice.address.toLowerCase(),
        eventSeq: i < 3 ? 7 : 7 + i,
        detail: "{}",
        acknowledgedBy: null,
        acknowledgedAt: null,
        closedBy: null,
        closedAt: null,
        note: null,
        createdAt: t(i),
      });
      await m.insert(MirrorFault, {
        txHash: "0x" + String(i).repeat(64),
        logIndex: i % 2,
        blockNumber: 1 + Math.floor(i / 2),
        blockHash: "0x" + "22".repeat(32),
        event: null,
        topic: null,
        kind: "undecodable",
        detail: JSON.stringify({ message: "test" }),
        createdAt: t(i),
      });
    }
    subscriptionId = randomUUID();
    for (const id of [subscriptionId, randomUUID(), randomUUID()])
      await m.insert(Subscription, {
        id,
        clientId: randomUUID(),
        issuer: null,
        url: "https://receiver.example.kz/hooks",
        description: null,
        secret: "whsec_" + "a".repeat(32),
        eventTypes: JSON.stringify(["record.posted"]),
        assetIds: null,
        accounts: null,
        status: "paused",
        cursorSeq: 1_000_000,
        lastSequence: 5,
        leaseOwner: null,
        leaseUntil: null,
        createdAt: t(0),
        updatedAt: t(0),
      });
    for (let s = 1; s <= 5; s++)
      await m.insert(SubscriptionDelivery, {
        id: randomUUID(),
        subscriptionId,
        sequence: s,
        eventSeq: s,
        eventType: "record.posted",
        status: "delivered",
        attempts: 1,
        generation: 0,
        nextAttemptAt: t(s),
        lastStatusCode: 200,
        lastError: null,
        lastAttemptAt: t(s),
        deliveredAt: t(s),
        createdAt: t(s),
      });
    // The mirror has the records (and the event log the owner's movements) before the lists are read.
    for (let i = 0; i < 200; i++) {
      const r = await get(`/v1/records?assetId=${assetId}&limit=500`);
      if (r.body.items?.length >= 3) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    for (let i = 0; i < 200; i++) {
      const v = await env.http.get(`/v1/monitoring/participants/${owner.address}`).set(bearer(env.keys.monitor));
      if (v.body.movements?.items?.length >= 3) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  });
  after(async () => env?.close());

  const lists: [string, number][] = [
    ["/v1/assets", 1],
    ["/v1/assets/1/holders", 1],
    ["/v1/assets/1/records", 2],
    ["/v1/participants/{owner}/holdings", 1],
    ["/v1/participants", 2],
    ["/v1/issuance-requests", 1],
    ["/v1/issuance-requests?status=posted", 1],
    ["/v1/operations", 3],
    ["/v1/operations?status=posted", 2],
    ["/v1/records", 2],
    ["/v1/records?assetId=1&participant={owner}", 1],
    ["/v1/mirror/faults", 2],
    ["/v1/audit", 4],
    ["/v1/audit?outcome=accepted", 3],
    ["/v1/alerts?assetId=999", 2],
    ["/v1/decision-checks?assetId=999&outcome=unreachable", 2],
    ["/v1/monitoring/rules", 2],
    ["/v1/monitoring/reports?assetId=999", 2],
    ["/v1/subscriptions", 2],
    ["/v1/subscriptions/{subscription}/deliveries", 2],
    ["/v1/subscriptions/{subscription}/deliveries?status=delivered", 3],
    ["/v1/permits", 1],
    ["/v1/asset-types", 1],
    ["/v1/roles", 2],
    ["/v1/errors", 50],
  ];
  const fill = (p: string) =>
    p
      .replace("{owner}", owner.address)
      .replace("{subscription}", subscriptionId)
      .replace("/assets/1/", `/assets/${assetId}/`);

  for (const [path, limit] of lists)
    it(`when ${path} is read a page at a time through next, then no item repeats or is skipped and the last next is null`, async () => {
      await walk(fill(path), limit);
    });

  it("when a participant's movements are read a page at a time, then movements.next walks them the same way", async () => {
    key = env.keys.monitor;
    try {
      const seen = await walk(`/v1/monitoring/participants/${owner.address}`, 1, (b) => b.movements as never);
      expect(seen.length).to.be.at.least(3);
    } finally {
      key = env.keys.authority;
    }
  });

  it("when a list is read without a limit, then the page holds the documented default (50), and more than 500 is refused", async () => {
    const res = await get("/v1/errors");
    expect(res.body.items).to.have.length(50);
    expect(res.body.next).to.match(/^\/v1\/errors\?cursor=/);
    const tooMany = await get("/v1/errors?limit=501");
    expect(tooMany.status).to.equal(400);
    expect(tooMany.body.code).to.equal("VALIDATION_FAILED");
  });

  it("when records are exported as CSV, then their times are ISO 8601 UTC beside the block number", async () => {
    const csv = await get(`/v1/records/export?format=csv&assetId=${assetId}`)
      .buffer(true)
      .parse((res, cb) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => cb(null, data));
      });
    const [head, ...rows] = (csv.body as string).trimEnd().split("\n");
    const cols = head.split(",");
    expect(rows.length).to.be.at.least(3);
    for (const row of rows) {
      const r = Object.fromEntries(row.split(",").map((v, j) => [cols[j], v]));
      expect(r.posted_at).to.match(ISO_UTC);
      expect(r.rights_arisen_at).to.equal(r.posted_at);
      expect(r.block_number).to.match(/^\d+$/);
    }
  });
});
