import { expect } from "chai";
import { id as keccakText } from "ethers";
import type { Wallet } from "ethers";
import { OBLIGATIONS_TYPES } from "../../server/domain/eip712";
import { PlatformEvent } from "../../server/persistence/event-log";
import {
  bearer,
  bootstrapPlatform,
  buildFiling,
  decisionChangeBody,
  domain,
  expectPosted,
  FAR_FUTURE,
  issue,
  onboard,
  randomHolder,
  signAck,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

/**
 * The ledger's rules as a user of the API meets them: decision changes ordered by the issuer's signature, operator
 * powers that stop with the permit, freezes the authority ordered. Each refusal comes with its code before anything
 * is written or sent.
 */
describe("gateway: issuer-signed decision changes, operator powers under the permit, authority freezes", function () {
  let env: TestEnv;
  let issuer: Wallet, alice: Wallet, bob: Wallet;
  let assetId: string;
  let documentHash: string;
  const o = () => bearer(env.keys.operator);
  const a = () => bearer(env.keys.authority);
  const m = () => bearer(env.keys.monitor);

  before(async () => {
    env = await startEnv();
    [issuer, alice, bob] = [randomHolder(), randomHolder(), randomHolder()];
    ({ documentHash } = await bootstrapPlatform(env));
    for (const p of [issuer, alice, bob]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, issuer, "1000", "21"));
    await expectPosted(
      env.http
        .post("/v1/transfers?wait=true")
        .set(o())
        .set("Idempotency-Key", "rules-seed")
        .send(await transferBody(env, issuer, alice.address, assetId, "100", "0")),
    );
  });
  after(async () => env?.close());

  /** Sends the request and checks its refusal, and that nothing was written or sent. */
  async function expectRefused(
    send: () => PromiseLike<{
      status: number;
      body: { error: { code: string; message: string; details?: Record<string, unknown> } };
    }>,
    status: number,
    code: string,
  ) {
    const before = await env.counts();
    const res = await send();
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.body.error.code).to.equal(code);
    expect(res.body.error.message).to.be.a("string").and.not.empty;
    expect(await env.counts()).to.deep.equal(before);
    return res;
  }
  const decisionOf = async (id: string) =>
    (await env.http.get(`/v1/assets/${id}`).set(m())).body.decision as {
      documentHash: string;
      uri: string;
      changes: { oldHash: string; newHash: string; newUri: string; reason: string }[];
    };

  describe("a decision change is the issuer's order (Art. 7.1)", () => {
    const v2 = {
      documentHash: keccakText("decision v2"),
      uri: "https://steppegrain.kz/decisions/2026-02.pdf",
      reason: "corrected elevator address",
    };
    const change = (body: object) => env.http.post(`/v1/assets/${assetId}/decision?wait=true`).set(o()).send(body);

    it("when the body lacks the issuer's signature or its deadline, then it is refused at the edge", async () => {
      const signed = await decisionChangeBody(env, issuer, assetId, v2);
      for (const field of ["issuerSignature", "deadline"] as const) {
        const { [field]: _left, ...body } = signed;
        const res = await expectRefused(() => change(body), 400, "VALIDATION_FAILED");
        expect(JSON.stringify(res.body.error.details)).to.include(field);
      }
    });

    it("when the signature is another account's, covers other values, an older decision, or has expired, then its code and nothing is sent", async () => {
      const before = await decisionOf(assetId);
      // Signed by a holder who is not the issuer.
      let res = await expectRefused(
        async () => change(await decisionChangeBody(env, alice, assetId, v2)),
        422,
        "ISSUER_SIGNATURE_INVALID",
      );
      expect(res.body.error.details).to.deep.include({
        issuer: issuer.address,
        assetId,
        previousHash: before.documentHash,
      });
      // Signed by the issuer, then altered: another URI, another hash, another reason than the issuer ordered.
      const signed = await decisionChangeBody(env, issuer, assetId, v2);
      await expectRefused(
        () => change({ ...signed, uri: "https://steppegrain.kz/decisions/forged.pdf" }),
        422,
        "ISSUER_SIGNATURE_INVALID",
      );
      await expectRefused(
        () => change({ ...signed, documentHash: keccakText("forged") }),
        422,
        "ISSUER_SIGNATURE_INVALID",
      );
      await expectRefused(() => change({ ...signed, reason: "something else" }), 422, "ISSUER_SIGNATURE_INVALID");
      await expectRefused(() => change({ ...signed, deadline: "4000000001" }), 422, "ISSUER_SIGNATURE_INVALID");
      // Signed for a decision other than the one in force.
      await expectRefused(
        async () =>
          change(await decisionChangeBody(env, issuer, assetId, v2, { previousHash: keccakText("another decision") })),
        422,
        "ISSUER_SIGNATURE_INVALID",
      );
      // Signed by the issuer with a deadline that has passed.
      res = await expectRefused(
        async () => change(await decisionChangeBody(env, issuer, assetId, v2, { deadline: "1000" })),
        422,
        "DECISION_CHANGE_EXPIRED",
      );
      expect(res.body.error.details).to.deep.include({ deadline: "1000" });
      expect(await decisionOf(assetId)).to.deep.equal(before);
    });

    it("when the issuer signs it, then it is posted and the asset shows the new decision and the change; the same order never applies twice", async () => {
      const original = (await decisionOf(assetId)).documentHash;
      const toV2 = await decisionChangeBody(env, issuer, assetId, v2);
      const posted = await expectPosted(change(toV2));
      expect(posted.body.operation.events).to.deep.include({
        name: "DecisionDocumentChanged",
        args: {
          assetId,
          oldHash: original,
          newHash: v2.documentHash,
          newUri: v2.uri,
          reason: v2.reason,
          operator: env.operator.address,
        },
      });
      let decision = await decisionOf(assetId);
      expect(decision).to.deep.include({ documentHash: v2.documentHash, uri: v2.uri });
      expect(decision.changes.at(-1)).to.include({
        oldHash: original,
        newHash: v2.documentHash,
        newUri: v2.uri,
        reason: v2.reason,
      });

      // Sent again: it was made for the decision that is no longer in force.
      await expectRefused(() => change(toV2), 422, "ISSUER_SIGNATURE_INVALID");
      // The issuer goes back to the original document; then the first order, valid once more against it, is a replay.
      await expectPosted(
        change(
          await decisionChangeBody(env, issuer, assetId, {
            documentHash: original,
            uri: "https://steppegrain.kz/decisions/2026-01.pdf",
            reason: "change withdrawn",
          }),
        ),
      );
      const res = await expectRefused(() => change(toV2), 409, "DECISION_CHANGE_REPLAYED");
      expect(res.body.error.message).to.match(/once/);
      decision = await decisionOf(assetId);
      expect(decision.documentHash).to.equal(original);
    });
  });

  describe("obligations fulfilled: the issuer's signed declaration", () => {
    it("when it is not the issuer's or has expired, then its code and nothing is sent", async () => {
      const declare = (body: object) =>
        env.http.post(`/v1/assets/${assetId}/obligations-fulfilled?wait=true`).set(o()).send(body);
      const sign = (w: Wallet, deadline: string) =>
        w.signTypedData(domain(env), OBLIGATIONS_TYPES, { assetId, deadline });
      const res = await expectRefused(
        async () => declare({ deadline: FAR_FUTURE, signature: await sign(alice, FAR_FUTURE) }),
        422,
        "ISSUER_SIGNATURE_INVALID",
      );
      expect(res.body.error.details).to.deep.include({ issuer: issuer.address, assetId });
      await expectRefused(
        async () => declare({ deadline: "1000", signature: await sign(issuer, "1000") }),
        422,
        "OBLIGATIONS_DECLARATION_EXPIRED",
      );
      // The issuer's valid declaration with units outstanding: the ledger's own refusal, still before anything is sent.
      await expectRefused(
        async () => declare({ deadline: FAR_FUTURE, signature: await sign(issuer, FAR_FUTURE) }),
        409,
        "OBLIGATIONS_OUTSTANDING",
      );
    });
  });

  describe("a transfer to oneself", () => {
    it("when a holder signs a transfer to their own account, then TRANSFER_TO_SELF and nothing is written or sent", async () => {
      const nonce = (await env.http.get(`/v1/holders/${alice.address}/nonces/${assetId}`).set(o())).body
        .nextNonce as string;
      const res = await expectRefused(
        async () =>
          env.http
            .post("/v1/transfers")
            .set(o())
            .set("Idempotency-Key", "self-1")
            .send(await transferBody(env, alice, alice.address, assetId, "1", nonce)),
        422,
        "TRANSFER_TO_SELF",
      );
      expect(res.body.error.details).to.deep.equal({ from: alice.address, to: alice.address });
      // The nonce is still the holder's next one.
      expect((await env.http.get(`/v1/holders/${alice.address}/nonces/${assetId}`).set(o())).body.nextNonce).to.equal(
        nonce,
      );
    });
  });

  describe("every operator power needs an active permit", () => {
    it("when the operator's permit is suspended, then each operator action is refused with OPERATOR_NOT_PERMITTED before anything is sent; resumed, they work again", async () => {
      const until = new Date(Date.now() + 3600_000).toISOString();
      await expectPosted(
        env.http
          .post(`/v1/permits/${env.operator.address}/suspend?wait=true`)
          .set(a())
          .send({ reason: "inspection", until }),
      );
      try {
        const permit = await env.http.get(`/v1/permits/${env.operator.address}`).set(m());
        expect(permit.body).to.include({ status: "Suspended", permitted: false, operatorRole: true });
        expect((await env.http.get("/v1/platform")).body.operatorPermitted).to.equal(false);

        const newcomer = randomHolder();
        const registration = {
          address: newcomer.address,
          kind: "NaturalPerson",
          identity: { fullName: "Suspended Desk Client", iin: "900101300126" },
          acknowledgement: {
            version: 1,
            deadline: FAR_FUTURE,
            signature: await signAck(env, newcomer, 1, documentHash),
          },
        };
        const res = await expectRefused(
          () => env.http.post("/v1/participants").set(o()).send(registration),
          422,
          "OPERATOR_NOT_PERMITTED",
        );
        expect(res.body.error.details).to.deep.equal({ operator: env.operator.address });
        expect((await env.http.get(`/v1/participants/${newcomer.address}`).set(o())).status).to.equal(404);

        const filing = await buildFiling(env, issuer, "10", "22");
        const refusals: [
          string,
          () => PromiseLike<{ status: number; body: { error: { code: string; message: string } } }>,
        ][] = [
          ["deregistration", () => env.http.delete(`/v1/participants/${bob.address}`).set(o())],
          [
            "freeze",
            () => env.http.post(`/v1/participants/${bob.address}/freeze`).set(o()).send({ reason: "AML review" }),
          ],
          [
            "frozen units",
            () =>
              env.http
                .post(`/v1/assets/${assetId}/frozen-units`)
                .set(o())
                .send({ account: alice.address, amount: "1" }),
          ],
          [
            "disclosure",
            () =>
              env.http
                .post("/v1/disclosures")
                .set(o())
                .send({ text: "Risk disclosure v9", uri: "https://platform.kz/risks/v9" }),
          ],
          ["issuance filing", () => env.http.post("/v1/issuance-requests").set(o()).send(filing)],
          [
            "decision change",
            async () =>
              env.http
                .post(`/v1/assets/${assetId}/decision`)
                .set(o())
                .send(
                  await decisionChangeBody(env, issuer, assetId, {
                    documentHash: keccakText("v3"),
                    uri: "https://steppegrain.kz/decisions/v3.pdf",
                    reason: "update",
                  }),
                ),
          ],
          [
            "transfer",
            async () =>
              env.http
                .post("/v1/transfers")
                .set(o())
                .set("Idempotency-Key", "suspended-1")
                .send(
                  await transferBody(
                    env,
                    alice,
                    bob.address,
                    assetId,
                    "1",
                    (await env.http.get(`/v1/holders/${alice.address}/nonces/${assetId}`).set(o())).body.nextNonce,
                  ),
                ),
          ],
        ];
        for (const [what, send] of refusals) {
          const r = await expectRefused(send, 422, "OPERATOR_NOT_PERMITTED");
          expect(r.body.error.code, what).to.equal("OPERATOR_NOT_PERMITTED");
        }
        // The authority's own powers do not depend on the operator's permit.
        await expectPosted(
          env.http.post(`/v1/participants/${bob.address}/freeze?wait=true`).set(a()).send({ reason: "AML review" }),
        );
        await expectPosted(
          env.http.post(`/v1/participants/${bob.address}/unfreeze?wait=true`).set(a()).send({ reason: "cleared" }),
        );
      } finally {
        await expectPosted(env.http.post(`/v1/permits/${env.operator.address}/resume?wait=true`).set(a()));
      }
      expect((await env.http.get(`/v1/permits/${env.operator.address}`).set(m())).body).to.include({
        status: "Active",
        permitted: true,
        operatorRole: true,
      });
      await onboard(env, randomHolder(), documentHash);
    });
  });

  describe("a freeze the authority ordered binds operators", () => {
    it("when the authority freezes a participant, then the participant shows it, an operator cannot lift it, and the authority can", async () => {
      await expectPosted(
        env.http.post(`/v1/participants/${bob.address}/freeze?wait=true`).set(a()).send({ reason: "court order 2-55" }),
      );
      let view = await env.http.get(`/v1/participants/${bob.address}`).set(m());
      expect(view.body.onChain).to.include({ frozen: true, frozenByAuthority: true });
      const res = await expectRefused(
        () => env.http.post(`/v1/participants/${bob.address}/unfreeze`).set(o()).send({ reason: "cleared" }),
        409,
        "PARTICIPANT_FROZEN_BY_AUTHORITY",
      );
      expect(res.body.error.message).to.match(/only the authority/i);
      // Deregistered and registered again, the participant is still under the order.
      await expectPosted(env.http.delete(`/v1/participants/${bob.address}?wait=true`).set(o()));
      view = await env.http.get(`/v1/participants/${bob.address}`).set(m());
      expect(view.body.onChain).to.include({ registered: false, frozen: true, frozenByAuthority: true });
      await expectPosted(
        env.http
          .post("/v1/participants?wait=true")
          .set(o())
          .send({
            address: bob.address,
            kind: "NaturalPerson",
            identity: { fullName: "Bob again", iin: "900101300126" },
            acknowledgement: { version: 1, deadline: FAR_FUTURE, signature: await signAck(env, bob, 1, documentHash) },
          }),
      );
      expect((await env.http.get(`/v1/participants/${bob.address}`).set(m())).body.onChain).to.include({
        registered: true,
        frozen: true,
        frozenByAuthority: true,
      });
      await expectPosted(
        env.http.post(`/v1/participants/${bob.address}/unfreeze?wait=true`).set(a()).send({ reason: "order lifted" }),
      );
      view = await env.http.get(`/v1/participants/${bob.address}`).set(m());
      expect(view.body.onChain).to.include({ frozen: false, frozenByAuthority: false });

      // An operator's own freeze it lifts itself.
      await expectPosted(
        env.http.post(`/v1/participants/${bob.address}/freeze?wait=true`).set(o()).send({ reason: "AML review" }),
      );
      expect((await env.http.get(`/v1/participants/${bob.address}`).set(m())).body.onChain).to.include({
        frozen: true,
        frozenByAuthority: false,
      });
      await expectPosted(
        env.http.post(`/v1/participants/${bob.address}/unfreeze?wait=true`).set(o()).send({ reason: "cleared" }),
      );
    });

    it("when the authority freezes units, then an operator cannot change them, and the order is announced with who gave it", async () => {
      await expectPosted(
        env.http
          .post(`/v1/assets/${assetId}/frozen-units?wait=true`)
          .set(a())
          .send({ account: alice.address, amount: "40" }),
      );
      await expectRefused(
        () =>
          env.http.post(`/v1/assets/${assetId}/frozen-units`).set(o()).send({ account: alice.address, amount: "0" }),
        409,
        "FROZEN_UNITS_ORDERED_BY_AUTHORITY",
      );
      const holders = (await env.http.get(`/v1/assets/${assetId}/holders`).set(m())).body.items as {
        address: string;
        frozen: string;
      }[];
      expect(holders.find((h) => h.address === alice.address)?.frozen).to.equal("40");
      await expectPosted(
        env.http
          .post(`/v1/assets/${assetId}/frozen-units?wait=true`)
          .set(a())
          .send({ account: alice.address, amount: "0" }),
      );

      await env.gateway.context.mirror.indexer.sync();
      const announced = await env.gateway.dataSource
        .getRepository(PlatformEvent)
        .find({ where: { type: "tokens.frozen", account: alice.address.toLowerCase() }, order: { seq: "ASC" } });
      expect(
        announced
          .map((e) => JSON.parse(e.payload) as Record<string, unknown>)
          .map((p) => [p.amount, p.orderedBy, p.byAuthority]),
      ).to.deep.equal([
        ["40", env.authority.address.toLowerCase(), true],
        ["0", env.authority.address.toLowerCase(), false],
      ]);
      const monitored = await env.http.get(`/v1/monitoring/participants/${alice.address}`).set(m());
      expect(monitored.status, JSON.stringify(monitored.body)).to.equal(200);
      expect(
        monitored.body.freezes
          .filter((f: { type: string }) => f.type === "tokens.frozen")
          .map((f: { orderedBy: string; byAuthority: boolean }) => [f.orderedBy, f.byAuthority]),
      ).to.deep.equal([
        [env.authority.address, true],
        [env.authority.address, false],
      ]);
    });
  });
});
