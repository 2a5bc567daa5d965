import { expect } from "chai";
import { AbiCoder, encodeBytes32String, keccak256, toUtf8Bytes, TypedDataEncoder, Wallet } from "ethers";
import type { TypedDataField } from "ethers";
import { SiweMessage } from "siwe";
import {
  attest,
  bearer,
  bootstrapPlatform,
  expectPosted,
  ISSUER,
  onboard,
  randomHolder,
  startEnv,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { waitFor } from "./support/wait";

interface Payload {
  domain: Record<string, unknown>;
  types: Record<string, TypedDataField[]>;
  primaryType: string;
  message: Record<string, unknown>;
  digest: string;
}

/** Signs a served payload as a wallet's eth_signTypedData_v4 does (ethers takes the types without EIP712Domain). */
async function signServed(wallet: Wallet, p: Payload): Promise<string> {
  const types = Object.fromEntries(Object.entries(p.types).filter(([name]) => name !== "EIP712Domain"));
  expect(TypedDataEncoder.hash(p.domain, types, p.message), "the served digest is the payload's").to.equal(p.digest);
  return wallet.signTypedData(p.domain, types, p.message);
}

const DECISION_DOCUMENT =
  "Decision 7/2026 of the general meeting of Steppe Grain LLP: issue 500 units, 1 unit = 1 t of wheat";
const EVIDENCE = "Warehouse receipt 77/2026, Kostanay elevator, 500 t wheat class 3";

describe("gateway: an asset owner requests an issuance from its own session, from human inputs, without an API key", function () {
  let env: TestEnv;
  let owner: Wallet, other: Wallet, stranger: Wallet;
  let requestId: string;
  let assetId: string;
  let served: Payload & { computed: Record<string, string>; filing: Record<string, unknown> };
  const tokens = new Map<string, string>();

  async function signIn(wallet: Wallet): Promise<void> {
    const n = (await env.http.post("/v1/auth/nonce")).body;
    const message = new SiweMessage({
      domain: n.domain,
      address: wallet.address,
      uri: n.uri,
      version: "1",
      chainId: n.chainId,
      nonce: n.nonce,
      issuedAt: new Date().toISOString(),
    }).prepareMessage();
    const res = await env.http.post("/v1/auth/sign-in").send({ message, signature: await wallet.signMessage(message) });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    tokens.set(wallet.address, res.body.token as string);
  }
  const as = (w: Wallet) => bearer(tokens.get(w.address)!);
  const draft = () => ({
    assetType: "GRAIN",
    decision: {
      document: Buffer.from(DECISION_DOCUMENT).toString("base64"),
      uri: "https://steppegrain.kz/decisions/2026-07.pdf",
      rightsType: "OWNERSHIP_SHARE",
      rightsExtent: "1 unit = 1 tonne of wheat, class 3",
      units: "500",
    },
    issuer: { ...ISSUER },
    evidence: Buffer.from(EVIDENCE).toString("base64"),
    verifier: env.verifier.address,
  });

  before(async () => {
    env = await startEnv();
    owner = randomHolder();
    other = randomHolder();
    stranger = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, owner, documentHash);
    await onboard(env, other, documentHash);
    for (const w of [owner, other, stranger]) await signIn(w);
  });
  after(async () => env?.close());

  it("when the owner gives the document, issuer details, type code and units, then the server computes and shows every hash and serves the IssuanceRequest with the next free nonce and a deadline", async () => {
    const res = await env.http.post("/v1/me/typed-data/issuance-request").set(as(owner)).send(draft());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    served = res.body;
    const expectedDetails = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ["string", "string", "string"],
        [ISSUER.legalName, ISSUER.bin, ISSUER.registeredAddress],
      ),
    );
    expect(served.computed).to.include({
      assetType: encodeBytes32String("GRAIN"),
      assetTypeLabel: "GRAIN",
      decisionHash: keccak256(toUtf8Bytes(DECISION_DOCUMENT)),
      rightsType: encodeBytes32String("OWNERSHIP_SHARE"),
      issuerDetailsHash: expectedDetails,
      evidenceHash: keccak256(toUtf8Bytes(EVIDENCE)),
    });
    expect(served.primaryType).to.equal("IssuanceRequest");
    expect(served.types.EIP712Domain.map((f) => f.name)).to.deep.equal([
      "name",
      "version",
      "chainId",
      "verifyingContract",
    ]);
    expect(served.message).to.include({
      owner: owner.address,
      assetType: encodeBytes32String("GRAIN"),
      decisionHash: keccak256(toUtf8Bytes(DECISION_DOCUMENT)),
      issuerDetailsHash: expectedDetails,
      units: "500",
      verifier: env.verifier.address,
      nonce: "0",
    });
    expect(Number(served.message.deadline)).to.be.greaterThan(Date.now() / 1000 + 3_000);

    const wrongBin = await env.http
      .post("/v1/me/typed-data/issuance-request")
      .set(as(owner))
      .send({ ...draft(), issuer: { ...ISSUER, bin: "190440005677" } });
    expect(wrongBin.status).to.equal(422);
    expect(wrongBin.body.code).to.equal("ISSUER_IDENTIFICATION_NUMBER_INVALID");
  });

  it("when the owner signs the served payload with its wallet and files it from its session, then it is filed, a verifier attests, the operator posts, and the owner sees the units and the record with the moment rights arose", async () => {
    const ownerSignature = await signServed(owner, served);
    const filed = await env.http
      .post("/v1/me/issuance-requests")
      .set(as(owner))
      .send({ ...served.filing, ownerSignature });
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    expect(filed.body).to.include({ status: "filed", owner: owner.address });
    requestId = filed.body.id as string;

    const next = await env.http.post("/v1/me/typed-data/issuance-request").set(as(owner)).send(draft());
    expect(next.body.message.nonce, "the filed request holds nonce 0").to.equal("1");
    const mine = await env.http.get("/v1/me/issuance-requests").set(as(owner));
    expect(mine.body.items.map((r: { id: string; status: string }) => [r.id, r.status])).to.deep.equal([
      [requestId, "filed"],
    ]);

    const attestation = await attest(env, owner.address, served.computed.evidenceHash, "0", "500");
    const attested = await env.http
      .post(`/v1/issuance-requests/${requestId}/attestation`)
      .set(bearer(env.keys.verifier))
      .send(attestation);
    expect(attested.status, JSON.stringify(attested.body)).to.equal(200);
    const operation = (
      await expectPosted(
        env.http.post(`/v1/issuance-requests/${requestId}/post?wait=true`).set(bearer(env.keys.operator)),
      )
    ).body.operation as { recordSequence: string; rightsArisenAt: string };

    const posted = await waitFor("the owner's request posted", async () => {
      const r = await env.http.get(`/v1/me/issuance-requests/${requestId}`).set(as(owner));
      return r.body.status === "posted" ? r.body : null;
    });
    assetId = posted.assetId as string;
    expect(assetId).to.match(/^\d+$/);
    const me = await env.http.get("/v1/me").set(as(owner));
    expect(me.body.holdings).to.deep.equal([{ assetId, balance: "500", frozen: "0" }]);

    const records = await waitFor("the owner's issuance record in the mirror", async () => {
      const r = await env.http.get(`/v1/me/records?assetId=${assetId}`).set(as(owner));
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      return r.body.items.length > 0 ? r.body : null;
    });
    expect(records.items).to.have.length(1);
    const record = records.items[0];
    expect(record).to.include({ assetId, recordSequence: "1", direction: "in", to: owner.address, amount: "500" });
    expect(record.rightsArisenAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Math.abs(Date.parse(record.rightsArisenAt) - Date.now())).to.be.lessThan(10 * 60_000);
    // The issuance's operation reports the same record and moment as the mirror.
    expect(operation).to.include({ recordSequence: "1", rightsArisenAt: record.rightsArisenAt });
  });

  it("when the signature is another wallet's, then the refusal names the recovered signer and the typed data that was checked", async () => {
    const fresh = (await env.http.post("/v1/me/typed-data/issuance-request").set(as(owner)).send(draft()))
      .body as typeof served;
    const res = await env.http
      .post("/v1/me/issuance-requests")
      .set(as(owner))
      .send({ ...fresh.filing, ownerSignature: await signServed(other, fresh) });
    expect(res.status).to.equal(422);
    expect(res.body.code).to.equal("ISSUANCE_REQUEST_SIGNATURE_INVALID");
    expect(res.body.details).to.include({ expectedSigner: owner.address, recoveredSigner: other.address });
    expect(res.body.details.typedData).to.deep.equal({
      domain: fresh.domain,
      types: fresh.types,
      primaryType: "IssuanceRequest",
      message: fresh.message,
      digest: fresh.digest,
    });

    // A holder's transfer signed by another wallet: the same explanation, on the path the operator's relay shares.
    const t = (
      await env.http.get(`/v1/me/typed-data/transfer?to=${other.address}&assetId=${assetId}&amount=5`).set(as(owner))
    ).body as Payload;
    const transfer = await env.http
      .post("/v1/me/transfers")
      .set(as(owner))
      .set("Idempotency-Key", "forged-1")
      .send({ authorization: t.message, signature: await signServed(other, t) });
    expect(transfer.status, JSON.stringify(transfer.body)).to.equal(422);
    expect(transfer.body.code).to.equal("SIGNATURE_INVALID");
    expect(transfer.body.details.recoveredSigner).to.equal(other.address);
    expect(transfer.body.details.typedData.digest).to.equal(t.digest);
    expect(transfer.body.details.typedData.message).to.deep.equal(t.message);

    // The acknowledgement the same way: the disclosure's document hash is in the checked message.
    const ack = (await env.http.get("/v1/me/typed-data/acknowledgement").set(as(owner))).body as Payload;
    const acked = await env.http
      .post("/v1/me/acknowledgements")
      .set(as(owner))
      .send({ version: 1, deadline: String(ack.message.deadline), signature: await signServed(other, ack) });
    expect(acked.body.code).to.equal("ACKNOWLEDGEMENT_SIGNATURE_INVALID");
    expect(acked.body.details).to.include({ expectedSigner: owner.address, recoveredSigner: other.address });
    expect(acked.body.details.typedData).to.deep.include({ digest: ack.digest, message: ack.message });
  });

  it("when the issuer prepares its obligations declaration and a decision change, then they are served for its own asset only, its signatures pass the operator relay's checks, and its decision change posts from its session", async () => {
    const theirs = await env.http.get(`/v1/me/typed-data/obligations-fulfilled?assetId=${assetId}`).set(as(other));
    expect(theirs.status).to.equal(403);
    expect(theirs.body.code).to.equal("NOT_YOUR_ACCOUNT");
    const p = (await env.http.get(`/v1/me/typed-data/obligations-fulfilled?assetId=${assetId}`).set(as(owner)))
      .body as Payload;
    expect(p.primaryType).to.equal("ObligationsFulfilled");
    expect(p.message.assetId).to.equal(assetId);
    const forged = await env.http
      .post(`/v1/me/assets/${assetId}/obligations-fulfilled`)
      .set(as(owner))
      .send({ deadline: p.message.deadline, signature: await signServed(other, p) });
    expect(forged.body.code).to.equal("ISSUER_SIGNATURE_INVALID");
    expect(forged.body.details.recoveredSigner).to.equal(other.address);
    // Signed by the issuer: accepted as signed; the ledger refuses while units are outstanding.
    const real = await env.http
      .post(`/v1/me/assets/${assetId}/obligations-fulfilled`)
      .set(as(owner))
      .send({ deadline: p.message.deadline, signature: await signServed(owner, p) });
    expect(real.body.code, JSON.stringify(real.body)).to.equal("OBLIGATIONS_OUTSTANDING");

    const change = await env.http
      .get(
        `/v1/me/typed-data/decision-change?assetId=${assetId}&documentHash=${keccak256(toUtf8Bytes("v2"))}` +
          `&uri=${encodeURIComponent("https://steppegrain.kz/decisions/2026-07-v2.pdf")}&reason=Corrected%20extent`,
      )
      .set(as(owner));
    expect(change.status, JSON.stringify(change.body)).to.equal(200);
    expect(change.body.message.previousHash).to.equal(served.computed.decisionHash);
    const changed = await env.http
      .post(`/v1/me/assets/${assetId}/decision?wait=true`)
      .set(as(owner))
      .send({
        documentHash: change.body.message.newHash,
        uri: change.body.message.newUri,
        reason: change.body.message.reason,
        deadline: change.body.message.deadline,
        issuerSignature: await signServed(owner, change.body),
      });
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(changed.body.operation.status).to.equal("posted");
    const asset = await env.http.get(`/v1/assets/${assetId}`).set(bearer(env.keys.monitor));
    expect(asset.body.decision.documentHash).to.equal(keccak256(toUtf8Bytes("v2")));
    const notIssuer = await env.http
      .post(`/v1/me/assets/${assetId}/decision`)
      .set(as(other))
      .send({
        documentHash: change.body.message.newHash,
        uri: change.body.message.newUri,
        reason: change.body.message.reason,
        deadline: change.body.message.deadline,
        issuerSignature: await signServed(other, change.body),
      });
    expect(notIssuer.status).to.equal(403);
    expect(notIssuer.body.code).to.equal("NOT_YOUR_ACCOUNT");
  });

  it("when a participant reads or files for another, then 403; its own lists hold only its own", async () => {
    const filing = { ...served.filing, ownerSignature: await signServed(owner, served) };
    const forOwner = await env.http.post("/v1/me/issuance-requests").set(as(other)).send(filing);
    expect(forOwner.status).to.equal(403);
    expect(forOwner.body.code).to.equal("NOT_YOUR_ACCOUNT");
    const read = await env.http.get(`/v1/me/issuance-requests/${requestId}`).set(as(other));
    expect(read.status).to.equal(403);
    expect(read.body.code).to.equal("NOT_YOUR_ACCOUNT");
    expect((await env.http.get("/v1/me/issuance-requests").set(as(other))).body.items).to.deep.equal([]);
    expect((await env.http.get(`/v1/me/records?assetId=${assetId}`).set(as(stranger))).body.items).to.deep.equal([]);
    expect((await env.http.get("/v1/me/records").set(as(other))).body.items).to.deep.equal([]);
    const unauthenticated = await env.http.get("/v1/me/records");
    expect(unauthenticated.status).to.equal(401);
    const withApiKey = await env.http.get("/v1/me/issuance-requests").set(bearer(env.keys.operator));
    expect(withApiKey.status).to.equal(401);
  });

  it("when a holder's transfer waits behind a missing nonce, then it is pending for the holder (out) and the recipient (in), for no one else, page by page", async () => {
    const p = (
      await env.http.get(`/v1/me/typed-data/transfer?to=${other.address}&assetId=${assetId}&amount=7`).set(as(owner))
    ).body as Payload;
    const types = Object.fromEntries(Object.entries(p.types).filter(([n]) => n !== "EIP712Domain"));
    const signAt = async (nonce: string) => {
      const message = { ...p.message, nonce };
      return { authorization: message, signature: await owner.signTypedData(p.domain, types, message) };
    };
    // Nonces 1 and 2 while 0 is unsigned: both wait for the gap.
    for (const nonce of ["1", "2"]) {
      const res = await env.http
        .post("/v1/me/transfers")
        .set(as(owner))
        .set("Idempotency-Key", `gap-${nonce}`)
        .send(await signAt(nonce));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
    }
    const first = await env.http.get("/v1/me/pending?limit=1").set(as(owner));
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body.items).to.have.length(1);
    expect(first.body.next).to.be.a("string");
    expect(first.body.next).to.match(/^\/v1\/me\/pending\?limit=1&cursor=/);
    const second = await env.http.get(first.body.next).set(as(owner));
    expect(second.body.items).to.have.length(1);
    expect(second.body.next).to.equal(null);
    const mine = [...first.body.items, ...second.body.items];
    expect(mine.map((o: { direction: string; kind: string }) => [o.kind, o.direction])).to.deep.equal([
      ["transfer", "out"],
      ["transfer", "out"],
    ]);
    const theirs = (await env.http.get("/v1/me/pending").set(as(other))).body.items as {
      id: string;
      direction: string;
    }[];
    expect(theirs.map((o) => o.direction)).to.deep.equal(["in", "in"]);
    expect(new Set(theirs.map((o) => o.id))).to.deep.equal(new Set(mine.map((o: { id: string }) => o.id)));
    expect((await env.http.get("/v1/me/pending").set(as(stranger))).body.items).to.deep.equal([]);
    const nonces = await env.http.get("/v1/me/nonces").set(as(owner));
    expect(nonces.body.items).to.deep.equal([{ assetId, chainNonce: "0", nextNonce: "3", pending: 2 }]);
    expect((await env.http.get("/v1/me/nonces").set(as(stranger))).body.items).to.deep.equal([]);
    expect((await env.http.get("/v1/me/pending?cursor=nope").set(as(owner))).status).to.equal(400);
  });

  it("when the verifier the request names signs in with its wallet, then it is served the attestation with the request's evidence and attests from its session; another verifier's signature is explained on the verifier's API route", async () => {
    await signIn(env.verifier as unknown as Wallet);
    const d = {
      ...draft(),
      decision: { ...draft().decision, units: "40" },
      evidence: Buffer.from("receipt 78").toString("base64"),
    };
    const p = (await env.http.post("/v1/me/typed-data/issuance-request").set(as(owner)).send(d)).body as typeof served;
    const filed = await env.http
      .post("/v1/me/issuance-requests")
      .set(as(owner))
      .send({ ...p.filing, ownerSignature: await signServed(owner, p) });
    expect(filed.status, JSON.stringify(filed.body)).to.equal(201);
    const id = filed.body.id as string;

    const notNamed = await env.http.get(`/v1/me/typed-data/attestation?requestId=${id}`).set(as(other));
    expect(notNamed.status).to.equal(403);
    const verifierSession = bearer(tokens.get(env.verifier.address)!);
    // The verifier's queue: the request waits there (with its evidence), and in no one else's.
    const queue = await env.http.get("/v1/me/attestation-queue?limit=100").set(verifierSession);
    expect(queue.status, JSON.stringify(queue.body)).to.equal(200);
    const queued = (queue.body.items as { id: string; evidenceHash: string; verifier: string }[]).find(
      (r) => r.id === id,
    );
    expect(queued).to.include({ evidenceHash: keccak256(toUtf8Bytes("receipt 78")), verifier: env.verifier.address });
    expect((await env.http.get("/v1/me/attestation-queue").set(as(other))).body.items).to.deep.equal([]);
    const a = await env.http.get(`/v1/me/typed-data/attestation?requestId=${id}`).set(verifierSession);
    expect(a.status, JSON.stringify(a.body)).to.equal(200);
    expect(a.body.primaryType).to.equal("CollateralAttestation");
    expect(a.body.request.evidenceHash).to.equal(keccak256(toUtf8Bytes("receipt 78")));
    expect(a.body.message).to.include({
      owner: owner.address,
      evidenceHash: a.body.request.evidenceHash,
      units: "40",
      nonce: p.message.nonce,
    });

    // The verifier's API-key route shares the check: a signature by another wallet is explained.
    const forged = await env.http
      .post(`/v1/issuance-requests/${id}/attestation`)
      .set(bearer(env.keys.verifier))
      .send({
        verifier: env.verifier.address,
        expiry: a.body.message.expiry,
        signature: await signServed(other, a.body),
      });
    expect(forged.status).to.equal(422);
    expect(forged.body.code).to.equal("COLLATERAL_ATTESTATION_SIGNATURE_INVALID");
    expect(forged.body.details).to.include({ expectedSigner: env.verifier.address, recoveredSigner: other.address });
    expect(forged.body.details.typedData.digest).to.equal(a.body.digest);

    const attested = await env.http
      .post(`/v1/me/issuance-requests/${id}/attestation`)
      .set(verifierSession)
      .send({
        verifier: env.verifier.address,
        expiry: a.body.message.expiry,
        signature: await signServed(env.verifier as unknown as Wallet, a.body),
      });
    expect(attested.status, JSON.stringify(attested.body)).to.equal(200);
    expect(attested.body.status).to.equal("attested");
    const after = await env.http.get("/v1/me/attestation-queue?limit=100").set(verifierSession);
    expect(after.body.items.map((r: { id: string }) => r.id)).to.not.include(id);
    const mine = await env.http.get(`/v1/me/issuance-requests?limit=1`).set(as(owner));
    expect(mine.body.items.map((r: { id: string; status: string }) => [r.id, r.status])).to.deep.equal([
      [id, "attested"],
    ]);
    const older = await env.http.get(mine.body.next).set(as(owner));
    expect(older.body.items.map((r: { id: string }) => r.id)).to.deep.equal([requestId]);
    expect(older.body.next).to.equal(null);
  });
});
