import { expect } from "chai";
import { Wallet } from "ethers";
import { SiweMessage } from "siwe";
import { ROUTES } from "../../server/http/app";
import type { Role } from "../../server/persistence/entities";
import { ROLES } from "../../server/persistence/entities";
import { AuditEntry } from "../../server/persistence/entities";
import { bearer, startEnv } from "./support/harness";
import { LEDGER_ROLES } from "../../server/domain/ledger-roles";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import type { TestEnv } from "./support/harness";

const SAMPLE: Record<string, string> = {
  address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  operator: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  assetId: "1",
  id: "00000000-0000-4000-8000-000000000000",
  version: "1",
  code: "GRAIN",
  role: "OPERATOR",
  account: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
};

describe("gateway: role matrix — every mutating endpoint refuses the roles it does not belong to", function () {
  let env: TestEnv;
  before(async () => {
    env = await startEnv();
  });
  after(async () => env?.close());

  const writes = ROUTES.filter((r) => r.spec.method !== "get");
  // Sign-in is the one public write: it is how a participant gets a session at all.
  const PUBLIC_WRITES = ["issueSignInNonce", "signIn"];
  const mutating = writes.filter((r) => Array.isArray(r.spec.roles));
  const participantWrites = writes.filter((r) => r.spec.roles === "participant");

  it("covers every mutating endpoint", () => {
    expect(mutating.length).to.be.greaterThan(20);
    for (const r of writes)
      if (!PUBLIC_WRITES.includes(r.spec.operationId) && r.spec.roles !== "participant")
        expect(r.spec.roles, r.spec.operationId).to.be.an("array");
    expect(writes.filter((r) => r.spec.roles === "public").map((r) => r.spec.operationId)).to.have.members(
      PUBLIC_WRITES,
    );
  });

  it("participant session row: a session opens no staff endpoint (403 PARTICIPANT_SESSION_NOT_ALLOWED), and no API key opens a participant's endpoint (401 SESSION_INVALID)", async () => {
    const wallet = Wallet.createRandom();
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
    const signedIn = await env.http
      .post("/v1/auth/sign-in")
      .send({ message, signature: await wallet.signMessage(message) });
    expect(signedIn.status).to.equal(200);
    const before = await env.counts();
    for (const r of mutating) {
      const path = r.spec.path.replace(/\{(\w+)\}/g, (_m, p: string) => SAMPLE[p]);
      const res = await env.http[r.spec.method](path).set(bearer(signedIn.body.token)).send({});
      expect(res.status, r.spec.operationId).to.equal(403);
      expect(res.body.code).to.equal("PARTICIPANT_SESSION_NOT_ALLOWED");
    }
    expect(participantWrites.length).to.be.greaterThan(0);
    for (const r of participantWrites) {
      for (const role of ROLES) {
        const res = await env.http[r.spec.method](r.spec.path).set(bearer(env.keys[role])).send({});
        expect(res.status, `${role} on ${r.spec.operationId}`).to.equal(401);
        expect(res.body.code).to.equal("SESSION_INVALID");
      }
    }
    expect(await env.counts()).to.deep.equal(before);
  });

  it("staff wallet session row: a session of an address holding AUTHORITY on the ledger is refused (403 FORBIDDEN, its role named) by every mutating endpoint not open to the authority", async () => {
    const wallet = Wallet.createRandom();
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority.connect(env.node.provider));
    await (await ledger.grantRole(LEDGER_ROLES.AUTHORITY, wallet.address)).wait();
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
    const signedIn = await env.http
      .post("/v1/auth/sign-in")
      .send({ message, signature: await wallet.signMessage(message) });
    const before = await env.counts();
    let checked = 0;
    for (const r of mutating.filter((x) => !(x.spec.roles as Role[]).includes("authority"))) {
      const path = r.spec.path.replace(/\{(\w+)\}/g, (_m, p: string) => SAMPLE[p]);
      const res = await env.http[r.spec.method](path).set(bearer(signedIn.body.token)).send({});
      expect(res.status, r.spec.operationId).to.equal(403);
      expect(res.body.code, r.spec.operationId).to.equal("FORBIDDEN");
      expect(res.body.details.role).to.equal("authority");
      checked++;
    }
    expect(checked).to.be.greaterThan(5);
    expect(await env.counts()).to.deep.equal(before);
    await (await ledger.revokeRole(LEDGER_ROLES.AUTHORITY, wallet.address)).wait();
  });

  it("when no key or a wrong key is sent, then 401 UNAUTHENTICATED and nothing changes", async () => {
    const before = await env.counts();
    for (const r of mutating) {
      const path = r.spec.path.replace(/\{(\w+)\}/g, (_m, p: string) => SAMPLE[p]);
      for (const headers of [{}, bearer("sda_operator_not-a-key")]) {
        const res = await env.http[r.spec.method](path).set(headers).send({});
        expect(res.status, `${r.spec.operationId}`).to.equal(401);
        expect(res.body.error.code).to.equal("UNAUTHENTICATED");
      }
    }
    expect(await env.counts()).to.deep.equal(before);
  });

  it("when a role outside the endpoint's list calls it, then 403 FORBIDDEN and nothing changes", async () => {
    const before = await env.counts();
    let checked = 0;
    for (const r of mutating) {
      const allowed = r.spec.roles as Role[];
      const path = r.spec.path.replace(/\{(\w+)\}/g, (_m, p: string) => SAMPLE[p]);
      for (const role of ROLES.filter((x) => !allowed.includes(x))) {
        const res = await env.http[r.spec.method](path)
          .set(bearer(env.keys[role]))
          .set("Idempotency-Key", `role-${checked}`)
          .send({});
        expect(res.status, `${role} on ${r.spec.operationId}`).to.equal(403);
        expect(res.body.error.code).to.equal("FORBIDDEN");
        expect(res.body.error.details.allowed).to.deep.equal(allowed);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(40);
    expect(await env.counts()).to.deep.equal(before);
    // refusals are audited
    const refused = await env.gateway.dataSource.manager.count(AuditEntry);
    expect(refused).to.be.greaterThanOrEqual(checked);
  });

  it("when a revoked key is used, then 401", async () => {
    const { ApiKeyService } = await import("../../server/services/api-keys");
    const keys = new ApiKeyService(env.gateway.internals.db);
    const { client, secret } = await keys.create("temp", "operator");
    await keys.revoke(client.id);
    const fresh = new ApiKeyService(env.gateway.internals.db, 0);
    expect(await fresh.authenticate(secret)).to.equal(null);
  });

  it("the authority endpoints answer AUTHORITY_KEY_NOT_CONFIGURED when the gateway has no authority key", async () => {
    await env.restart({ authorityKey: undefined });
    const res = await env.http.post("/v1/platform/pause").set(bearer(env.keys.authority));
    expect(res.status).to.equal(503);
    expect(res.body.error.code).to.equal("AUTHORITY_KEY_NOT_CONFIGURED");
  });
});
