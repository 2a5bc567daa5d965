import { expect } from "chai";
import { encodeBytes32String, Wallet } from "ethers";
import { SiweMessage } from "siwe";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { LEDGER_ROLES } from "../../server/domain/ledger-roles";
import { AuditEntry } from "../../server/persistence/entities";
import { participantClientId } from "../../server/services/self-service";
import { bearer, bootstrapPlatform, expectPosted, randomHolder, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";

describe("gateway: staff sign in with the wallet that holds their role on the ledger", function () {
  let env: TestEnv;
  let staff: Wallet;
  let token: string;
  let cookie: string;
  let csrfToken: string;

  const ledger = () =>
    SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority.connect(env.node.provider));
  const listType = (code: string, headers: Record<string, string>) =>
    env.http
      .post("/v1/asset-types?wait=true")
      .set(headers)
      .send({ code, name: `Asset type ${code}`, category: "TangibleAsset" });
  const lastAudit = async (action: string) =>
    (await env.gateway.dataSource.manager.find(AuditEntry, { where: { action }, order: { at: "DESC" }, take: 1 }))[0];

  before(async () => {
    env = await startEnv();
    await bootstrapPlatform(env);
    staff = randomHolder();
    const n = (await env.http.post("/v1/auth/nonce")).body;
    const message = new SiweMessage({
      domain: n.domain,
      address: staff.address,
      statement: n.statement,
      uri: n.uri,
      version: "1",
      chainId: n.chainId,
      nonce: n.nonce,
      issuedAt: new Date().toISOString(),
    }).prepareMessage();
    const res = await env.http.post("/v1/auth/sign-in").send({ message, signature: await staff.signMessage(message) });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    token = res.body.token;
    csrfToken = res.body.csrfToken;
    cookie = String(res.headers["set-cookie"]).split(";")[0];
  });
  after(async () => env?.close());

  it("when the address holds no staff role, then its session opens no staff endpoint (403, never 401) and /v1/me/staff-roles says so", async () => {
    const roles = await env.http.get("/v1/me/staff-roles").set(bearer(token));
    expect(roles.status).to.equal(200);
    expect(roles.body).to.deep.equal({ address: staff.address, roles: [] });
    const before = await env.counts();
    for (const res of [
      await listType("BEFORE", bearer(token)),
      await env.http.get("/v1/audit").set(bearer(token)),
      await env.http.get("/v1/permits").set("Cookie", cookie),
    ]) {
      expect(res.status, JSON.stringify(res.body)).to.equal(403);
      expect(res.body.code).to.equal("PARTICIPANT_SESSION_NOT_ALLOWED");
    }
    expect(await env.counts()).to.deep.equal(before);
  });

  it("when AUTHORITY is granted on the ledger, then the same session lists an asset type and suspends a permit as the authority; the audit names the address", async () => {
    await (await ledger().grantRole(LEDGER_ROLES.AUTHORITY, staff.address)).wait();
    const roles = await env.http.get("/v1/me/staff-roles").set("Cookie", cookie);
    expect(roles.body.roles).to.deep.equal(["authority"]);

    await expectPosted(listType("WALLET", bearer(token)));
    expect(await ledger().isRecognisedAssetType(encodeBytes32String("WALLET"))).to.equal(true);
    const listed = await lastAudit("listAssetType");
    expect(listed.role).to.equal("authority");
    expect(listed.clientId).to.equal(participantClientId(staff.address));
    expect(JSON.parse(listed.detail!)).to.deep.include({ outcome: "accepted", wallet: staff.address });

    // The cookie: a write needs the session's CSRF token, as on the participant's own endpoints.
    const suspend = () =>
      env.http
        .post(`/v1/permits/${env.operator.address}/suspend?wait=true`)
        .set("Cookie", cookie)
        .send({ reason: "Inspection by the wallet-signed authority", until: "2099-01-01T00:00:00Z" });
    const noCsrf = await suspend();
    expect(noCsrf.status).to.equal(403);
    expect(noCsrf.body.code).to.equal("CSRF_TOKEN_INVALID");
    await expectPosted(suspend().set("X-CSRF-Token", csrfToken));
    const permit = await env.http.get(`/v1/permits/${env.operator.address}`).set("Cookie", cookie);
    expect(permit.status, JSON.stringify(permit.body)).to.equal(200);
    expect(JSON.stringify(permit.body)).to.match(/suspend/i);
    expect((await lastAudit("suspendPermit")).role).to.equal("authority");

    // Another role's endpoint: the role it holds is named, as for an API key (filing an issuance is the operator's).
    const other = await env.http.post("/v1/issuance-requests").set(bearer(token)).send({});
    expect(other.status).to.equal(403);
    expect(other.body.code).to.equal("FORBIDDEN");
    expect(other.body.details.role).to.equal("authority");
    const refused = await lastAudit("fileIssuanceRequest");
    expect(refused.role).to.equal("authority");
    expect(JSON.parse(refused.detail!)).to.deep.include({ outcome: "refused", wallet: staff.address });

    // The participant's own endpoints answer the same session as before.
    const me = await env.http.get("/v1/me").set(bearer(token));
    expect(me.status).to.equal(200);
    expect(me.body.address).to.equal(staff.address);
  });

  it("when the role is revoked on the ledger, then the next request of the same session is refused (403)", async () => {
    await (await ledger().revokeRole(LEDGER_ROLES.AUTHORITY, staff.address)).wait();
    const res = await listType("AFTER", bearer(token));
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal("PARTICIPANT_SESSION_NOT_ALLOWED");
    expect((await env.http.get("/v1/me/staff-roles").set(bearer(token))).body.roles).to.deep.equal([]);
  });

  it("API keys work as before, whatever session cookie rides along", async () => {
    await expectPosted(listType("KEYED", { ...bearer(env.keys.authority), Cookie: cookie }));
    const entry = await lastAudit("listAssetType");
    expect(entry.role).to.equal("authority");
    expect(JSON.parse(entry.detail!)).to.not.have.property("wallet");
    const monitor = await env.http.get("/v1/audit").set(bearer(env.keys.monitor));
    expect(monitor.status).to.equal(200);
    const wrong = await listType("WRONG", bearer(env.keys.operator));
    expect(wrong.status).to.equal(403);
    expect(wrong.body.code).to.equal("FORBIDDEN");
  });
});
