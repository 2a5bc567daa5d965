import { expect } from "chai";
import { TypedDataEncoder, Wallet } from "ethers";
import type { TypedDataField } from "ethers";
import { SiweMessage } from "siwe";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  issue,
  onboard,
  randomHolder,
  startEnv,
  transferBody,
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
  expect(TypedDataEncoder.hash(p.domain, types, p.message)).to.equal(p.digest);
  return wallet.signTypedData(p.domain, types, p.message);
}

describe("gateway: a signed-in participant prepares, signs and submits its own actions, without an API key", function () {
  let env: TestEnv;
  let alice: Wallet, bob: Wallet, carol: Wallet;
  let assetId: string;
  const tokens = new Map<string, string>();

  async function signIn(wallet: Wallet): Promise<string> {
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
    expect(res.status).to.equal(200);
    tokens.set(wallet.address, res.body.token);
    return res.body.token as string;
  }
  const as = (w: Wallet) => bearer(tokens.get(w.address)!);

  before(async () => {
    env = await startEnv();
    alice = randomHolder();
    bob = randomHolder();
    carol = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, alice, documentHash);
    await onboard(env, carol, documentHash);
    // Bob is registered without acknowledging the risk disclosure.
    await expectPosted(
      env.http
        .post("/v1/participants?wait=true")
        .set(bearer(env.keys.operator))
        .send({ address: bob.address, kind: "NaturalPerson", identity: { fullName: "Bob", iin: "900101300126" } }),
    );
    assetId = (await issue(env, alice, "1000")).assetId;
    for (const w of [alice, bob, carol]) await signIn(w);
  });
  after(async () => env?.close());

  it("when the recipient has not acknowledged the disclosure, then preparing the transfer is refused with that reason before anything is signed, and so is a signed one; once the recipient acknowledges from its session, the transfer posts", async () => {
    const query = `/v1/me/typed-data/transfer?to=${bob.address}&assetId=${assetId}&amount=100`;
    const early = await env.http.get(query).set(as(alice));
    expect(early.status, JSON.stringify(early.body)).to.equal(422);
    expect(early.body.code).to.equal("RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED");
    // Signed anyway (a wallet's own typed data): the relay refuses it for the same reason.
    const signedEarly = await transferBody(env, alice, bob.address, assetId, "100", "0");
    const refused = await env.http
      .post("/v1/me/transfers")
      .set(as(alice))
      .set("Idempotency-Key", "t-1")
      .send(signedEarly);
    expect(refused.status).to.equal(422);
    expect(refused.body.code).to.equal("RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED");

    const me = await env.http.get("/v1/me").set(as(bob));
    expect(me.body.disclosure).to.include({ currentVersion: 1, acknowledgedCurrent: false });
    const ack = await env.http.get("/v1/me/typed-data/acknowledgement").set(as(bob));
    expect(ack.body.disclosure.version).to.equal(1);
    expect(ack.body.message.documentHash).to.equal(ack.body.disclosure.documentHash);
    const acked = await env.http
      .post("/v1/me/acknowledgements?wait=true")
      .set(as(bob))
      .send({ version: 1, deadline: String(ack.body.message.deadline), signature: await signServed(bob, ack.body) });
    expect(acked.status, JSON.stringify(acked.body)).to.equal(200);
    expect(acked.body.operation.status).to.equal("posted");
    expect((await env.http.get("/v1/me").set(as(bob))).body.disclosure.acknowledgedCurrent).to.equal(true);

    const prepared = await env.http.get(query).set(as(alice));
    expect(prepared.status, JSON.stringify(prepared.body)).to.equal(200);
    const p = prepared.body as Payload;
    expect(p.primaryType).to.equal("TransferAuthorization");
    expect(p.types.EIP712Domain.map((f) => f.name)).to.deep.equal(["name", "version", "chainId", "verifyingContract"]);
    expect(p.message).to.include({ from: alice.address, to: bob.address, amount: "100", nonce: "0" });
    expect(Number(p.message.deadline)).to.be.greaterThan(Date.now() / 1000 + 3_000);
    const body = {
      authorization: { ...p.message, assetId: String(p.message.assetId), deadline: String(p.message.deadline) },
      signature: await signServed(alice, p),
    };

    const posted = await env.http
      .post("/v1/me/transfers?wait=true")
      .set(as(alice))
      .set("Idempotency-Key", "t-2")
      .send(body);
    expect(posted.status, JSON.stringify(posted.body)).to.equal(200);
    expect(posted.body.operation.status).to.equal("posted");
    expect(posted.body.operation.rightsArisenAt).to.be.a("string");
    const replay = await env.http.post("/v1/me/transfers").set(as(alice)).set("Idempotency-Key", "t-2").send(body);
    expect(replay.body.operation.id).to.equal(posted.body.operation.id);
    const bobs = (await env.http.get("/v1/me").set(as(bob))).body.holdings;
    expect(bobs).to.deep.equal([{ assetId, balance: "100", frozen: "0" }]);
  });

  it("when a session submits an authorization signed by another holder, then 403 NOT_YOUR_ACCOUNT and nothing is relayed", async () => {
    const before = await env.counts();
    const carolsOwn = await transferBody(env, alice, carol.address, assetId, "5", "1");
    const res = await env.http.post("/v1/me/transfers").set(as(carol)).set("Idempotency-Key", "x-1").send(carolsOwn);
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal("NOT_YOUR_ACCOUNT");
    const redemption = await env.http
      .post("/v1/me/redemptions")
      .set(as(carol))
      .set("Idempotency-Key", "x-2")
      .send({
        holder: alice.address,
        assetId,
        amount: "1",
        nonce: "1",
        deadline: "1893456000",
        ref: "0x" + "00".repeat(32),
        signature: carolsOwn.signature,
      });
    expect(redemption.body.code).to.equal("NOT_YOUR_ACCOUNT");
    expect(await env.counts()).to.deep.equal(before);
  });

  it("when the ledger would refuse a redemption (more than the balance, the asset suspended), then preparing it is refused with that reason before anything is signed, and nothing is stored", async () => {
    const before = await env.counts();
    const tooMuch = await env.http.get(`/v1/me/typed-data/redemption?assetId=${assetId}&amount=100000`).set(as(alice));
    expect(tooMuch.status, JSON.stringify(tooMuch.body)).to.equal(422);
    expect(tooMuch.body.code).to.equal("INSUFFICIENT_BALANCE");
    // Carol is registered and acknowledged but holds none of the asset.
    const none = await env.http.get(`/v1/me/typed-data/redemption?assetId=${assetId}&amount=1`).set(as(carol));
    expect(none.body.code).to.equal("INSUFFICIENT_BALANCE");
    expect(await env.counts()).to.deep.equal(before);
    const authority = bearer(env.keys.authority);
    await expectPosted(
      env.http.post(`/v1/assets/${assetId}/suspend?wait=true`).set(authority).send({ reason: "court order 12" }),
    );
    const whileSuspended = await env.counts();
    const suspended = await env.http.get(`/v1/me/typed-data/redemption?assetId=${assetId}&amount=1`).set(as(alice));
    expect(suspended.status).to.equal(422);
    expect(suspended.body.code).to.equal("ASSET_NOT_ACTIVE");
    const unknown = await env.http.get(`/v1/me/typed-data/redemption?assetId=999999&amount=1`).set(as(alice));
    expect(unknown.status).to.equal(404);
    expect(unknown.body.code).to.equal("ASSET_NOT_FOUND");
    expect(await env.counts()).to.deep.equal(whileSuspended);
    await expectPosted(
      env.http.post(`/v1/assets/${assetId}/resume?wait=true`).set(authority).send({ reason: "order lifted" }),
    );
    const allowed = await env.http.get(`/v1/me/typed-data/redemption?assetId=${assetId}&amount=1`).set(as(alice));
    expect(allowed.status, JSON.stringify(allowed.body)).to.equal(200);
  });

  it("when the holder redeems from its session, then the redemption posts and its operations list shows only its own work, page by page", async () => {
    const prepared = (await env.http.get(`/v1/me/typed-data/redemption?assetId=${assetId}&amount=10`).set(as(alice)))
      .body as Payload;
    expect(prepared.message.nonce).to.equal("1");
    const res = await env.http
      .post("/v1/me/redemptions?wait=true")
      .set(as(alice))
      .set("Idempotency-Key", "r-1")
      .send({
        ...prepared.message,
        assetId: String(prepared.message.assetId),
        amount: String(prepared.message.amount),
        nonce: String(prepared.message.nonce),
        deadline: String(prepared.message.deadline),
        signature: await signServed(alice, prepared),
      });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.operation.status).to.equal("posted");
    expect((await env.http.get(`/v1/me/nonces/${assetId}`).set(as(alice))).body.nextNonce).to.equal("2");

    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { body: { items: { id: string; kind: string }[]; next: string | null } } = await env.http
        .get(next ?? "/v1/me/operations?limit=1")
        .set(as(alice));
      seen.push(...page.body.items.map((o) => o.kind));
      next = page.body.next;
    } while (next);
    expect(seen.length).to.be.greaterThanOrEqual(2);
    expect(new Set(seen)).to.include("transfer");
    expect((await env.http.get("/v1/me/operations").set(as(carol))).body.items).to.deep.equal([]);
    const bad = await env.http.get("/v1/me/operations?cursor=not-a-cursor").set(as(alice));
    expect(bad.status).to.equal(400);
  });

  it("when a holder asks for its asset's record-chain proof, then it gets the verdict; a participant without a record of the asset gets 403", async () => {
    const path = `/v1/me/assets/${assetId}/records/verification`;
    const verdict = await waitFor("the holder's records mirrored", async () => {
      const r = await env.http.get(path).set(as(alice));
      // Verified at the mirror's block: wait for it to reach the redemption (issuance, transfer, redemption).
      return r.status === 200 && r.body.count === "3" ? (r.body as { verified: boolean; count: string }) : null;
    });
    // Issuance, the transfer to Bob and the redemption: the ledger's own count and head.
    const info = await env.gateway.internals.chain.ledger.assetInfo(assetId);
    expect(verdict).to.include({
      verified: true,
      count: info.recordCount.toString(),
      head: info.recordHead.toLowerCase(),
    });
    const stranger = randomHolder();
    await onboard(env, stranger, (await env.http.get("/v1/disclosures/current")).body.documentHash);
    await signIn(stranger);
    const refused = await env.http.get(path).set(as(stranger));
    expect(refused.status).to.equal(403);
    expect(refused.body.code).to.equal("NOT_YOUR_ACCOUNT");
  });
});
