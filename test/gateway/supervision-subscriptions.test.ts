import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Wallet } from "ethers";
import pino from "pino";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { createGateway } from "../../server/main";
import { appendEvent } from "../../server/persistence/event-log";
import { Subscription } from "../../server/supervision/entities";
import type { NewEvent } from "../../server/persistence/event-log";
import { bearer, bootstrapPlatform, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { FAST_SUPERVISION, Receiver, verifyLegacySignature, verifySignature, waitFor } from "./supervision-support";
import type { Received } from "./supervision-support";

const alice = Wallet.createRandom().address;
const bob = Wallet.createRandom().address;

function record(n: number, from: string, to: string): NewEvent {
  return {
    type: "record.posted",
    assetId: "1",
    account: from,
    counterparty: to,
    payload: {
      assetId: "1",
      sequence: String(n),
      from,
      to,
      amount: String(100 * n),
      ref: "0x" + "00".repeat(32),
      postedAt: Math.floor(Date.now() / 1000),
      txHash: "0x" + "ab".repeat(32),
      blockNumber: n,
      logIndex: 0,
      recordHash: "0x" + "cd".repeat(24),
    },
  };
}

/** Strictly increasing once consecutive repeats (retries of the same delivery) are collapsed. */
function collapse(seqs: number[]): number[] {
  return seqs.filter((s, i) => i === 0 || s !== seqs[i - 1]);
}

describe("supervision: webhook subscriptions", function () {
  let env: TestEnv;
  let receiver: Receiver;

  before(async () => {
    env = await startEnv(FAST_SUPERVISION);
    receiver = await new Receiver().start();
  });
  after(async () => {
    await env?.close();
    await receiver?.stop();
  });

  const append = (events: NewEvent[]) =>
    env.gateway.internals.db.transaction(async (em) => {
      for (const e of events) await appendEvent(em, e);
    });

  let subId: string;
  let secret: string;

  it("when a monitor subscribes, then the secret is returned once and never again", async () => {
    const res = await env.http
      .post("/v1/subscriptions")
      .set(bearer(env.keys.monitor))
      .send({
        url: receiver.url,
        eventTypes: ["record.posted"],
        filters: { accounts: [alice] },
        description: "alice's movements",
      });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    // Standard Webhooks form: whsec_ + base64 of 32 random bytes.
    expect(res.body.secret).to.match(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(res.body.secret.slice(6), "base64")).to.have.length(32);
    expect(res.body.subscription).to.include({ status: "active", lastSequence: 0 });
    expect(res.body.subscription.filters.accounts).to.deep.equal([alice.toLowerCase()]);
    subId = res.body.subscription.id;
    secret = res.body.secret;
    const got = await env.http.get(`/v1/subscriptions/${subId}`).set(bearer(env.keys.monitor));
    expect(got.status).to.equal(200);
    expect(JSON.stringify(got.body)).not.to.contain(secret);
    const list = await env.http.get("/v1/subscriptions").set(bearer(env.keys.monitor));
    expect(list.body.items.map((s: { id: string }) => s.id)).to.deep.equal([subId]);
  });

  it("when another client asks for it, then it does not exist for them; the authority sees it", async () => {
    expect((await env.http.get(`/v1/subscriptions/${subId}`).set(bearer(env.keys.operator))).body.error.code).to.equal(
      "SUBSCRIPTION_NOT_FOUND",
    );
    expect((await env.http.get(`/v1/subscriptions/${subId}`).set(bearer(env.keys.authority))).status).to.equal(200);
    expect(
      (
        await env.http
          .post("/v1/subscriptions")
          .set(bearer(env.keys.verifier))
          .send({ url: receiver.url, eventTypes: ["record.posted"] })
      ).status,
    ).to.equal(403);
    const bad = await env.http
      .post("/v1/subscriptions")
      .set(bearer(env.keys.monitor))
      .send({ url: "ftp://example.kz/x", eventTypes: ["record.posted"] });
    expect(bad.status).to.equal(400);
  });

  it("when the receiver fails, then is slow, then comes back, then every matching event arrives in order, signed, none lost", async () => {
    receiver.mode = "fail";
    await append([
      record(1, alice, bob),
      record(2, bob, Wallet.createRandom().address),
      record(3, bob, alice),
      record(4, alice, bob),
      record(5, alice, bob),
    ]);
    await waitFor("failed attempts", async () => receiver.requests.length >= 3);
    receiver.mode = "slow";
    const before = receiver.requests.length;
    await waitFor("a timed-out attempt", async () => receiver.requests.length >= before + 2, 10_000);
    receiver.mode = "ok";
    await waitFor(
      "all four deliveries",
      async () => receiver.accepted().length >= 4 && collapse(receiver.accepted()).length === 4,
    );
    // Only the events involving alice (the filter): 4 of 5, numbered 1..4 per subscription.
    expect(collapse(receiver.accepted())).to.deep.equal([1, 2, 3, 4]);
    const seqs = receiver.requests.map((r) => r.sequence);
    expect(collapse(seqs)).to.deep.equal([1, 2, 3, 4], `arrival order ${seqs.join(",")}`);
    expect(seqs.filter((s) => s === 1).length).to.be.greaterThan(2);
    for (const r of receiver.requests) {
      expect(verifySignature(secret, r), "signature").to.equal(true);
      expect(r.body.subscriptionId).to.equal(subId);
      expect(r.body.event.type).to.equal("record.posted");
    }
    expect(verifySignature("whsec_wrong", receiver.requests[0])).to.equal(false);
    expect(
      receiver.requests
        .map((r) => (r.body.event.payload as { sequence: string }).sequence)
        .filter((_, i, a) => i === 0 || a[i] !== a[i - 1]),
    ).to.deep.equal(["1", "3", "4", "5"]);
    const deliveries = await waitFor("delivered status", async () => {
      const d = await env.http.get(`/v1/subscriptions/${subId}/deliveries`).set(bearer(env.keys.monitor));
      return d.body.items.every((i: { status: string }) => i.status === "delivered") ? d.body.items : null;
    });
    expect(deliveries.map((d: { sequence: number }) => d.sequence)).to.deep.equal([1, 2, 3, 4]);
    expect(deliveries[0].attempts).to.be.greaterThan(2);
    expect(deliveries[3].attempts).to.equal(1);
  });

  it("when a receiver verifies with the standardwebhooks library, then real deliveries pass; a tampered body, a wrong secret or a replayed old timestamp fail", async () => {
    const headers = (r: Received) => r.headers as Record<string, string>;
    const wh = new Webhook(secret);
    for (const r of receiver.requests) {
      expect(wh.verify(r.raw, headers(r))).to.deep.equal(r.body);
      // The signed webhook-id is the delivery id, also in the body.
      expect(r.headers["webhook-id"]).to.equal(r.body.deliveryId);
      expect(r.headers["webhook-signature"]).to.match(/^v1,[A-Za-z0-9+/]{43}=$/);
      // The deprecated scheme is still sent for one version, with the same id and timestamp.
      expect(r.headers["x-webhook-id"]).to.equal(r.headers["webhook-id"]);
      expect(r.headers["x-webhook-timestamp"]).to.equal(r.headers["webhook-timestamp"]);
      expect(verifyLegacySignature(secret, r)).to.equal(true);
    }
    // Retries of one delivery carry the same webhook-id (fresh timestamp and signature); other deliveries other ids.
    const first = receiver.requests.filter((r) => r.sequence === 1);
    expect(first.length).to.be.greaterThan(2);
    expect(new Set(first.map((r) => r.headers["webhook-id"])).size).to.equal(1);
    expect(new Set(receiver.requests.map((r) => r.headers["webhook-id"])).size).to.equal(4);

    const r = receiver.requests[receiver.requests.length - 1];
    const refused = (f: () => unknown, message: RegExp) => expect(f).to.throw(WebhookVerificationError, message);
    refused(
      () => wh.verify(r.raw.replace(`"sequence":${r.sequence}`, `"sequence":${r.sequence + 1}`), headers(r)),
      /No matching signature/,
    );
    refused(() => wh.verify(r.raw, { ...headers(r), "webhook-id": "other" }), /No matching signature/);
    refused(
      () => new Webhook("whsec_" + randomBytes(32).toString("base64")).verify(r.raw, headers(r)),
      /No matching signature/,
    );
    // Replayed 10 minutes later: the signed timestamp is older than the library's 5-minute tolerance, and
    // refreshing the timestamp header breaks the signature.
    const realNow = Date.now;
    Date.now = () => realNow() + 10 * 60_000;
    try {
      refused(() => wh.verify(r.raw, headers(r)), /too old/);
      refused(
        () => wh.verify(r.raw, { ...headers(r), "webhook-timestamp": String(Math.floor(Date.now() / 1000)) }),
        /No matching signature/,
      );
    } finally {
      Date.now = realNow;
    }
  });

  it("when a subscription holds a secret of the earlier form (whsec_ + hex), then its deliveries still verify with the library", async () => {
    const r5 = await new Receiver().start();
    try {
      // Accounts of their own, so the other subscriptions' numbering is untouched.
      const [carol, dave] = [Wallet.createRandom().address, Wallet.createRandom().address];
      const res = await env.http
        .post("/v1/subscriptions")
        .set(bearer(env.keys.monitor))
        .send({ url: r5.url, eventTypes: ["record.posted"], filters: { accounts: [carol] } });
      const old = "whsec_" + randomBytes(32).toString("hex");
      await env.gateway.internals.db.manager.update(Subscription, { id: res.body.subscription.id }, { secret: old });
      await append([record(50, carol, dave)]);
      await waitFor("the delivery", async () => r5.accepted().length >= 1);
      expect(
        new Webhook(old).verify(r5.requests[0].raw, r5.requests[0].headers as Record<string, string>),
      ).to.deep.equal(r5.requests[0].body);
      expect(verifySignature(old, r5.requests[0])).to.equal(true);
      await env.http.delete(`/v1/subscriptions/${res.body.subscription.id}`).set(bearer(env.keys.monitor));
    } finally {
      await r5.stop();
    }
  });

  it("when a replay from sequence 2 is asked, then 2, 3, 4 are sent again in order with the same numbers", async () => {
    const n = receiver.requests.length;
    const res = await env.http
      .post(`/v1/subscriptions/${subId}/replay`)
      .set(bearer(env.keys.monitor))
      .send({ fromSequence: 2 });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.equal({ replayed: 3, fromSequence: 2, toSequence: 4 });
    await waitFor("the replay", async () => receiver.requests.length >= n + 3);
    const again = receiver.requests.slice(n);
    expect(again.map((r) => r.sequence)).to.deep.equal([2, 3, 4]);
    expect(again[0].body.event.seq).to.equal(receiver.requests.find((r) => r.sequence === 2)!.body.event.seq);
    const beyond = await env.http
      .post(`/v1/subscriptions/${subId}/replay`)
      .set(bearer(env.keys.monitor))
      .send({ fromSequence: 9 });
    expect(beyond.body.error.code).to.equal("REPLAY_SEQUENCE_INVALID");
  });

  it("when paused, then nothing is sent; when resumed, then the waiting events follow; when deleted, then it is gone", async () => {
    expect(
      (await env.http.post(`/v1/subscriptions/${subId}/pause`).set(bearer(env.keys.monitor))).body.subscription.status,
    ).to.equal("paused");
    const n = receiver.requests.length;
    await append([record(6, alice, bob)]);
    await new Promise((r) => setTimeout(r, 400));
    expect(receiver.requests.length).to.equal(n);
    expect(
      (await env.http.post(`/v1/subscriptions/${subId}/resume`).set(bearer(env.keys.monitor))).body.subscription.status,
    ).to.equal("active");
    await waitFor("the delivery after resume", async () => receiver.requests.length > n);
    expect(receiver.requests[n].sequence).to.equal(5);
    expect((await env.http.delete(`/v1/subscriptions/${subId}`).set(bearer(env.keys.monitor))).body).to.deep.equal({
      deleted: true,
    });
    expect((await env.http.get(`/v1/subscriptions/${subId}`).set(bearer(env.keys.monitor))).status).to.equal(404);
    await append([record(7, alice, bob)]);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests.length).to.equal(n + 1);
  });

  it("when the gateway restarts with undelivered events, then delivery resumes from the persisted cursor without loss", async () => {
    const r2 = await new Receiver().start();
    try {
      const res = await env.http
        .post("/v1/subscriptions")
        .set(bearer(env.keys.authority))
        .send({ url: r2.url, eventTypes: ["record.posted"], filters: { assetIds: ["1"] } });
      const { secret: s2 } = res.body;
      r2.mode = "fail";
      await append([record(8, alice, bob), record(9, bob, alice)]);
      await waitFor("a failed attempt", async () => r2.requests.length >= 1);
      await env.restart();
      r2.mode = "ok";
      await append([record(10, bob, alice)]);
      await waitFor("three deliveries", async () => collapse(r2.accepted()).length === 3);
      expect(collapse(r2.accepted())).to.deep.equal([1, 2, 3]);
      expect(r2.requests.every((r) => verifySignature(s2, r))).to.equal(true);
    } finally {
      await r2.stop();
    }
  });

  it("when two gateway instances share the database, then each subscription is still delivered once in order, without gaps", async () => {
    const second = await createGateway({ ...env.config, port: 0 }, pino({ level: "silent" }));
    await second.start();
    const r4 = await new Receiver().start();
    try {
      const res = await env.http
        .post("/v1/subscriptions")
        .set(bearer(env.keys.monitor))
        .send({ url: r4.url, eventTypes: ["record.posted"] });
      r4.mode = "fail";
      const batch = Array.from({ length: 20 }, (_, i) =>
        record(100 + i, i % 2 ? alice : bob, Wallet.createRandom().address),
      );
      await append(batch.slice(0, 10));
      await waitFor("failed attempts", async () => r4.requests.length >= 2);
      r4.mode = "ok";
      await second.internals.db.transaction(async (em) => {
        for (const e of batch.slice(10)) await appendEvent(em, e);
      });
      await waitFor("twenty deliveries", async () => collapse(r4.accepted()).length === 20);
      const seqs = r4.requests.map((r) => r.sequence);
      expect(collapse(seqs)).to.deep.equal(
        Array.from({ length: 20 }, (_, i) => i + 1),
        `arrival order ${seqs.join(",")}`,
      );
      expect(r4.requests.every((r) => verifySignature(res.body.secret, r))).to.equal(true);
    } finally {
      await second.stop();
      await r4.stop();
    }
  });

  it("when an operation settles, then the submitter's operation.succeeded event is delivered (same transaction as the outcome)", async () => {
    const r3 = await new Receiver().start();
    try {
      const res = await env.http
        .post("/v1/subscriptions")
        .set(bearer(env.keys.operator))
        .send({ url: r3.url, eventTypes: ["operation.succeeded", "operation.failed", "permit.changed"] });
      expect(res.status).to.equal(201);
      await bootstrapPlatform(env);
      const succeeded = () =>
        r3.requests.filter((r) => r.answered === 200 && r.body.event.type === "operation.succeeded");
      await waitFor("operation events", async () => succeeded().length >= 3);
      expect(
        succeeded()
          .map((r) => (r.body.event.payload as { kind: string }).kind)
          .slice(0, 3),
      ).to.have.length(3);
      expect(succeeded()[0].body.event.payload).to.have.property("txHash");
      expect(succeeded()[0].body.event.payload).to.have.property("operationId");
      // The indexer's permit.changed arrives on the same subscription, interleaved in log order.
      await waitFor("the permit change", async () => r3.requests.some((r) => r.body.event.type === "permit.changed"));
      // At least once: a retry after a lost or late answer repeats a number, never skips or reorders one.
      const seqs = collapse(r3.accepted());
      expect(seqs).to.deep.equal(seqs.map((_, i) => i + 1));
    } finally {
      await r3.stop();
    }
  });
  it("when a subscription request is resent with the same Idempotency-Key, then one subscription exists and the resend gets the same answer, secret included; another body under the key is refused", async () => {
    const auth = bearer(env.keys.authority);
    const body = { url: receiver.url, eventTypes: ["permit.changed"], description: "resent" };
    const first = await env.http.post("/v1/subscriptions").set(auth).set("Idempotency-Key", "sub-create-1").send(body);
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    const again = await env.http.post("/v1/subscriptions").set(auth).set("Idempotency-Key", "sub-create-1").send(body);
    expect(again.status).to.equal(201);
    expect(again.body).to.deep.equal(first.body);
    const mine = (await env.http.get("/v1/subscriptions").set(auth)).body.items.filter(
      (s: { description?: string }) => s.description === "resent",
    );
    expect(mine).to.have.length(1);
    const other = await env.http
      .post("/v1/subscriptions")
      .set(auth)
      .set("Idempotency-Key", "sub-create-1")
      .send({ ...body, description: "another" });
    expect(other.status).to.equal(409);
    // Pausing twice under one key is one pause, answered the same.
    const id = first.body.subscription.id as string;
    const p1 = await env.http.post(`/v1/subscriptions/${id}/pause`).set(auth).set("Idempotency-Key", "sub-pause-1");
    const p2 = await env.http.post(`/v1/subscriptions/${id}/pause`).set(auth).set("Idempotency-Key", "sub-pause-1");
    expect(p1.status).to.equal(200);
    expect(p2.body).to.deep.equal(p1.body);
    expect(p1.body.subscription.status).to.equal("paused");
  });
});
