import { expect } from "chai";
import { Wallet, ZeroHash } from "ethers";
import { attest, bearer, bootstrapPlatform, buildFiling, FAR_FUTURE, onboard, randomHolder, startEnv } from "./support/harness";
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
      [{ ...good, decision: { ...good.decision, units: "101" } }, "ISSUANCE_REQUEST_SIGNATURE_INVALID"],
    ];
    for (const [body, code] of cases) {
      const res = await env.http.post("/v1/issuance-requests").set(o()).send(body);
      expect(res.status, code).to.equal(422);
      expect(res.body.error.code).to.equal(code);
    }
    const list = await env.http.get("/v1/issuance-requests").set(o());
    expect(list.body.items).to.have.length(0);
  });

  it("when the attestation is not the trusted verifier's, then it is refused and the request stays filed", async () => {
    const filing = await buildFiling(env, owner, "100", "12");
    const filed = await env.http.post("/v1/issuance-requests").set(o()).send(filing);
    expect(filed.status).to.equal(201);
    const good = await attest(env, owner.address, filing.evidenceHash, "12");
    const stranger = randomHolder();
    let res = await env.http.post(`/v1/issuance-requests/${filed.body.id}/attestation`).set(bearer(env.keys.verifier)).send({ ...good, verifier: stranger.address });
    expect(res.body.error.code).to.equal("COLLATERAL_VERIFIER_NOT_TRUSTED");
    res = await env.http.post(`/v1/issuance-requests/${filed.body.id}/attestation`).set(bearer(env.keys.verifier)).send({ ...good, expiry: "5000000000" });
    expect(res.body.error.code).to.equal("COLLATERAL_ATTESTATION_SIGNATURE_INVALID");
    res = await env.http.post(`/v1/issuance-requests/${filed.body.id}/post`).set(o());
    expect(res.status).to.equal(409);
    expect(res.body.error.code).to.equal("ISSUANCE_STATE_INVALID");
    const get = await env.http.get(`/v1/issuance-requests/${filed.body.id}`).set(o());
    expect(get.body.status).to.equal("filed");
  });

  it("when the owner is not a registered participant, then posting is refused with the reason and the request is 'refused'", async () => {
    const stranger = randomHolder();
    const filing = await buildFiling(env, stranger, "100", "13");
    const filed = await env.http.post("/v1/issuance-requests").set(o()).send(filing);
    await env.http.post(`/v1/issuance-requests/${filed.body.id}/attestation`).set(bearer(env.keys.verifier)).send(await attest(env, stranger.address, filing.evidenceHash, "13"));
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
