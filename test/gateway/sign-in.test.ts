import { expect } from "chai";
import { Wallet } from "ethers";
import { SiweMessage } from "siwe";
import { bearer, bootstrapPlatform, issue, onboard, randomHolder, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";

interface NonceAnswer {
  nonce: string;
  domain: string;
  uri: string;
  chainId: number;
  statement: string;
}

/** The EIP-4361 message a wallet would be asked to sign, from the gateway's nonce answer (with overrides). */
function siweText(n: NonceAnswer, address: string, over: Partial<Record<string, unknown>> = {}): string {
  return new SiweMessage({
    domain: n.domain,
    address,
    statement: n.statement,
    uri: n.uri,
    version: "1",
    chainId: n.chainId,
    nonce: n.nonce,
    issuedAt: new Date().toISOString(),
    ...over,
  }).prepareMessage();
}

describe("gateway: participants sign in with Ethereum (EIP-4361) and act for themselves only", function () {
  let env: TestEnv;
  let holder: Wallet;

  const nonce = async (): Promise<NonceAnswer> => {
    const r = await env.http.post("/v1/auth/nonce");
    expect(r.status).to.equal(201);
    return r.body as NonceAnswer;
  };
  const signIn = async (wallet: Wallet, over: Partial<Record<string, unknown>> = {}, n?: NonceAnswer) => {
    const message = siweText(n ?? (await nonce()), wallet.address, over);
    const signature = await wallet.signMessage(message);
    return { res: await env.http.post("/v1/auth/sign-in").send({ message, signature }), message, signature };
  };

  before(async () => {
    env = await startEnv();
    holder = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, holder, documentHash);
    await issue(env, holder, "500");
  });
  after(async () => env?.close());

  it("when a holder signs the gateway's message, then a session opens: an HttpOnly SameSite cookie and a bearer token, both showing its own holdings and disclosure status", async () => {
    const { res } = await signIn(holder);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.address).to.equal(holder.address);
    expect(res.body.token).to.match(/^sds_/);
    const cookie = String(res.headers["set-cookie"]);
    expect(cookie).to.match(/sda_session=sds_/);
    expect(cookie).to.match(/HttpOnly/i);
    expect(cookie).to.match(/SameSite=Strict/i);

    const viaCookie = await env.http.get("/v1/me").set("Cookie", cookie.split(";")[0]);
    expect(viaCookie.status, JSON.stringify(viaCookie.body)).to.equal(200);
    expect(viaCookie.body).to.deep.include({ address: holder.address, registered: true, frozen: false });
    expect(viaCookie.body.disclosure).to.deep.equal({
      currentVersion: 1,
      acknowledgedVersion: 1,
      acknowledgedCurrent: true,
    });
    expect(viaCookie.body.holdings).to.have.length(1);
    expect(viaCookie.body.holdings[0]).to.include({ balance: "500", frozen: "0" });

    const viaBearer = await env.http.get("/v1/auth/session").set(bearer(res.body.token));
    expect(viaBearer.status).to.equal(200);
    expect(viaBearer.body.address).to.equal(holder.address);
  });

  it("when the same signed message is sent again (a replayed nonce), then 401 SIGN_IN_NONCE_INVALID; an unknown nonce too", async () => {
    const first = await signIn(holder);
    expect(first.res.status).to.equal(200);
    const replay = await env.http.post("/v1/auth/sign-in").send({ message: first.message, signature: first.signature });
    expect(replay.status).to.equal(401);
    expect(replay.body.code).to.equal("SIGN_IN_NONCE_INVALID");
    const n = await nonce();
    const made = await signIn(holder, {}, { ...n, nonce: "a1b2c3d4e5f6a7b8" });
    expect(made.res.status).to.equal(401);
    expect(made.res.body.code).to.equal("SIGN_IN_NONCE_INVALID");
  });

  it("when the message has expired, or was issued long ago, then 401 SIGN_IN_MESSAGE_EXPIRED, and its nonce is still unspent", async () => {
    const n = await nonce();
    const expired = await signIn(holder, { expirationTime: new Date(Date.now() - 1_000).toISOString() }, n);
    expect(expired.res.status).to.equal(401);
    expect(expired.res.body.code).to.equal("SIGN_IN_MESSAGE_EXPIRED");
    const old = await signIn(holder, { issuedAt: new Date(Date.now() - 3_600_000).toISOString() }, await nonce());
    expect(old.res.body.code).to.equal("SIGN_IN_MESSAGE_EXPIRED");
    expect((await signIn(holder, {}, n)).res.status).to.equal(200);
  });

  it("when the message names another site or another chain, then 401 SIGN_IN_DOMAIN_MISMATCH / SIGN_IN_CHAIN_MISMATCH", async () => {
    const n = await nonce();
    const domain = await signIn(holder, { domain: "evil.example", uri: "https://evil.example" }, n);
    expect(domain.res.status).to.equal(401);
    expect(domain.res.body.code).to.equal("SIGN_IN_DOMAIN_MISMATCH");
    const uri = await signIn(holder, { uri: "https://evil.example/login" }, n);
    expect(uri.res.body.code).to.equal("SIGN_IN_DOMAIN_MISMATCH");
    const chain = await signIn(holder, { chainId: 1 }, n);
    expect(chain.res.status).to.equal(401);
    expect(chain.res.body.code).to.equal("SIGN_IN_CHAIN_MISMATCH");
  });

  it("when the message claims one address but another key signed it, then 401 SIGN_IN_SIGNATURE_INVALID and no session", async () => {
    const n = await nonce();
    const message = siweText(n, holder.address);
    const signature = await Wallet.createRandom().signMessage(message);
    const res = await env.http.post("/v1/auth/sign-in").send({ message, signature });
    expect(res.status).to.equal(401);
    expect(res.body.code).to.equal("SIGN_IN_SIGNATURE_INVALID");
    expect(res.headers["set-cookie"]).to.equal(undefined);
    const garbage = await env.http.post("/v1/auth/sign-in").send({ message: "hello", signature: "0x00" });
    expect(garbage.status).to.equal(401);
    expect(garbage.body.code).to.equal("SIGN_IN_MESSAGE_INVALID");
  });

  it("when a browser writes with the cookie but without the CSRF token, then 403 CSRF_TOKEN_INVALID; with it, sign-out ends the session everywhere", async () => {
    const { res } = await signIn(holder);
    const cookie = String(res.headers["set-cookie"]).split(";")[0];
    const noCsrf = await env.http.post("/v1/auth/sign-out").set("Cookie", cookie);
    expect(noCsrf.status).to.equal(403);
    expect(noCsrf.body.code).to.equal("CSRF_TOKEN_INVALID");
    const wrongCsrf = await env.http.post("/v1/auth/sign-out").set("Cookie", cookie).set("X-CSRF-Token", "guess");
    expect(wrongCsrf.status).to.equal(403);
    expect((await env.http.get("/v1/me").set("Cookie", cookie)).status).to.equal(200);
    const out = await env.http.post("/v1/auth/sign-out").set("Cookie", cookie).set("X-CSRF-Token", res.body.csrfToken);
    expect(out.status).to.equal(200);
    for (const r of [
      await env.http.get("/v1/me").set("Cookie", cookie),
      await env.http.get("/v1/me").set(bearer(res.body.token)),
    ]) {
      expect(r.status).to.equal(401);
      expect(r.body.code).to.equal("SESSION_INVALID");
    }
  });

  it("when an operator ends a participant's sessions, then they stop working; API keys and sessions do not stand in for each other", async () => {
    const { res } = await signIn(holder);
    const forbidden = await env.http.delete(`/v1/participants/${holder.address}/sessions`).set(bearer(res.body.token));
    // A session is not an API key: known, and refused for staff endpoints.
    expect(forbidden.status).to.equal(403);
    expect(forbidden.body.code).to.equal("PARTICIPANT_SESSION_NOT_ALLOWED");
    const ended = await env.http.delete(`/v1/participants/${holder.address}/sessions`).set(bearer(env.keys.operator));
    expect(ended.status).to.equal(200);
    expect(ended.body.ended).to.be.greaterThan(0);
    expect((await env.http.get("/v1/me").set(bearer(res.body.token))).body.code).to.equal("SESSION_INVALID");
    const withKey = await env.http.get("/v1/me").set(bearer(env.keys.operator));
    expect(withKey.status).to.equal(401);
    expect(withKey.body.code).to.equal("SESSION_INVALID");
  });

  it("when the gateway restarts, then an open session still works (sessions are persisted)", async () => {
    const { res } = await signIn(holder);
    await env.restart();
    const me = await env.http.get("/v1/auth/session").set(bearer(res.body.token));
    expect(me.status).to.equal(200);
    expect(me.body.address).to.equal(holder.address);
  });

  it("when CORS origins are configured, then only those origins get CORS headers (with credentials); none by default", async () => {
    const before = await env.http
      .options("/v1/me")
      .set("Origin", "https://wallet.example")
      .set("Access-Control-Request-Method", "GET");
    expect(before.headers["access-control-allow-origin"]).to.equal(undefined);
    await env.restart({ corsOrigins: ["https://wallet.example"] });
    const allowed = await env.http
      .options("/v1/me")
      .set("Origin", "https://wallet.example")
      .set("Access-Control-Request-Method", "POST")
      .set("Access-Control-Request-Headers", "x-csrf-token,content-type");
    expect(allowed.headers["access-control-allow-origin"]).to.equal("https://wallet.example");
    expect(allowed.headers["access-control-allow-credentials"]).to.equal("true");
    expect(String(allowed.headers["access-control-allow-headers"])).to.match(/X-CSRF-Token/i);
    const other = await env.http.get("/healthz").set("Origin", "https://evil.example");
    expect(other.headers["access-control-allow-origin"]).to.equal(undefined);
  });
});
