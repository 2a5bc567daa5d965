import { expect } from "chai";
import { Wallet, ZeroHash } from "ethers";
import {
  bearer,
  bootstrapPlatform,
  domain,
  expectPosted,
  FAR_FUTURE,
  issue,
  onboard,
  randomHolder,
  signAck,
  signTransfer,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

describe("gateway: transfer refusals, idempotency and malformed input", function () {
  let env: TestEnv;
  let owner: Wallet, alice: Wallet, bob: Wallet, outsider: Wallet;
  let assetId: string;
  let documentHash: string;
  let key = 0;
  const o = () => bearer(env.keys.operator);
  const a = () => bearer(env.keys.authority);

  before(async () => {
    env = await startEnv();
    [owner, alice, bob, outsider] = [randomHolder(), randomHolder(), randomHolder(), randomHolder()];
    ({ documentHash } = await bootstrapPlatform(env));
    for (const p of [owner, alice, bob]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "1000000", "7"));
    await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(o())
        .set("Idempotency-Key", "seed")
        .send(await transferBody(env, owner, alice.address, assetId, "100", "0")),
    );
  });
  after(async () => env?.close());

  /** Sends the transfer and checks the refusal code, and that nothing was written or sent. */
  async function expectRefused(body: unknown, status: number, code: string) {
    const before = await env.counts();
    const res = await env.http
      .post("/v1/transfers")
      .set(o())
      .set("Idempotency-Key", `refusal-${key++}`)
      .send(body as object);
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.body.error.code).to.equal(code);
    expect(res.body.error.message).to.be.a("string").and.not.empty;
    expect(await env.counts()).to.deep.equal(before);
    return res;
  }
  const aliceNonce = async () =>
    (await env.http.get(`/v1/holders/${alice.address}/nonces/${assetId}`).set(o())).body.nextNonce as string;

  describe("refusal reasons: each has its code and submits nothing", () => {
    it("PLATFORM_PAUSED", async () => {
      await expectPosted(env.http.post("/v1/platform/pause?wait=true").set(a()));
      await expectRefused(
        await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce()),
        422,
        "PLATFORM_PAUSED",
      );
      await expectPosted(env.http.post("/v1/platform/unpause?wait=true").set(a()));
    });
    it("OPERATOR_NOT_PERMITTED", async () => {
      const until = new Date(Date.now() + 3600_000).toISOString();
      await expectPosted(
        env.http
          .post(`/v1/permits/${env.operator.address}/suspend?wait=true`)
          .set(a())
          .send({ reason: "inspection", until }),
      );
      await expectRefused(
        await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce()),
        422,
        "OPERATOR_NOT_PERMITTED",
      );
      await expectPosted(env.http.post(`/v1/permits/${env.operator.address}/resume?wait=true`).set(a()));
    });
    it("ASSET_NOT_ACTIVE", async () => {
      await expectPosted(
        env.http.post(`/v1/assets/${assetId}/suspend?wait=true`).set(a()).send({ reason: "court order" }),
      );
      await expectRefused(
        await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce()),
        422,
        "ASSET_NOT_ACTIVE",
      );
      await expectPosted(env.http.post(`/v1/assets/${assetId}/resume?wait=true`).set(a()).send({ reason: "lifted" }));
      await expectRefused(await transferBody(env, alice, bob.address, "99", "1", "0"), 422, "ASSET_NOT_ACTIVE");
    });
    it("SENDER_NOT_REGISTERED and RECIPIENT_NOT_REGISTERED", async () => {
      await expectRefused(
        await transferBody(env, outsider, bob.address, assetId, "1", "0"),
        422,
        "SENDER_NOT_REGISTERED",
      );
      await expectRefused(
        await transferBody(env, alice, outsider.address, assetId, "1", await aliceNonce()),
        422,
        "RECIPIENT_NOT_REGISTERED",
      );
    });
    it("SENDER_FROZEN and RECIPIENT_FROZEN", async () => {
      await expectPosted(
        env.http.post(`/v1/participants/${bob.address}/freeze?wait=true`).set(a()).send({ reason: "AML review" }),
      );
      await expectRefused(
        await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce()),
        422,
        "RECIPIENT_FROZEN",
      );
      await expectPosted(
        env.http.post(`/v1/participants/${alice.address}/freeze?wait=true`).set(o()).send({ reason: "AML review" }),
      );
      await expectRefused(
        await transferBody(env, alice, owner.address, assetId, "1", await aliceNonce()),
        422,
        "SENDER_FROZEN",
      );
      for (const p of [alice, bob])
        await expectPosted(
          env.http.post(`/v1/participants/${p.address}/unfreeze?wait=true`).set(a()).send({ reason: "cleared" }),
        );
    });
    it("SENDER_DISCLOSURE_NOT_ACKNOWLEDGED and RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED", async () => {
      await expectPosted(
        env.http
          .post("/v1/disclosures?wait=true")
          .set(o())
          .send({ text: "Risk disclosure v2", uri: "https://platform.kz/risks/v2" }),
      );
      const v2 = (await env.http.get("/v1/disclosures/current")).body;
      expect(v2.version).to.equal(2);
      // only the owner acknowledges v2
      await expectPosted(
        env.http
          .post("/v1/disclosures/2/acknowledgements?wait=true")
          .set(o())
          .send({
            account: owner.address,
            deadline: FAR_FUTURE,
            signature: await signAck(env, owner, 2, v2.documentHash),
          }),
      );
      await expectRefused(
        await transferBody(env, alice, owner.address, assetId, "1", await aliceNonce()),
        422,
        "SENDER_DISCLOSURE_NOT_ACKNOWLEDGED",
      );
      await expectRefused(
        await transferBody(env, owner, alice.address, assetId, "1", "1"),
        422,
        "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
      );
      for (const p of [alice, bob]) {
        await expectPosted(
          env.http
            .post("/v1/disclosures/2/acknowledgements?wait=true")
            .set(o())
            .send({ account: p.address, deadline: FAR_FUTURE, signature: await signAck(env, p, 2, v2.documentHash) }),
        );
      }
    });
    it("INSUFFICIENT_BALANCE and INSUFFICIENT_UNFROZEN_BALANCE", async () => {
      await expectRefused(
        await transferBody(env, alice, bob.address, assetId, "101", await aliceNonce()),
        422,
        "INSUFFICIENT_BALANCE",
      );
      await expectPosted(
        env.http
          .post(`/v1/assets/${assetId}/frozen-units?wait=true`)
          .set(a())
          .send({ account: alice.address, amount: "60" }),
      );
      await expectRefused(
        await transferBody(env, alice, bob.address, assetId, "41", await aliceNonce()),
        422,
        "INSUFFICIENT_UNFROZEN_BALANCE",
      );
      await expectPosted(
        env.http
          .post(`/v1/assets/${assetId}/frozen-units?wait=true`)
          .set(a())
          .send({ account: alice.address, amount: "0" }),
      );
    });
    it("AUTHORIZATION_EXPIRED", async () => {
      await expectRefused(
        await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce(), { deadline: "1000" }),
        422,
        "AUTHORIZATION_EXPIRED",
      );
    });
    it("SIGNATURE_INVALID: signed by someone else, for another chain, for another contract", async () => {
      const auth = (await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce())).authorization;
      await expectRefused(
        { authorization: auth, signature: await signTransfer(env, bob, auth) },
        422,
        "SIGNATURE_INVALID",
      );
      await expectRefused(
        { authorization: auth, signature: await signTransfer(env, alice, auth, domain(env, { chainId: 1 })) },
        422,
        "SIGNATURE_INVALID",
      );
      await expectRefused(
        {
          authorization: auth,
          signature: await signTransfer(
            env,
            alice,
            auth,
            domain(env, { verifyingContract: env.deployment.issuanceRules }),
          ),
        },
        422,
        "SIGNATURE_INVALID",
      );
      await expectRefused({ authorization: auth, signature: "0x1234" }, 422, "SIGNATURE_INVALID");
    });
    it("NONCE_USED and NONCE_NOT_NEXT", async () => {
      await expectRefused(await transferBody(env, owner, alice.address, assetId, "1", "0"), 409, "NONCE_USED");
      const next = BigInt(await aliceNonce());
      await expectRefused(
        await transferBody(env, alice, bob.address, assetId, "1", String(next + 5000n)),
        409,
        "NONCE_NOT_NEXT",
      );
    });
    it("INVALID_RECEIVER for the zero address", async () => {
      await expectRefused(
        await transferBody(env, alice, "0x0000000000000000000000000000000000000000", assetId, "1", await aliceNonce()),
        422,
        "INVALID_RECEIVER",
      );
    });
  });

  describe("idempotency", () => {
    it("when the same key and body are sent again, then the same operation is returned and no second transaction is sent", async () => {
      const body = await transferBody(env, alice, bob.address, assetId, "2", await aliceNonce());
      const first = await env.http.post("/v1/transfers?wait=true").set(o()).set("Idempotency-Key", "idem-1").send(body);
      expect(first.status).to.equal(200);
      const before = await env.counts();
      const again = await env.http.post("/v1/transfers").set(o()).set("Idempotency-Key", "idem-1").send(body);
      expect(again.status).to.equal(202);
      expect(again.headers["idempotent-replayed"]).to.equal("true");
      expect(again.body.operation.id).to.equal(first.body.operation.id);
      expect(again.body.operation.status).to.equal("posted");
      expect(await env.counts()).to.deep.equal(before);
    });
    it("when the same key comes with another body, then 409 IDEMPOTENCY_KEY_REUSED and nothing changes", async () => {
      const body = await transferBody(env, alice, bob.address, assetId, "3", await aliceNonce());
      const before = await env.counts();
      const res = await env.http.post("/v1/transfers").set(o()).set("Idempotency-Key", "idem-1").send(body);
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal("IDEMPOTENCY_KEY_REUSED");
      expect(await env.counts()).to.deep.equal(before);
    });
    it("when concurrent duplicates race, then exactly one operation exists", async () => {
      const body = await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce());
      const results = await Promise.all(
        [0, 1, 2, 3].map(() => env.http.post("/v1/transfers").set(o()).set("Idempotency-Key", "idem-race").send(body)),
      );
      const ids = new Set(results.filter((r) => r.status === 202).map((r) => r.body.operation.id));
      expect(ids.size).to.equal(1);
      for (const r of results) expect([202, 409]).to.include(r.status);
      await env.gateway.context.services.operations.waitFor(
        await env.gateway.context.services.operations.get([...ids][0]),
        10_000,
      );
    });
    it("when the key is missing, then 400 IDEMPOTENCY_KEY_MISSING", async () => {
      const res = await env.http
        .post("/v1/transfers")
        .set(o())
        .send(await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce()));
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal("IDEMPOTENCY_KEY_MISSING");
    });
  });

  describe("malformed input gets a 4xx with a clear code and changes nothing", () => {
    const send = async (raw: string | object, status: number, code: string, type = "application/json") => {
      const before = await env.counts();
      const res = await env.http
        .post("/v1/transfers")
        .set(o())
        .set("Idempotency-Key", `bad-${key++}`)
        .set("Content-Type", type)
        .send(raw);
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
      expect(res.body.error.code).to.equal(code);
      expect(await env.counts()).to.deep.equal(before);
      return res;
    };
    let good: Awaited<ReturnType<typeof transferBody>>;
    before(async () => {
      good = await transferBody(env, alice, bob.address, assetId, "1", await aliceNonce());
    });
    it("broken JSON", () => send('{"authorization": {', 400, "MALFORMED_JSON"));
    it("wrong types", async () => {
      const res = await send(
        { ...good, authorization: { ...good.authorization, amount: 5 } },
        400,
        "VALIDATION_FAILED",
      );
      expect(res.body.error.details.issues[0].path).to.equal("authorization.amount");
    });
    it("missing fields and unknown fields", async () => {
      await send({ signature: good.signature }, 400, "VALIDATION_FAILED");
      await send({ ...good, extra: 1 }, 400, "VALIDATION_FAILED");
    });
    it("oversized body", () => send({ ...good, padding: "x".repeat(200_000) }, 413, "PAYLOAD_TOO_LARGE"));
    it("bad addresses", async () => {
      await send({ ...good, authorization: { ...good.authorization, to: "0x1234" } }, 400, "VALIDATION_FAILED");
      await send(
        {
          ...good,
          authorization: { ...good.authorization, to: good.authorization.to.toLowerCase().replace("0x", "0X") },
        },
        400,
        "VALIDATION_FAILED",
      );
    });
    it("negative, zero, fractional and huge amounts", async () => {
      for (const amount of ["-1", "0", "1.5", "1e3", (1n << 256n).toString()])
        await send({ ...good, authorization: { ...good.authorization, amount } }, 400, "VALIDATION_FAILED");
    });
    it("bad ref and signature encodings", async () => {
      await send({ ...good, authorization: { ...good.authorization, ref: "0x12" } }, 400, "VALIDATION_FAILED");
      await send({ ...good, signature: "not hex" }, 400, "VALIDATION_FAILED");
    });
    it("an unknown route, and a non-JSON body", async () => {
      const r = await env.http.get("/v1/nothing-here").set(o());
      expect(r.status).to.equal(404);
      expect(r.body.error.code).to.equal("ROUTE_NOT_FOUND");
      await send("authorization=1", 400, "VALIDATION_FAILED", "application/x-www-form-urlencoded");
    });
    it("and the good body is still accepted afterwards", async () => {
      const res = await env.http
        .post("/v1/transfers?wait=true")
        .set(o())
        .set("Idempotency-Key", "good-after-bad")
        .send(good);
      expect(res.status).to.equal(200);
      expect(res.body.operation.status).to.equal("posted");
      // The operation names the key that relayed it: the operator's.
      expect(res.body.operation.signerAddress).to.equal(env.operator.address);
      const pending = await env.http.get(`/v1/operations?status=pending`).set(o());
      for (const op of pending.body.items) expect(op).to.not.have.property("signerAddress");
      void ZeroHash;
    });
  });
});
