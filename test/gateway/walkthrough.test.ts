import { expect } from "chai";
import { Wallet, ZeroAddress, ZeroHash } from "ethers";
import { REDEMPTION_TYPES } from "../../server/domain/eip712";
import {
  bearer,
  bootstrapPlatform,
  domain,
  issue,
  onboard,
  randomHolder,
  startEnv,
  transferBody,
} from "./support/harness";
import type { TestEnv } from "./support/harness";

describe("gateway: the full walk from permit to records", function () {
  let env: TestEnv;
  let owner: Wallet, alice: Wallet, bob: Wallet;
  let assetId: string;
  let documentHash: string;

  before(async () => {
    env = await startEnv();
    owner = randomHolder();
    alice = randomHolder();
    bob = randomHolder();
  });
  after(async () => env?.close());

  it("when the authority grants the permit and lists a type, and a disclosure is published, then the platform reports them", async () => {
    ({ documentHash } = await bootstrapPlatform(env));
    const platform = await env.http.get("/v1/platform");
    expect(platform.status).to.equal(200);
    expect(platform.body.operatorPermitted).to.equal(true);
    expect(platform.body.disclosureVersion).to.equal(1);
    const permit = await env.http.get(`/v1/permits/${env.operator.address}`).set(bearer(env.keys.monitor));
    expect(permit.body.status).to.equal("Active");
    expect(permit.body.details.permitNumber).to.equal("KZ-SDA-0001");
    const types = await env.http.get("/v1/asset-types").set(bearer(env.keys.monitor));
    expect(types.body.items.map((t: { label: string }) => t.label)).to.include("GRAIN");
    const current = await env.http.get("/v1/disclosures/current");
    expect(current.body).to.include({ version: 1, documentHash });
    expect(current.body.text).to.match(/Risk disclosure v1/);
  });

  it("when participants are onboarded with signed acknowledgements, then their KYC stays off-chain and only its hash is on chain", async () => {
    for (const p of [owner, alice, bob]) await onboard(env, p, documentHash);
    const res = await env.http.get(`/v1/participants/${alice.address}`).set(bearer(env.keys.operator));
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal("registered");
    expect(res.body.identity.iin).to.equal("900101300126");
    expect(res.body.onChain).to.include({
      registered: true,
      frozen: false,
      acknowledgedCurrent: true,
      acknowledgedVersion: 1,
    });
    expect(res.body.onChain.identityHash).to.equal(res.body.identityHash);
    expect(res.body.acknowledgements).to.have.length(1);
    expect(res.body.acknowledgements[0].status).to.equal("posted");
  });

  it("when the owner files, the verifier attests and the operator posts, then the request is posted with its asset", async () => {
    const r = await issue(env, owner, "1000000", "1");
    assetId = r.assetId;
    expect(assetId).to.equal("1");
    const req = await env.http.get(`/v1/issuance-requests/${r.requestId}`).set(bearer(env.keys.monitor));
    expect(req.body.status).to.equal("posted");
    expect(req.body.attestation.verifier).to.equal(env.verifier.address);
    const asset = await env.http.get(`/v1/assets/${assetId}`).set(bearer(env.keys.monitor));
    expect(asset.body).to.include({ status: "Active", supply: "1000000", issuer: owner.address });
    expect(asset.body.issuerDetails.bin).to.equal("190440005676");
    expect(asset.body.decision.rightsExtent).to.match(/tonne/);
    // Art. 6.6: the issuance is record 1, and rights arose at its block's time, as for a transfer.
    expect(r.operation.recordSequence).to.equal("1");
    const block = await env.node.provider.getBlock(
      (await env.http.get(`/v1/operations/${r.operation.id}`).set(bearer(env.keys.monitor))).body.blockNumber,
    );
    expect(r.operation.rightsArisenAt).to.equal(new Date(block!.timestamp * 1000).toISOString());
  });

  it("when a holder-signed transfer is submitted with wait, then it is posted with tx, block, record and the moment rights arose", async () => {
    const body = await transferBody(env, owner, alice.address, assetId, "1000", "0");
    const res = await env.http
      .post("/v1/transfers?wait=true")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "walk-1")
      .send(body);
    expect(res.status).to.equal(200);
    const op = res.body.operation;
    expect(op.status).to.equal("posted");
    expect(op.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(op.blockNumber).to.be.a("number");
    expect(op.recordSequence).to.equal("2");
    expect(Date.parse(op.rightsArisenAt)).to.be.greaterThan(0);
    const polled = await env.http.get(`/v1/operations/${op.id}`).set(bearer(env.keys.monitor));
    expect(polled.body).to.deep.include({ status: "posted", txHash: op.txHash, recordSequence: "2" });
  });

  it("when one holder's authorizations (nonce n, n+1, n+2) arrive out of order, then all are accepted and posted in nonce order", async () => {
    const bodies = [];
    for (let n = 0; n < 3; n++) bodies.push(await transferBody(env, alice, bob.address, assetId, "10", String(n)));
    const accepted = [];
    for (const i of [2, 0, 1]) {
      const b = bodies[i];
      const res = await env.http
        .post("/v1/transfers")
        .set(bearer(env.keys.operator))
        .set("Idempotency-Key", `walk-multi-${i}`)
        .send(b);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      accepted.push(res.body.operation.id as string);
    }
    for (const id of accepted) {
      let op;
      for (let i = 0; i < 200; i++) {
        op = (await env.http.get(`/v1/operations/${id}`).set(bearer(env.keys.operator))).body;
        if (op.status === "posted" || op.status === "failed") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(op.status, JSON.stringify(op)).to.equal("posted");
    }
    const nonce = await env.http.get(`/v1/holders/${alice.address}/nonces/${assetId}`).set(bearer(env.keys.operator));
    expect(nonce.body).to.include({ chainNonce: "3", nextNonce: "3", pending: 0 });
  });

  it("when a holder redeems, then the operation is posted with its record sequence and the moment rights arose", async () => {
    const { nextNonce } = (
      await env.http.get(`/v1/holders/${alice.address}/nonces/${assetId}`).set(bearer(env.keys.operator))
    ).body as { nextNonce: string };
    const redemption = {
      holder: alice.address,
      assetId,
      amount: "5",
      nonce: nextNonce,
      deadline: String(Math.floor(Date.now() / 1000) + 3600),
      ref: ZeroHash,
    };
    const signature = await alice.signTypedData(domain(env), REDEMPTION_TYPES, redemption);
    const res = await env.http
      .post("/v1/redemptions?wait=true")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "walk-redeem-1")
      .send({ ...redemption, signature });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const op = res.body.operation;
    expect(op.status).to.equal("posted");
    const records = await env.http.get(`/v1/assets/${assetId}/records?limit=100`).set(bearer(env.keys.monitor));
    const last = records.body.items[records.body.items.length - 1];
    expect(last.to).to.equal(ZeroAddress);
    expect(op.recordSequence).to.equal(String(last.sequence));
    const block = await env.node.provider.getBlock(op.blockNumber);
    expect(op.rightsArisenAt).to.equal(new Date(block!.timestamp * 1000).toISOString());
  });

  it("when the records are read back, then they are complete and their hash chain verifies", async () => {
    const res = await env.http.get(`/v1/assets/${assetId}/records?limit=2`).set(bearer(env.keys.monitor));
    expect(res.status).to.equal(200);
    expect(res.body.verification.count).to.equal("6");
    expect(res.body.next).to.match(/^\/v1\/assets\/\d+\/records\?limit=2&cursor=/);
    expect(res.body.verification.verified).to.equal(true);
    expect(res.body.items).to.have.length(2);
    expect(res.body.items[0]).to.include({ sequence: "1", kind: "issue", to: owner.address, amount: "1000000" });
    expect(res.body.items[1]).to.include({ sequence: "2", from: owner.address, to: alice.address, amount: "1000" });
    const holders = await env.http.get(`/v1/assets/${assetId}/holders`).set(bearer(env.keys.monitor));
    const balances = Object.fromEntries(
      holders.body.items.map((h: { address: string; balance: string }) => [h.address, h.balance]),
    );
    expect(balances).to.deep.equal({ [owner.address]: "999000", [alice.address]: "965", [bob.address]: "30" });
    const holdings = await env.http.get(`/v1/participants/${bob.address}/holdings`).set(bearer(env.keys.monitor));
    expect(holdings.body.items).to.deep.equal([{ assetId, balance: "30", frozen: "0" }]);
    const audit = await env.http.get("/v1/audit?limit=500").set(bearer(env.keys.monitor));
    expect(audit.body.items.map((a: { action: string }) => a.action)).to.include.members([
      "grantPermit",
      "registerParticipant",
      "postIssuance",
      "submitTransfer",
    ]);
  });

  it("serves the OpenAPI document and Swagger UI", async () => {
    const doc = await env.http.get("/openapi.json");
    expect(doc.body.openapi).to.equal("3.1.0");
    expect(doc.body.paths).to.have.property("/v1/transfers");
    const ui = await env.http.get("/docs/");
    expect(ui.status).to.equal(200);
    const ready = await env.http.get("/readyz");
    expect(ready.body).to.deep.equal({ status: "ready", database: true, chain: true });
  });
});
