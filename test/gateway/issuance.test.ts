import { expect } from "chai";
import { Wallet, ZeroHash } from "ethers";
import {
  attest,
  bearer,
  bootstrapPlatform,
  buildFiling,
  expectPosted,
  FAR_FUTURE,
  onboard,
  randomHolder,
  startEnv,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

describe("gateway: issuance workflow refusals name the missing requirement (Art. 5.2)", function () {
  let env: TestEnv;
  let owner: Wallet;
  const o = () => bearer(env.keys.operator);
  before(async () => {
    env = await startEnv();
    owner = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, owner, documentHash);
  });
  after(async () => env?.close());

  it("when an element of the decision or issuer details is missing, then its own code and nothing is filed", async () => {
    const good = await buildFiling(env, owner, "100", "11");
    const cases: [object, string][] = [
      [{ ...good, decision: { ...good.decision, documentHash: ZeroHash } }, "ISSUANCE_DECISION_HASH_MISSING"],
      [{ ...good, decision: { ...good.decision, uri: "" } }, "ISSUANCE_DECISION_URI_MISSING"],
      [{ ...good, decision: { ...good.decision, rightsType: ZeroHash } }, "ISSUANCE_RIGHTS_TYPE_MISSING"],
      [{ ...good, decision: { ...good.decision, rightsExtent: " " } }, "ISSUANCE_RIGHTS_EXTENT_MISSING"],
      [{ ...good, decision: { ...good.decision, units: "0" } }, "ISSUANCE_UNITS_INVALID"],
      [{ ...good, issuer: { ...good.issuer, legalName: "" } }, "ISSUER_LEGAL_NAME_MISSING"],
      [{ ...good, issuer: { ...good.issuer, bin: "12AB" } }, "ISSUER_IDENTIFICATION_NUMBER_INVALID"],
      [{ ...good, issuer: { ...good.issuer, registeredAddress: "" } }, "ISSUER_ADDRESS_MISSING"],
      [{ ...good, evidenceHash: ZeroHash }, "COLLATERAL_EVIDENCE_MISSING"],
      [{ ...good, assetType: "SECURITIES" }, "ASSET_TYPE_NOT_RECOGNISED"],
      [{ ...good, deadline: "1000" }, "ISSUANCE_REQUEST_EXPIRED"],
      [{ ...good, verifier: randomHolder().address }, "COLLATERAL_VERIFIER_NOT_TRUSTED"],
      // Every element the ledger stores or publishes is the owner's: any change breaks the signature.
      [{ ...good, decision: { ...good.decision, units: "101" } }, "ISSUANCE_REQUEST_SIGNATURE_INVALID"],
      [
        { ...good, decision: { ...good.decision, uri: "https://steppegrain.kz/decisions/other.pdf" } },
        "ISSUANCE_REQUEST_SIGNATURE_INVALID",
      ],
      [
        { ...good, decision: { ...good.decision, rightsExtent: "1 unit = 2 tonnes of wheat" } },
        "ISSUANCE_REQUEST_SIGNATURE_INVALID",
      ],
      [
        { ...good, decision: { ...good.decision, rightsType: "0x" + "ab".repeat(32) } },
        "ISSUANCE_REQUEST_SIGNATURE_INVALID",
      ],
      [{ ...good, verifier: env.authority.address }, "COLLATERAL_VERIFIER_NOT_TRUSTED"],
    ];
    for (const [body, code] of cases) {
      const res = await env.http.post("/v1/issuance-requests").set(o()).send(body);
      expect(res.status, code).to.equal(422);
      expect(res.body.error.code).to.equal(code);
    }
    const list = await env.http.get("/v1/issuance-requests").set(o());
    expect(list.body.items).to.have.length(0);
  });

  it("when the filing names no verifier or a malformed one, then it is refused at the edge", async () => {
    const good = await buildFiling(env, owner, "100", "14");
    const { verifier: _named, ...unnamed } = good;
    for (const body of [unnamed, { ...good, verifier: "0x1234" }]) {
      const res = await env.http.post("/v1/issuance-requests").set(o()).send(body);
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal("VALIDATION_FAILED");
      expect(JSON.stringify(res.body.error.details)).to.include("verifier");
    }
  });

  it("when the attestation is not the named verifier's, or not over the requested units, then it is refused and the request stays filed", async () => {
    const filing = await buildFiling(env, owner, "100", "12");
    const filed = await env.http.post("/v1/issuance-requests").set(o()).send(filing);
    expect(filed.status).to.equal(201);
    expect(filed.body.verifier).to.equal(env.verifier.address);
    const good = await attest(env, owner.address, filing.evidenceHash, "12", "100");
    const stranger = randomHolder();
    const attestWith = (body: object) =>
      env.http.post(`/v1/issuance-requests/${filed.body.id}/attestation`).set(bearer(env.keys.verifier)).send(body);
    let res = await attestWith({ ...good, verifier: stranger.address });
    expect(res.status).to.equal(422);
    expect(res.body.error).to.deep.include({
      code: "COLLATERAL_VERIFIER_NOT_NAMED",
      details: { verifier: stranger.address, named: env.verifier.address },
    });
    res = await attestWith({ ...good, expiry: "5000000000" });
    expect(res.body.error.code).to.equal("COLLATERAL_ATTESTATION_SIGNATURE_INVALID");
    // The verifier attests another number of units than the owner requested.
    res = await attestWith(await attest(env, owner.address, filing.evidenceHash, "12", "1000"));
    expect(res.body.error.code).to.equal("COLLATERAL_ATTESTATION_SIGNATURE_INVALID");
    res = await env.http.post(`/v1/issuance-requests/${filed.body.id}/post`).set(o());
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal("ISSUANCE_STATE_INVALID");
    const get = await env.http.get(`/v1/issuance-requests/${filed.body.id}`).set(o());
    expect(get.body.status).to.equal("filed");
  });

  it("when the owner names a verifier, then another trusted verifier's attestation is refused before anything is sent, and the named one's is posted", async () => {
    // A second verifier appointed by the authority: trusted on the ledger, but not the one this owner names.
    const other = randomHolder();
    await expectPosted(
      env.http
        .post("/v1/roles/VERIFIER/members?wait=true")
        .set(bearer(env.keys.authority))
        .send({ account: other.address }),
    );
    const filing = await buildFiling(env, owner, "250", "15");
    const filed = await env.http.post("/v1/issuance-requests").set(o()).send(filing);
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    const before = await env.counts();
    const refused = await env.http
      .post(`/v1/issuance-requests/${filed.body.id}/attestation`)
      .set(bearer(env.keys.verifier))
      .send(await attest(env, owner.address, filing.evidenceHash, "15", "250", { verifier: other }));
    expect(refused.status).to.equal(422);
    expect(refused.body.error.code).to.equal("COLLATERAL_VERIFIER_NOT_NAMED");
    expect(refused.body.error.message).to.match(/named/);
    expect(refused.body.error.details).to.deep.equal({ verifier: other.address, named: env.verifier.address });
    expect((await env.http.get(`/v1/issuance-requests/${filed.body.id}`).set(o())).body.status).to.equal("filed");
    expect(await env.counts()).to.deep.equal(before);

    const attested = await env.http
      .post(`/v1/issuance-requests/${filed.body.id}/attestation`)
      .set(bearer(env.keys.verifier))
      .send(await attest(env, owner.address, filing.evidenceHash, "15", "250"));
    expect(attested.status, JSON.stringify(attested.body)).to.equal(200);
    await expectPosted(env.http.post(`/v1/issuance-requests/${filed.body.id}/post?wait=true`).set(o()));
    const posted = await env.http.get(`/v1/issuance-requests/${filed.body.id}`).set(o());
    expect(posted.body).to.include({ status: "posted", verifier: env.verifier.address });
    const asset = await env.http.get(`/v1/assets/${posted.body.assetId}`).set(o());
    expect(asset.body.collateral.verifier).to.equal(env.verifier.address);
    expect(asset.body.supply).to.equal("250");

    // The other verifier, when the owner names it, attests and the ledger accepts its attestation.
    const second = await buildFiling(env, owner, "40", "16", { verifier: other.address });
    const filed2 = await env.http.post("/v1/issuance-requests").set(o()).send(second);
    expect(filed2.status, JSON.stringify(filed2.body)).to.equal(201);
    const att2 = await env.http
      .post(`/v1/issuance-requests/${filed2.body.id}/attestation`)
      .set(bearer(env.keys.verifier))
      .send(await attest(env, owner.address, second.evidenceHash, "16", "40", { verifier: other }));
    expect(att2.status, JSON.stringify(att2.body)).to.equal(200);
    await expectPosted(env.http.post(`/v1/issuance-requests/${filed2.body.id}/post?wait=true`).set(o()));
    const asset2 = await env.http
      .get(`/v1/assets/${(await env.http.get(`/v1/issuance-requests/${filed2.body.id}`).set(o())).body.assetId}`)
      .set(o());
    expect(asset2.body.collateral.verifier).to.equal(other.address);
  });

  it("when the owner is not a registered participant, then posting is refused with the reason and the request is 'refused'", async () => {
    const stranger = randomHolder();
    const filing = await buildFiling(env, stranger, "100", "13");
    const filed = await env.http.post("/v1/issuance-requests").set(o()).send(filing);
    await env.http
      .post(`/v1/issuance-requests/${filed.body.id}/attestation`)
      .set(bearer(env.keys.verifier))
      .send(await attest(env, stranger.address, filing.evidenceHash, "13", "100"));
    const before = await env.counts();
    const res = await env.http.post(`/v1/issuance-requests/${filed.body.id}/post?wait=true`).set(o());
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal("PARTICIPANT_NOT_REGISTERED");
    expect(await env.counts()).to.deep.equal(before);
    const get = await env.http.get(`/v1/issuance-requests/${filed.body.id}`).set(o());
    expect(get.body.status).to.equal("refused");
    expect(get.body.refusal.code).to.equal("PARTICIPANT_NOT_REGISTERED");
    void FAR_FUTURE;
  });
});
