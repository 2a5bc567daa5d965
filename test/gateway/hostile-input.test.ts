import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { Signature, Wallet } from "ethers";
import {
  bearer,
  bootstrapPlatform,
  buildFiling,
  decisionChangeBody,
  issue,
  onboard,
  PERMIT,
  randomHolder,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

/**
 * Issue 7: whatever a client sends gets a 4xx that names the problem, and changes nothing — no 500, no operation,
 * no transaction. Each case was seen accepted (or answered 500) before the edge validation.
 */
describe("gateway: hostile input is refused at the edge and changes nothing", function () {
  let env: TestEnv;
  let holder: Wallet;
  let other: Wallet;
  let assetId: string;
  const o = () => bearer(env.keys.operator);
  const a = () => bearer(env.keys.authority);
  const m = () => bearer(env.keys.monitor);

  before(async () => {
    env = await startEnv();
    holder = randomHolder();
    other = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, holder, documentHash);
    await onboard(env, other, documentHash);
    ({ assetId } = await issue(env, holder, "1000"));
  });
  after(async () => env?.close());

  /** Sends, expects the status (and code), and checks that no operation or transaction was created. */
  async function expectRefused(
    send: () => PromiseLike<{ status: number; body: { error?: { code: string } } }>,
    status: number,
    code?: string,
  ) {
    const before = await env.counts();
    const res = await send();
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    if (code) expect(res.body.error?.code).to.equal(code);
    expect(await env.counts()).to.deep.equal(before);
    return res;
  }

  describe("text that is not well-formed Unicode", function () {
    const LOW = "\udfff";
    const HIGH = "\ud800";

    it("when an issuance filing carries a lone surrogate in the decision URI or the issuer's name, then 400 and nothing is filed", async () => {
      const good = await buildFiling(env, holder, "10", "7001");
      for (const body of [
        { ...good, decision: { ...good.decision, uri: `https://steppegrain.kz/d${LOW}.pdf` } },
        { ...good, decision: { ...good.decision, rightsExtent: `1 unit${HIGH}` } },
        { ...good, issuer: { ...good.issuer, legalName: `Steppe ${HIGH} Grain` } },
        { ...good, issuer: { ...good.issuer, registeredAddress: `Astana${LOW}` } },
      ]) {
        const res = await expectRefused(
          () => env.http.post("/v1/issuance-requests").set(o()).send(body),
          400,
          "VALIDATION_FAILED",
        );
        expect(JSON.stringify(res.body.error)).to.match(/well-formed/);
      }
      const list = await env.http.get("/v1/issuance-requests?status=filed").set(o());
      expect(list.body.items.filter((r: { nonce?: string }) => r.nonce === "7001")).to.have.length(0);
    });

    it("when a KYC identity holds a lone surrogate in a nested value or key, then 400 (not 500)", async () => {
      const p = randomHolder();
      for (const identity of [{ fullName: `A${HIGH}` }, { nested: { deeper: [`x${LOW}`] } }, { [`k${LOW}`]: "v" }]) {
        await expectRefused(
          () =>
            env.http.post("/v1/participants").set(o()).send({ address: p.address, kind: "NaturalPerson", identity }),
          400,
          "VALIDATION_FAILED",
        );
      }
    });

    it("when a reason, a permit detail, an asset type name or a disclosure carries a lone surrogate or a NUL, then 400", async () => {
      await expectRefused(
        () =>
          env.http
            .post(`/v1/participants/${other.address}/freeze`)
            .set(o())
            .send({ reason: `court order ${LOW}` }),
        400,
        "VALIDATION_FAILED",
      );
      await expectRefused(
        () => env.http.post(`/v1/participants/${other.address}/freeze`).set(o()).send({ reason: "court\u0000order" }),
        400,
        "VALIDATION_FAILED",
      );
      await expectRefused(
        () =>
          env.http
            .post("/v1/permits")
            .set(a())
            .send({ ...PERMIT, operator: randomHolder().address, legalName: `X${HIGH}` }),
        400,
        "VALIDATION_FAILED",
      );
      await expectRefused(
        () =>
          env.http
            .post("/v1/asset-types")
            .set(a())
            .send({ code: "WOOL", name: `Wool${LOW}`, category: "TangibleAsset" }),
        400,
        "VALIDATION_FAILED",
      );
      await expectRefused(
        () =>
          env.http
            .post("/v1/disclosures")
            .set(o())
            .send({ text: `Risks${LOW}`, uri: "https://platform.kz/risks/v9" }),
        400,
        "VALIDATION_FAILED",
      );
      const change = await decisionChangeBody(env, holder, assetId, {
        documentHash: "0x" + "11".repeat(32),
        uri: `https://x.kz/${LOW}`,
        reason: "update",
      });
      await expectRefused(
        () => env.http.post(`/v1/assets/${assetId}/decision`).set(o()).send(change),
        400,
        "VALIDATION_FAILED",
      );
    });
  });

  describe("what PostgreSQL cannot take is refused before it gets there", function () {
    it("when a query filter holds a NUL or another control character, then 400 (PostgreSQL refuses NUL in text)", async () => {
      for (const [path, key] of [
        ["/v1/operations", a()],
        ["/v1/operations", o()],
        ["/v1/audit", m()],
      ] as const) {
        for (const q of ["kind=%00", "kind=a%1Bb", "clientId=%00", "action=a%00b", "requestId=%00"]) {
          if (path === "/v1/operations" && !q.startsWith("kind")) continue;
          if (path === "/v1/audit" && q.startsWith("kind")) continue;
          const res = await env.http.get(`${path}?${q}`).set(key);
          expect(res.status, `${path}?${q}`).to.equal(400);
          expect(res.body.error.code).to.equal("VALIDATION_FAILED");
        }
      }
      const exported = await env.http.get("/v1/audit/export?action=%00").set(m());
      expect(exported.status).to.equal(400);
      expect(exported.body.error.code).to.equal("VALIDATION_FAILED");
      const records = await env.http.get("/v1/records/export?assetId=1&from=%00").set(m());
      expect(records.status).to.equal(400);
    });

    it("when an integer is beyond what its column holds (2^31-1), then 400, not 500", async () => {
      const big = "2147483648";
      const cursor = Buffer.from(`[${big}]`).toString("base64url");
      for (const [req, label, code] of [
        [
          env.http.get(`/v1/monitoring/participants/${holder.address}?cursor=${cursor}`).set(m()),
          "movements cursor",
          "CURSOR_INVALID",
        ],
        [
          env.http
            .get(`/v1/subscriptions/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}/deliveries?cursor=${cursor}`)
            .set(m()),
          "deliveries cursor",
          "CURSOR_INVALID",
        ],
        [env.http.get(`/v1/participants?limit=${big}`).set(o()), "limit", "VALIDATION_FAILED"],
        [
          env.http.post("/v1/mirror/resync").set(o()).send({ fromBlock: 9007199254740991 }),
          "fromBlock",
          "VALIDATION_FAILED",
        ],
      ] as const) {
        const res = await req;
        expect(res.status, label).to.equal(400);
        expect(res.body.error.code, label).to.equal(code);
      }
    });

    it("when a number in a path has whitespace around it, or names a block beyond the head, then 4xx and nothing changes", async () => {
      for (const path of ["/v1/disclosures/%091", "/v1/disclosures/1%E2%80%A8", "/v1/disclosures/%201"]) {
        const res = await env.http.get(path);
        expect(res.status, path).to.equal(400);
      }
      const mirrorBefore = (await env.http.get("/v1/mirror").set(o())).body;
      const resync = await env.http.post("/v1/mirror/resync").set(o()).send({ fromBlock: 2147483647 });
      expect(resync.status).to.equal(422);
      expect(resync.body.error.code).to.equal("RESYNC_BLOCK_BEYOND_HEAD");
      expect((await env.http.get("/v1/mirror").set(o())).body.records).to.equal(mirrorBefore.records);
    });

    it("when a KYC identity hides a bad IIN (nested, or under a padded key), holds control characters or a __proto__ key, then 400", async () => {
      const p = randomHolder();
      for (const identity of [
        { fullName: "A B", nested: { iin: "123" } },
        { fullName: "A B", "IIN ": "x" },
        { fullName: "a\u0000b" },
        { fullName: "a\u001b[31mb" },
      ]) {
        await expectRefused(
          () =>
            env.http.post("/v1/participants").set(o()).send({ address: p.address, kind: "NaturalPerson", identity }),
          400,
          "VALIDATION_FAILED",
        );
      }
      const raw = `{"address":"${p.address}","kind":"NaturalPerson","identity":{"fullName":"A","__proto__":{"iin":"000000000001"}}}`;
      await expectRefused(
        () => env.http.post("/v1/participants").set(o()).set("Content-Type", "application/json").send(raw),
        400,
        "VALIDATION_FAILED",
      );
    });

    it("when a required reason is blank, then 400", async () => {
      await expectRefused(
        () => env.http.post(`/v1/participants/${other.address}/freeze`).set(o()).send({ reason: "   " }),
        400,
        "VALIDATION_FAILED",
      );
      await expectRefused(
        () => env.http.post(`/v1/assets/${assetId}/suspend`).set(a()).send({ reason: "\t" }),
        400,
        "VALIDATION_FAILED",
      );
    });
  });

  describe("requests the parser or the router rejects keep their 4xx", function () {
    it("when a path parameter has malformed percent-encoding or encodes invalid UTF-8, then 400", async () => {
      for (const path of [
        "/v1/participants/%E0%A4%A",
        "/v1/participants/%FF",
        "/v1/participants/%uD800",
        "/v1/operations/%ED%A0%80",
        "/v1/asset-types/%C0%AF",
      ]) {
        const res = await env.http.get(path).set(o());
        expect(res.status, path).to.equal(400);
        expect(res.body.error.code, path).to.equal("MALFORMED_REQUEST");
      }
    });

    it("when a body says Content-Encoding: gzip but is not gzip, then 400; real gzip still works", async () => {
      await expectRefused(
        () =>
          env.http
            .post(`/v1/participants/${other.address}/freeze`)
            .set(o())
            .set("Content-Type", "application/json")
            .set("Content-Encoding", "gzip")
            .send('{"reason":"x"}'),
        400,
        "MALFORMED_REQUEST",
      );
      // A real gzip body is inflated and then validated like any other.
      const zipped = gzipSync(Buffer.from(JSON.stringify({ reason: `x${"\udfff"}` })));
      const before = await env.counts();
      const res = await fetch(`${env.url}/v1/participants/${other.address}/freeze`, {
        method: "POST",
        headers: { ...o(), "Content-Type": "application/json", "Content-Encoding": "gzip" },
        body: zipped,
      });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).to.equal("VALIDATION_FAILED");
      expect(await env.counts()).to.deep.equal(before);
    });

    it("when a JSON body is not UTF-8 (invalid bytes) or declares another charset (utf-7, latin1), then 400/415 and nothing changes", async () => {
      const url = `${env.url}/v1/participants/${other.address}/freeze`;
      const send = (body: Buffer, contentType: string) =>
        fetch(url, { method: "POST", headers: { ...o(), "Content-Type": contentType }, body });
      for (const bytes of ["c0af", "ff", "f4908080", "eda080"]) {
        const before = await env.counts();
        const body = Buffer.concat([
          Buffer.from('{"reason":"court '),
          Buffer.from(bytes, "hex"),
          Buffer.from(' order"}'),
        ]);
        const res = await send(body, "application/json");
        expect(res.status, bytes).to.equal(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).to.equal("MALFORMED_JSON");
        expect(await env.counts()).to.deep.equal(before);
      }
      for (const charset of ["utf-7", "UTF-16", "latin1", "iso-8859-1"]) {
        const before = await env.counts();
        const res = await send(Buffer.from('{"reason":"court order"}'), `application/json; charset=${charset}`);
        expect(res.status, charset).to.equal(415);
        expect(((await res.json()) as { error: { code: string } }).error.code).to.equal("UNSUPPORTED_MEDIA_TYPE");
        expect(await env.counts()).to.deep.equal(before);
      }
      // A well-formed body with an explicit UTF-8 charset is read: the answer is the domain's, not the parser's.
      const ok = await fetch(`${env.url}/v1/participants/${other.address}/unfreeze`, {
        method: "POST",
        headers: { ...o(), "Content-Type": "application/json; charset=UTF-8" },
        body: Buffer.from('{"reason":"court order №1"}'),
      });
      expect(((await ok.json()) as { error: { code: string } }).error.code).to.equal("PARTICIPANT_NOT_FROZEN");
    });

    it("when JSON is nested 20,000 levels deep, then 400 before any recursion, and the gateway still answers", async () => {
      const depth = 20_000;
      const identity = `{"a":${"[".repeat(depth)}1${"]".repeat(depth)}}`;
      const raw = `{"address":"${randomHolder().address}","kind":"NaturalPerson","identity":${identity}}`;
      const res = await expectRefused(
        () => env.http.post("/v1/participants").set(o()).set("Content-Type", "application/json").send(raw),
        400,
        "VALIDATION_FAILED",
      );
      expect(JSON.stringify(res.body.error)).to.match(/nested/);
      expect((await env.http.get("/healthz")).status).to.equal(200);
    });
  });

  describe("identifiers checked by their own rule", function () {
    it("when the issuer's BIN has a wrong control digit, then ISSUER_IDENTIFICATION_NUMBER_INVALID and nothing is filed", async () => {
      const good = await buildFiling(env, holder, "10", "7002");
      const bad = good.issuer.bin.slice(0, 11) + String((Number(good.issuer.bin[11]) + 1) % 10);
      await expectRefused(
        () =>
          env.http
            .post("/v1/issuance-requests")
            .set(o())
            .send({ ...good, issuer: { ...good.issuer, bin: bad } }),
        422,
        "ISSUER_IDENTIFICATION_NUMBER_INVALID",
      );
    });

    it("when a KYC identity names an IIN or BIN that fails the control digit, then 400 and nothing is registered", async () => {
      const p = randomHolder();
      for (const identity of [
        { fullName: "A B", iin: "-23014001234" },
        { fullName: "A B", iin: "900101300123" },
        { name: "C LLP", bin: 230140012345 },
      ]) {
        await expectRefused(
          () =>
            env.http.post("/v1/participants").set(o()).send({ address: p.address, kind: "NaturalPerson", identity }),
          400,
          "VALIDATION_FAILED",
        );
      }
    });

    it("when a permit's operator BIN is not a BIN ('abc', a wrong control digit), then 400 and no permit", async () => {
      const operator = randomHolder().address;
      for (const bin of ["abc", "230140012341", "23014001234", "２３０１４００１２３４０"]) {
        await expectRefused(
          () =>
            env.http
              .post("/v1/permits")
              .set(a())
              .send({ ...PERMIT, operator, bin }),
          400,
          "VALIDATION_FAILED",
        );
      }
      expect((await env.http.get(`/v1/permits/${operator}`).set(a())).status).to.equal(404);
    });

    it("when a decision or disclosure URI is not https (javascript:, data:, file:, ftp:, free text), then 400 at filing, on a change and on publishing", async () => {
      const good = await buildFiling(env, holder, "10", "7003");
      for (const uri of [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "ftp://steppegrain.kz/d.pdf",
        "see our website",
        "https://",
        "//steppegrain.kz/d.pdf",
      ]) {
        await expectRefused(
          () =>
            env.http
              .post("/v1/issuance-requests")
              .set(o())
              .send({ ...good, decision: { ...good.decision, uri } }),
          400,
          "VALIDATION_FAILED",
        );
        const change = await decisionChangeBody(env, holder, assetId, {
          documentHash: "0x" + "22".repeat(32),
          uri,
          reason: "new version",
        });
        await expectRefused(
          () => env.http.post(`/v1/assets/${assetId}/decision`).set(o()).send(change),
          400,
          "VALIDATION_FAILED",
        );
        await expectRefused(
          () => env.http.post("/v1/disclosures").set(o()).send({ text: "Risks v2", uri }),
          400,
          "VALIDATION_FAILED",
        );
      }
    });

    it("when a document URI is plain http and the operator did not allow it, then DOCUMENT_URI_SCHEME_NOT_ALLOWED", async () => {
      const good = await buildFiling(env, holder, "10", "7004");
      const uri = "http://steppegrain.kz/decisions/2026-01.pdf";
      await expectRefused(
        () =>
          env.http
            .post("/v1/issuance-requests")
            .set(o())
            .send({ ...good, decision: { ...good.decision, uri } }),
        422,
        "DOCUMENT_URI_SCHEME_NOT_ALLOWED",
      );
      // Signed by the issuer: the scheme alone is the reason.
      const change = await decisionChangeBody(env, holder, assetId, {
        documentHash: "0x" + "33".repeat(32),
        uri,
        reason: "new version",
      });
      await expectRefused(
        () => env.http.post(`/v1/assets/${assetId}/decision`).set(o()).send(change),
        422,
        "DOCUMENT_URI_SCHEME_NOT_ALLOWED",
      );
      await expectRefused(
        () => env.http.post("/v1/disclosures").set(o()).send({ text: "Risks v2", uri }),
        422,
        "DOCUMENT_URI_SCHEME_NOT_ALLOWED",
      );
    });

    it("when a date filter is not strict ISO 8601 or unix seconds, then 400; strict forms are accepted", async () => {
      for (const from of [
        "' OR '1'='1",
        "2001-02-30",
        "2026-01-01T00:00:00",
        "Tue Dec 01 2026",
        "2026-13-01T00:00:00Z",
        "1e9",
        "-1",
      ]) {
        const res = await env.http.get("/v1/records").query({ from }).set(m());
        expect(res.status, from).to.equal(400);
        expect(res.body.error.code).to.equal("VALIDATION_FAILED");
      }
      for (const from of ["2026-01-01T00:00:00Z", "2026-01-01T05:00:00+05:00", "2026-01-01", "1767225600"]) {
        expect((await env.http.get("/v1/records").query({ from }).set(m())).status, from).to.equal(200);
      }
    });
  });

  describe("signatures: one rule on both sides (65 bytes, v 27 or 28, low s, as the ledger's ECDSA)", function () {
    it("when a holder's transfer is signed in the 64-byte compact form (EIP-2098) or with v 0/1, then SIGNATURE_INVALID before anything is sent", async () => {
      const body = await transferBody(env, holder, other.address, assetId, "1", "0");
      const sig = Signature.from(body.signature);
      const yParity = sig.yParity.toString(16).padStart(2, "0");
      for (const signature of [sig.compactSerialized, sig.r + sig.s.slice(2) + yParity]) {
        await expectRefused(
          () =>
            env.http
              .post("/v1/transfers")
              .set(o())
              .set("Idempotency-Key", randomUUID())
              .send({ ...body, signature }),
          422,
          "SIGNATURE_INVALID",
        );
      }
      const posted = await env.http
        .post("/v1/transfers?wait=true")
        .set(o())
        .set("Idempotency-Key", randomUUID())
        .send(body);
      expect(posted.body.operation.status).to.equal("posted");
    });

    it("when the signature has the high-s twin of a valid one, then SIGNATURE_INVALID", async () => {
      const body = await transferBody(env, holder, other.address, assetId, "1", "1");
      const sig = Signature.from(body.signature);
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const highS = (n - BigInt(sig.s)).toString(16).padStart(64, "0");
      const v = sig.v === 27 ? "1c" : "1b";
      await expectRefused(
        () =>
          env.http
            .post("/v1/transfers")
            .set(o())
            .set("Idempotency-Key", randomUUID())
            .send({ ...body, signature: sig.r + highS + v }),
        422,
        "SIGNATURE_INVALID",
      );
    });
  });
});
