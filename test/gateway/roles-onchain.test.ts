import { expect } from "chai";
import { id as keccakText, parseEther, Wallet, ZeroAddress } from "ethers";
import { LEDGER_ROLES } from "../../server/domain/ledger-roles";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import {
  attest,
  bearer,
  buildFiling,
  expectPosted,
  GRAIN,
  issue,
  onboard,
  PERMIT,
  randomHolder,
  startEnv,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { devWallet } from "./support/node";
import { waitFor } from "./support/wait";

const HEX32 = /0x[0-9a-fA-F]{64}/;

interface RoleBody {
  role: string;
  managed: boolean;
  adminRole: string;
  members: { account: string; grantedBy: string; grantedAt: string; blockNumber: number; transactionHash: string }[];
}

describe("gateway: on-chain roles granted and revoked by the authority (GET/POST/DELETE /v1/roles)", function () {
  let env: TestEnv;
  const a = () => bearer(env.keys.authority);
  /** A fresh account with gas (Hardhat charges for gas; a Besu network with zero gas price needs none). */
  const fundedAccount = async (): Promise<Wallet> => {
    const w = Wallet.createRandom(env.node.provider) as unknown as Wallet;
    await (await devWallet(9, env.node.provider).sendTransaction({ to: w.address, value: parseEther("1") })).wait();
    return w;
  };
  const role = async (name: string): Promise<RoleBody> => {
    const res = await env.http.get(`/v1/roles/${name}`).set(bearer(env.keys.monitor));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as RoleBody;
  };
  const members = async (name: string) => (await role(name)).members.map((m) => m.account);
  const authorityNonce = () => env.node.provider.getTransactionCount(env.authority.address, "latest");

  before(async () => {
    env = await startEnv();
    await expectPosted(
      env.http
        .post("/v1/asset-types?wait=true")
        .set(a())
        .send({ code: GRAIN, name: "Grain in a certified elevator", category: "TangibleAsset" }),
    );
    await expectPosted(
      env.http
        .post("/v1/permits?wait=true")
        .set(a())
        .send({ operator: env.operator.address, ...PERMIT }),
    );
  });
  after(async () => env?.close());

  it("lists who holds which role, read from the chain, by name and never by hash", async () => {
    const res = await env.http.get("/v1/roles").set(bearer(env.keys.verifier));
    expect(res.status).to.equal(200);
    const items = res.body.items as RoleBody[];
    expect(items.map((r) => r.role)).to.deep.equal(["DEFAULT_ADMIN", "AUTHORITY", "OPERATOR", "VERIFIER"]);
    const byName = Object.fromEntries(items.map((r) => [r.role, r]));
    expect(byName.DEFAULT_ADMIN.members.map((m) => m.account)).to.deep.equal([env.authority.address]);
    expect(byName.AUTHORITY.members.map((m) => m.account)).to.deep.equal([env.authority.address]);
    expect(byName.OPERATOR.members.map((m) => m.account)).to.deep.equal([env.operator.address]);
    expect(byName.VERIFIER.members.map((m) => m.account)).to.deep.equal([env.verifier.address]);
    expect(items.filter((r) => r.managed).map((r) => r.role)).to.deep.equal(["OPERATOR", "VERIFIER"]);
    expect(byName.OPERATOR.adminRole).to.equal("DEFAULT_ADMIN");
    expect(byName.OPERATOR.members[0].blockNumber).to.equal(env.deployment.deployBlock);
    expect(Date.parse(byName.OPERATOR.members[0].grantedAt)).to.be.greaterThan(0);
    for (const r of items) expect(JSON.stringify({ role: r.role, adminRole: r.adminRole }), r.role).not.to.match(HEX32);
    // Role names are accepted in any case; the answer names the role in capitals.
    expect((await role("operator")).role).to.equal("OPERATOR");
  });

  it("onboards a new operator from zero: the authority grants OPERATOR and a permit, then the operator's own gateway publishes the first disclosure, registers and issues", async () => {
    const newOperator = await fundedAccount();
    // The new operator's gateway: its own key, its own database, no authority key.
    const op = await startEnv(
      { operatorKey: newOperator.privateKey, authorityKey: undefined, maxInFlight: 1 },
      { node: env.node, deployment: env.deployment, deploymentFile: env.config.deploymentFile },
    );
    try {
      const o = bearer(op.keys.operator);
      const holder = randomHolder();
      // Without the role the ledger refuses it, and the refusal names the role and the account.
      const before = await op.counts();
      const refused = await op.http
        .post("/v1/participants")
        .set(o)
        .send({ address: holder.address, kind: "NaturalPerson", identity: { fullName: "Early Bird" } });
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.error.code).to.equal("ROLE_MISSING_ON_CHAIN");
      expect(refused.body.error.details).to.include({ role: "OPERATOR", account: newOperator.address });
      expect(refused.body.error.message).to.contain("OPERATOR").and.to.contain(newOperator.address);
      const disclosure = await op.http
        .post("/v1/disclosures")
        .set(o)
        .send({ text: "Risk disclosure v1.", uri: "https://platform.kz/risks/v1" });
      expect(disclosure.status).to.equal(422);
      expect(disclosure.body.error.code).to.equal("ROLE_MISSING_ON_CHAIN");
      // A power of the authority or an operator: an operator account lacks the OPERATOR role (the ledger names it).
      expect(disclosure.body.error.details).to.deep.include({
        role: "OPERATOR",
        roles: ["OPERATOR"],
        account: newOperator.address,
      });
      expect(disclosure.body.error.message).to.contain("OPERATOR").and.to.contain(newOperator.address);
      expect(await op.counts()).to.deep.equal(before);

      // The authority grants the role and the permit through its gateway.
      const granted = await expectPosted(
        env.http.post("/v1/roles/OPERATOR/members?wait=true").set(a()).send({ account: newOperator.address }),
      );
      expect(granted.body.operation.kind).to.equal("role.grant");
      expect(granted.body.operation.events).to.deep.include({
        name: "RoleGranted",
        args: { role: "OPERATOR", account: newOperator.address, sender: env.authority.address },
      });
      const member = (await role("OPERATOR")).members.find((m) => m.account === newOperator.address);
      expect(member).to.include({
        grantedBy: env.authority.address,
        transactionHash: granted.body.operation.txHash,
        blockNumber: granted.body.operation.blockNumber,
      });
      await expectPosted(
        env.http
          .post("/v1/permits?wait=true")
          .set(a())
          .send({ operator: newOperator.address, ...PERMIT, permitNumber: "KZ-SDA-0002" }),
      );
      expect((await op.http.get("/v1/platform")).body).to.include({
        operator: newOperator.address,
        operatorPermitted: true,
        disclosureVersion: 0,
      });

      // The new operator's first disclosure, seen by the authority's gateway too.
      await expectPosted(
        op.http
          .post("/v1/disclosures?wait=true")
          .set(o)
          .send({ text: "Risk disclosure v1.", uri: "https://platform.kz/risks/v1" }),
      );
      const current = await env.http.get("/v1/disclosures/current");
      expect(current.body).to.include({ version: 1, documentHash: keccakText("Risk disclosure v1.") });
      // ... and its own participants and issuance (posting needs the permit).
      await onboard(op, holder, keccakText("Risk disclosure v1."));
      const { assetId } = await issue(op, holder, "1000");
      // The asset is the record mirror's: the authority's gateway shows it once its mirror has indexed the block.
      let asset = await env.http.get(`/v1/assets/${assetId}`).set(a());
      await waitFor("the authority's mirror to hold the asset", async () => {
        asset = await env.http.get(`/v1/assets/${assetId}`).set(a());
        return asset.status === 200;
      });
      expect(asset.body.collateral.operator).to.equal(newOperator.address);

      // Revoked while a registration waits to be sent: the operation fails naming the missing role.
      await op.restart({ submitterEnabled: false });
      const late = randomHolder();
      const accepted = await op.http
        .post("/v1/participants")
        .set(bearer(op.keys.operator))
        .send({ address: late.address, kind: "NaturalPerson", identity: { fullName: "Late Comer" } });
      expect(accepted.status, JSON.stringify(accepted.body)).to.equal(202);
      const revoked = await expectPosted(
        env.http.delete(`/v1/roles/OPERATOR/members/${newOperator.address}?wait=true`).set(a()),
      );
      expect(revoked.body.operation.kind).to.equal("role.revoke");
      expect(revoked.body.operation.events).to.deep.include({
        name: "RoleRevoked",
        args: { role: "OPERATOR", account: newOperator.address, sender: env.authority.address },
      });
      expect(await members("OPERATOR")).to.deep.equal([env.operator.address]);
      await op.restart({ submitterEnabled: true });
      const failed = await waitFor("the registration settled", async () => {
        const r = await op.http.get(`/v1/operations/${accepted.body.operation.id}`).set(bearer(op.keys.operator));
        return r.body.status === "failed" || r.body.status === "posted" ? r.body : null;
      });
      expect(failed.status).to.equal("failed");
      expect(failed.error.code).to.equal("ROLE_MISSING_ON_CHAIN");
      expect(failed.error.details).to.include({ role: "OPERATOR", account: newOperator.address });
      expect(failed.error.message).to.contain("OPERATOR");
      const again = await op.http
        .post("/v1/participants")
        .set(bearer(op.keys.operator))
        .send({ address: randomHolder().address, kind: "NaturalPerson", identity: { fullName: "Too Late" } });
      expect(again.body.error).to.include({ code: "ROLE_MISSING_ON_CHAIN" });
    } finally {
      await op.close();
    }
  });

  it("appoints a verifier: the authority grants VERIFIER, the verifier's attestation issues units, and after revocation it is gone", async () => {
    const verifier = Wallet.createRandom() as unknown as Wallet;
    expect((await role("VERIFIER")).adminRole).to.equal("DEFAULT_ADMIN");
    const granted = await env.http
      .post("/v1/roles/verifier/members?wait=true")
      .set(a())
      .send({ account: verifier.address });
    expect(granted.status, JSON.stringify(granted.body)).to.equal(200);
    expect(granted.body.operation.status).to.equal("posted");
    expect(await members("VERIFIER")).to.deep.equal([env.verifier.address, verifier.address]);

    // An issuance attested by the new verifier posts.
    let current = await env.http.get("/v1/disclosures/current");
    if (current.status === 404) {
      await expectPosted(
        env.http
          .post("/v1/disclosures?wait=true")
          .set(bearer(env.keys.operator))
          .send({ text: "Risk disclosure v1.", uri: "https://platform.kz/risks/v1" }),
      );
      current = await env.http.get("/v1/disclosures/current");
    }
    const owner = randomHolder();
    await onboard(env, owner, current.body.documentHash, current.body.version);
    const nonce = String(Date.now());
    // The owner names the new verifier in the signed request.
    const filing = await buildFiling(env, owner, "500", nonce, { verifier: verifier.address });
    const filed = await env.http.post("/v1/issuance-requests").set(bearer(env.keys.operator)).send(filing);
    expect(filed.status).to.equal(201);
    const att = await env.http
      .post(`/v1/issuance-requests/${filed.body.id}/attestation`)
      .set(bearer(env.keys.verifier))
      .send(await attest(env, owner.address, filing.evidenceHash, nonce, "500", { verifier }));
    expect(att.status, JSON.stringify(att.body)).to.equal(200);
    await expectPosted(
      env.http.post(`/v1/issuance-requests/${filed.body.id}/post?wait=true`).set(bearer(env.keys.operator)),
    );

    await expectPosted(env.http.delete(`/v1/roles/VERIFIER/members/${verifier.address}?wait=true`).set(a()));
    expect(await members("VERIFIER")).to.deep.equal([env.verifier.address]);
    const ledger = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.node.provider);
    expect(await ledger.hasRole(LEDGER_ROLES.VERIFIER, verifier.address)).to.equal(false);
  });

  it("when a key other than the authority's grants or revokes, then 403 FORBIDDEN and nothing is submitted; every key may read", async () => {
    const before = await env.counts();
    const nonce = await authorityNonce();
    for (const r of ["operator", "verifier", "monitor"] as const) {
      const grant = await env.http
        .post("/v1/roles/OPERATOR/members")
        .set(bearer(env.keys[r]))
        .send({ account: randomHolder().address });
      expect(grant.status, r).to.equal(403);
      expect(grant.body.error.code).to.equal("FORBIDDEN");
      expect(grant.body.error.details.allowed).to.deep.equal(["authority"]);
      const revoke = await env.http
        .delete(`/v1/roles/VERIFIER/members/${env.verifier.address}`)
        .set(bearer(env.keys[r]));
      expect(revoke.status, r).to.equal(403);
      expect((await env.http.get("/v1/roles").set(bearer(env.keys[r]))).status, r).to.equal(200);
    }
    expect((await env.http.get("/v1/roles")).status).to.equal(401);
    expect(
      (await env.http.post("/v1/roles/OPERATOR/members").send({ account: randomHolder().address })).status,
    ).to.equal(401);
    expect(await env.counts()).to.deep.equal(before);
    expect(await authorityNonce()).to.equal(nonce);
  });

  it("when the role, the account or the change makes no sense, then a 4xx with its own code and nothing is submitted", async () => {
    const before = await env.counts();
    const nonce = await authorityNonce();
    const someone = randomHolder().address;
    const expectError = async (
      res: { status: number; body: { error: { code: string; details?: Record<string, unknown> } } },
      status: number,
      code: string,
    ) => {
      expect(res.status, JSON.stringify(res.body)).to.equal(status);
      expect(res.body.error.code).to.equal(code);
      return res.body.error.details ?? {};
    };
    // unknown role: 404 ROLE_UNKNOWN, naming the roles there are
    const unknown = await expectError(
      await env.http.post("/v1/roles/AUDITOR/members").set(a()).send({ account: someone }),
      404,
      "ROLE_UNKNOWN",
    );
    expect(unknown.roles).to.deep.equal(["DEFAULT_ADMIN", "AUTHORITY", "OPERATOR", "VERIFIER"]);
    await expectError(await env.http.get("/v1/roles/AUDITOR").set(a()), 404, "ROLE_UNKNOWN");
    await expectError(
      await env.http.delete(`/v1/roles/OPERATOR_ROLE/members/${env.operator.address}`).set(a()),
      404,
      "ROLE_UNKNOWN",
    );
    // read-only roles
    for (const name of ["AUTHORITY", "DEFAULT_ADMIN"]) {
      const d = await expectError(
        await env.http.post(`/v1/roles/${name}/members`).set(a()).send({ account: someone }),
        422,
        "ROLE_NOT_MANAGED",
      );
      expect(d.managed).to.deep.equal(["OPERATOR", "VERIFIER"]);
      await expectError(
        await env.http.delete(`/v1/roles/${name}/members/${env.authority.address}`).set(a()),
        422,
        "ROLE_NOT_MANAGED",
      );
    }
    // bad addresses: the usual validation
    await expectError(
      await env.http.post("/v1/roles/OPERATOR/members").set(a()).send({ account: "0x1234" }),
      400,
      "VALIDATION_FAILED",
    );
    await expectError(
      await env.http
        .post("/v1/roles/OPERATOR/members")
        .set(a())
        .send({ account: "0x70997970c51812DC3A010C7d01b50e0d17dc79C8" }),
      400,
      "VALIDATION_FAILED",
    );
    await expectError(
      await env.http.post("/v1/roles/OPERATOR/members").set(a()).send({ account: ZeroAddress }),
      400,
      "VALIDATION_FAILED",
    );
    await expectError(
      await env.http.post("/v1/roles/OPERATOR/members").set(a()).send({ account: someone, extra: 1 }),
      400,
      "VALIDATION_FAILED",
    );
    await expectError(await env.http.post("/v1/roles/OPERATOR/members").set(a()).send({}), 400, "VALIDATION_FAILED");
    await expectError(
      await env.http.delete("/v1/roles/OPERATOR/members/not-an-address").set(a()),
      400,
      "VALIDATION_FAILED",
    );
    // no-op changes: 409, refused before anything is sent
    const held = await expectError(
      await env.http.post("/v1/roles/OPERATOR/members").set(a()).send({ account: env.operator.address }),
      409,
      "ROLE_ALREADY_GRANTED",
    );
    expect(held).to.deep.equal({ role: "OPERATOR", account: env.operator.address });
    const notHeld = await expectError(
      await env.http.delete(`/v1/roles/VERIFIER/members/${someone}`).set(a()),
      409,
      "ROLE_NOT_HELD",
    );
    expect(notHeld).to.deep.equal({ role: "VERIFIER", account: someone });
    expect(await env.counts()).to.deep.equal(before);
    expect(await authorityNonce()).to.equal(nonce);
    expect(await members("OPERATOR")).to.deep.equal([env.operator.address]);
  });

  it("when a grant is retried with its Idempotency-Key, then the same operation answers; while it waits to be posted, another change of that role and account is 409 ROLE_CHANGE_PENDING", async () => {
    const account = randomHolder().address;
    await env.restart({ submitterEnabled: false });
    const first = await env.http
      .post("/v1/roles/OPERATOR/members")
      .set(a())
      .set("Idempotency-Key", `grant-${account}`)
      .send({ account });
    expect(first.status, JSON.stringify(first.body)).to.equal(202);
    expect(first.body.operation.status).to.equal("pending");
    const replay = await env.http
      .post("/v1/roles/OPERATOR/members")
      .set(a())
      .set("Idempotency-Key", `grant-${account}`)
      .send({ account });
    expect(replay.status).to.equal(202);
    expect(replay.headers["idempotent-replayed"]).to.equal("true");
    expect(replay.body.operation.id).to.equal(first.body.operation.id);
    const reused = await env.http
      .post("/v1/roles/OPERATOR/members")
      .set(a())
      .set("Idempotency-Key", `grant-${account}`)
      .send({ account: randomHolder().address });
    expect(reused.body.error.code).to.equal("IDEMPOTENCY_KEY_REUSED");
    for (const res of [
      await env.http.post("/v1/roles/OPERATOR/members").set(a()).send({ account }),
      await env.http.delete(`/v1/roles/OPERATOR/members/${account}`).set(a()),
    ]) {
      expect(res.status, JSON.stringify(res.body)).to.equal(409);
      expect(res.body.error.code).to.equal("ROLE_CHANGE_PENDING");
      expect(res.body.error.details).to.include({ role: "OPERATOR", account, operation: first.body.operation.id });
    }
    // Another account's change is not held up.
    const other = randomHolder().address;
    expect((await env.http.post("/v1/roles/OPERATOR/members").set(a()).send({ account: other })).status).to.equal(202);
    await env.restart({ submitterEnabled: true });
    await waitFor(
      "both grants posted",
      async () => (await members("OPERATOR")).includes(account) && (await members("OPERATOR")).includes(other),
    );
    expect(
      (await env.http.delete(`/v1/roles/OPERATOR/members/${account}?wait=true`).set(a())).body.operation.status,
    ).to.equal("posted");
    expect(
      (await env.http.delete(`/v1/roles/OPERATOR/members/${other}?wait=true`).set(a())).body.operation.status,
    ).to.equal("posted");
  });
});
