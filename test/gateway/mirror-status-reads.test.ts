import { expect } from "chai";
import { encodeBytes32String, id as keccakText } from "ethers";
import type { Wallet } from "ethers";
import { SiweMessage } from "siwe";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { ASSET_CATEGORIES } from "../../server/domain/ledger-enums";
import { LEDGER_ROLE_NAMES, LEDGER_ROLES, ledgerRoleName } from "../../server/domain/ledger-roles";
import { MANAGED_ROLES } from "../../server/services/roles";
import { MirrorStatusReads1764210000000 } from "../../server/persistence/migrations/1764210000000-MirrorStatusReads";
import {
  bearer,
  bootstrapPlatform,
  expectPosted,
  FAR_FUTURE,
  GRAIN,
  onboard,
  randomHolder,
  signAck,
  startEnv,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { sharedNode } from "./support/node";
import { startStallProxy } from "./support/stall-proxy";
import type { StallProxy } from "./support/stall-proxy";
import { waitFor } from "./support/wait";

type Body = Record<string, unknown>;
const withoutBlock = ({ asOfBlock, ...rest }: Body) => (expect(asOfBlock).to.be.a("number"), rest);

/**
 * The last reads that went to the ledger are served from the record mirror (issue 12 §3): one asset type, the
 * on-chain roles and their holders, and a participant's on-chain status and risk-disclosure status. Each equals the
 * ledger's after changes, answers while the node does not, and is rebuilt when a reorganisation orphans a change.
 */
describe("reads from the record mirror: asset types, roles, participants' status", function () {
  this.timeout(240_000);
  let env: TestEnv;
  let proxy: StallProxy;
  const m = () => bearer(env.keys.monitor);
  const a = () => bearer(env.keys.authority);
  const o = () => bearer(env.keys.operator);
  const ledger = () => env.gateway.internals.chain.ledger;
  /** Acknowledges disclosure v1 at onboarding, then v2. */
  const alice = randomHolder();
  /** Registered without an acknowledgement; frozen by the operator. */
  const bob = randomHolder();
  /** Frozen by the authority. */
  const carol = randomHolder();
  /** Registered, then deregistered. */
  const dave = randomHolder();
  /** Given VERIFIER, which is then revoked. */
  const passing = randomHolder();
  /** Given VERIFIER. */
  const verifier = randomHolder();
  let aliceToken: string;
  const v2 = "Risk disclosure v2: digital assets may lose all value.";

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
    return res.body.token as string;
  }

  before(async () => {
    proxy = await startStallProxy((await sharedNode()).url);
    env = await startEnv({ rpcUrl: proxy.url, chainProbeIntervalMs: 200 });
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, alice, documentHash);
    for (const w of [bob, carol, dave])
      await expectPosted(
        env.http
          .post("/v1/participants?wait=true")
          .set(o())
          .send({ address: w.address, kind: "LegalEntity", identity: { name: `P ${w.address.slice(2, 8)}` } }),
      );
    await expectPosted(env.http.delete(`/v1/participants/${dave.address}?wait=true`).set(o()));
    await expectPosted(
      env.http.post(`/v1/participants/${bob.address}/freeze?wait=true`).set(o()).send({ reason: "AML review" }),
    );
    await expectPosted(
      env.http.post(`/v1/participants/${carol.address}/freeze?wait=true`).set(a()).send({ reason: "court order" }),
    );
    aliceToken = await signIn(alice);
    for (const w of [passing, verifier])
      await expectPosted(env.http.post("/v1/roles/VERIFIER/members?wait=true").set(a()).send({ account: w.address }));
    await expectPosted(env.http.delete(`/v1/roles/VERIFIER/members/${passing.address}?wait=true`).set(a()));
    for (const [code, category] of [
      ["COTTON", "TangibleAsset"],
      ["AUDIT", "Service"],
    ])
      await expectPosted(
        env.http
          .post("/v1/asset-types?wait=true")
          .set(a())
          .send({ code, name: `${code} type`, category }),
      );
    await expectPosted(env.http.delete("/v1/asset-types/COTTON?wait=true").set(a()));
  });

  after(async () => {
    proxy?.resume();
    await env?.close();
    await proxy?.close();
  });

  /** An asset type as the ledger holds it now. */
  async function chainAssetType(label: string) {
    const code = encodeBytes32String(label);
    const t = await ledger().assetType(code);
    return {
      code,
      label,
      name: t.name,
      category: ASSET_CATEGORIES[Number(t.category)],
      listed: t.listed,
      textFaults: [],
    };
  }

  it("when asset types are recognised and one delisted, then each type read from the mirror is the ledger's", async () => {
    for (const label of [GRAIN, "COTTON", "AUDIT"]) {
      const res = await env.http.get(`/v1/asset-types/${label}`).set(m());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(withoutBlock(res.body as Body), label).to.deep.equal(await chainAssetType(label));
    }
    expect((await env.http.get("/v1/asset-types/COTTON").set(m())).body).to.include({ listed: false });
    const byHex = await env.http.get(`/v1/asset-types/${encodeBytes32String("AUDIT")}`).set(m());
    expect(byHex.body).to.deep.include({ label: "AUDIT", category: "Service", listed: true });
    const unknown = await env.http.get("/v1/asset-types/NEVER").set(m());
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal("NOT_FOUND");
  });

  /** A participant's slot as the ledger's views give it now. */
  async function chainStatus(w: { address: string }) {
    const p = await ledger().participant(w.address);
    const registered = Number(p.kind) !== 0;
    return {
      registered,
      frozen: p.frozen,
      frozenByAuthority: p.frozenByAuthority,
      contractWallet: p.contractWallet,
      acknowledgedVersion: Number(p.acknowledgedVersion),
      acknowledgedCurrent: await ledger().hasAcknowledgedCurrent(w.address),
      registeredAt: registered ? new Date(Number(p.registeredAt) * 1000).toISOString() : null,
      identityHash: await ledger().identityHashOf(w.address),
    };
  }
  async function chainMe(w: { address: string }) {
    const s = await chainStatus(w);
    const current = Number(await ledger().currentDisclosureVersion());
    return {
      registered: s.registered,
      frozen: s.frozen,
      disclosure: {
        currentVersion: current === 0 ? null : current,
        acknowledgedVersion: s.acknowledgedVersion,
        acknowledgedCurrent: s.acknowledgedCurrent,
      },
    };
  }
  const participant = async (w: { address: string }) =>
    (await env.http.get(`/v1/participants/${w.address}`).set(m())).body as Body & { onChain: Body };
  const me = async () => (await env.http.get("/v1/me").set(bearer(aliceToken))).body as Body;

  it("when participants are registered, frozen by the operator and by the authority, and deregistered, then their status read from the mirror is the ledger's", async () => {
    for (const w of [alice, bob, carol, dave]) {
      const res = await env.http.get(`/v1/participants/${w.address.toLowerCase()}`).set(m());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.asOfBlock).to.be.a("number");
      expect(res.body.onChain, w.address).to.deep.equal(await chainStatus(w));
    }
    expect((await participant(alice)).onChain).to.include({ acknowledgedVersion: 1, acknowledgedCurrent: true });
    expect((await participant(bob)).onChain).to.include({ frozen: true, frozenByAuthority: false });
    expect((await participant(carol)).onChain).to.include({ frozen: true, frozenByAuthority: true });
    expect((await participant(dave)).onChain).to.include({ registered: false, registeredAt: null });
    expect(await participant(carol)).to.include({ kind: "LegalEntity" });
    const unknown = await env.http.get(`/v1/participants/${randomHolder().address}`).set(m());
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal("NOT_FOUND");
  });

  it("when a new disclosure version is published and then acknowledged, then the participant's and its own view follow the ledger's", async () => {
    await expectPosted(
      env.http.post("/v1/disclosures?wait=true").set(o()).send({ text: v2, uri: "https://platform.kz/risks/v2" }),
    );
    expect((await participant(alice)).onChain).to.deep.equal(await chainStatus(alice));
    expect((await participant(alice)).onChain).to.include({ acknowledgedVersion: 1, acknowledgedCurrent: false });
    expect(withoutBlock(await me())).to.deep.include(await chainMe(alice));
    expect((await me()).disclosure).to.deep.equal({
      currentVersion: 2,
      acknowledgedVersion: 1,
      acknowledgedCurrent: false,
    });

    const signature = await signAck(env, alice, 2, keccakText(v2));
    await expectPosted(
      env.http
        .post("/v1/disclosures/2/acknowledgements?wait=true")
        .set(o())
        .send({ account: alice.address, deadline: FAR_FUTURE, signature }),
    );
    expect((await participant(alice)).onChain).to.deep.equal(await chainStatus(alice));
    expect((await me()).disclosure).to.deep.equal({
      currentVersion: 2,
      acknowledgedVersion: 2,
      acknowledgedCurrent: true,
    });
    expect(withoutBlock(await me())).to.deep.include(await chainMe(alice));
  });

  /**
   * The roles as the ledger says them: RoleGranted and RoleRevoked since the deployment replayed in chain order, each
   * holder confirmed by hasRole, the grant's block time, and each role's admin (what the gateway read before).
   */
  async function chainRoles() {
    const l = ledger();
    const from = env.deployment.deployBlock;
    const [granted, revoked] = await Promise.all([
      l.queryFilter(l.filters.RoleGranted(), from),
      l.queryFilter(l.filters.RoleRevoked(), from),
    ]);
    const changes = [...granted.map((e) => ({ e, grant: true })), ...revoked.map((e) => ({ e, grant: false }))].sort(
      (x, y) => x.e.blockNumber - y.e.blockNumber || x.e.index - y.e.index,
    );
    const current = new Map<
      string,
      { role: string; hash: string; account: string; by: string; block: number; tx: string }
    >();
    for (const { e, grant } of changes) {
      const role = ledgerRoleName(e.args.role);
      if (!role) continue;
      const key = `${role}:${e.args.account}`;
      if (grant)
        current.set(key, {
          role,
          hash: e.args.role,
          account: e.args.account,
          by: e.args.sender,
          block: e.blockNumber,
          tx: e.transactionHash,
        });
      else current.delete(key);
    }
    const views = [];
    for (const role of LEDGER_ROLE_NAMES) {
      const members = [];
      for (const h of current.values()) {
        if (h.role !== role || !(await l.hasRole(h.hash, h.account))) continue;
        const block = await env.node.provider.getBlock(h.block);
        members.push({
          account: h.account,
          grantedAt: new Date(block!.timestamp * 1000).toISOString(),
          grantedBy: h.by,
          blockNumber: h.block,
          transactionHash: h.tx,
        });
      }
      const admin = await l.getRoleAdmin(LEDGER_ROLES[role]);
      views.push({
        role,
        managed: (MANAGED_ROLES as readonly string[]).includes(role),
        adminRole: ledgerRoleName(admin) ?? admin,
        members,
      });
    }
    return views;
  }
  const roles = async () => {
    const res = await env.http.get("/v1/roles").set(m());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.next).to.equal(null);
    return (withoutBlock(res.body as Body) as { items: Body[] }).items;
  };

  it("when roles are granted and revoked, then the roles and their holders read from the mirror are the ledger's", async () => {
    const onChain = await chainRoles();
    expect(await roles()).to.deep.equal(onChain);
    for (const view of onChain) {
      const res = await env.http.get(`/v1/roles/${view.role.toLowerCase()}`).set(m());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(withoutBlock(res.body as Body), view.role).to.deep.equal(view);
    }
    const verifiers = onChain.find((r) => r.role === "VERIFIER")!.members.map((h) => h.account);
    expect(verifiers).to.include(verifier.address).and.not.include(passing.address);
    expect(onChain.find((r) => r.role === "AUTHORITY")!.members.map((h) => h.account)).to.deep.equal([
      env.authority.address,
    ]);
    const unknown = await env.http.get("/v1/roles/NOBODY").set(m());
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.code).to.equal("ROLE_UNKNOWN");
  });

  it("when the node stops answering, then the reads still answer from the mirror, as of its block", async () => {
    const paths = [
      "/v1/asset-types/COTTON",
      `/v1/participants/${alice.address}`,
      `/v1/participants/${carol.address}`,
      "/v1/roles",
      "/v1/roles/VERIFIER",
    ];
    const before = await Promise.all(paths.map((p) => env.http.get(p).set(m())));
    const meBefore = (await env.http.get("/v1/me").set(bearer(aliceToken))).body as Body;
    proxy.stall();
    try {
      await waitFor("readyz to report the outage", async () => (await env.http.get("/readyz")).status === 503);
      for (const [i, path] of paths.entries()) {
        const t0 = Date.now();
        const res = await env.http.get(path).set(m());
        expect(res.status, `${path} ${JSON.stringify(res.body)}`).to.equal(200);
        expect(Date.now() - t0, path).to.be.below(2_000);
        expect(res.body, path).to.deep.equal(before[i].body);
      }
      const t0 = Date.now();
      const self = await env.http.get("/v1/me").set(bearer(aliceToken));
      expect(self.status, JSON.stringify(self.body)).to.equal(200);
      expect(Date.now() - t0).to.be.below(2_000);
      expect(self.body).to.deep.equal(meBefore);
    } finally {
      proxy.resume();
      await waitFor("readyz to report the node back", async () => (await env.http.get("/readyz")).status === 200);
    }
  });

  it("when changes are orphaned by a reorganisation, then the reads are rebuilt from the branch that remains", async () => {
    const provider = env.node.provider;
    const mirror = env.gateway.context.mirror;
    await mirror.indexer.stop();
    await mirror.indexer.sync();
    const read = async (path: string) => withoutBlock((await env.http.get(path).set(m())).body as Body);
    const paths = ["/v1/asset-types/AUDIT", "/v1/asset-types/COTTON", `/v1/participants/${alice.address}`, "/v1/roles"];
    const before = await Promise.all(paths.map(read));
    const meBefore = withoutBlock((await env.http.get("/v1/me").set(bearer(aliceToken))).body as Body);

    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    const byAuthority = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority.connect(provider));
    await (await byAuthority.delistAssetType(encodeBytes32String("AUDIT"))).wait();
    await (await byAuthority.listAssetType(encodeBytes32String("COTTON"), "Cotton, orphaned", 1)).wait();
    await (await byAuthority.freezeParticipant(alice.address, "orphaned")).wait();
    await (await byAuthority.publishDisclosure(keccakText("v3"), "https://platform.kz/risks/v3")).wait();
    await (await byAuthority.grantRole(LEDGER_ROLES.VERIFIER, passing.address)).wait();
    await (await byAuthority.revokeRole(LEDGER_ROLES.VERIFIER, verifier.address)).wait();
    await mirror.indexer.sync();
    const verifiers = async () =>
      ((await env.http.get("/v1/roles/VERIFIER").set(m())).body.members as Body[]).map((h) => h.account);
    expect(await verifiers())
      .to.include(passing.address)
      .and.not.include(verifier.address);
    expect((await participant(alice)).onChain).to.include({
      frozen: true,
      frozenByAuthority: true,
      acknowledgedCurrent: false,
    });
    expect((await me()).disclosure).to.include({ currentVersion: 3, acknowledgedCurrent: false });
    expect(await read("/v1/asset-types/AUDIT")).to.include({ listed: false });
    expect(await read("/v1/asset-types/COTTON")).to.include({ listed: true, name: "Cotton, orphaned" });

    await provider.send("evm_revert", [snapshot]);
    for (let i = 0; i < 3; i++) await provider.send("evm_mine", []); // another, longer branch without them
    await mirror.indexer.sync();
    expect(await Promise.all(paths.map(read)), "after the reorganisation").to.deep.equal(before);
    expect(await read("/v1/asset-types/AUDIT"), "and the ledger").to.deep.equal(await chainAssetType("AUDIT"));
    expect(await read("/v1/asset-types/COTTON"), "and the ledger").to.deep.equal(await chainAssetType("COTTON"));
    expect((await participant(alice)).onChain, "and the ledger").to.deep.equal(await chainStatus(alice));
    expect(withoutBlock((await env.http.get("/v1/me").set(bearer(aliceToken))).body as Body)).to.deep.equal(meBefore);
    expect(meBefore).to.deep.include(await chainMe(alice));
    expect(await roles(), "roles and the ledger").to.deep.equal(await chainRoles());
    mirror.indexer.start();
  });

  it("when the migration runs on a mirror already synced, then it folds the same participants, and the indexer's next first pass times the registrations and grants", async () => {
    const mirror = env.gateway.context.mirror;
    const db = env.gateway.dataSource;
    await mirror.indexer.stop();
    const rows = () => db.query("SELECT * FROM mirror_participants ORDER BY account") as Promise<Body[]>;
    const untimed = async () =>
      Number(
        (
          (await db.query(
            "SELECT COUNT(*) AS n FROM mirror_participant_changes WHERE kind = 'ParticipantRegistered' AND block_time IS NULL",
          )) as Array<{ n: number | string }>
        )[0].n,
      ) +
      Number(
        (
          (await db.query(
            "SELECT COUNT(*) AS n FROM mirror_changes WHERE kind = 'RoleGranted' AND block_time IS NULL",
          )) as Array<{ n: number | string }>
        )[0].n,
      );
    const folded = await rows();
    expect(folded.length).to.be.at.least(4);
    const qr = db.createQueryRunner();
    try {
      const migration = new MirrorStatusReads1764210000000();
      await migration.down(qr);
      await migration.up(qr);
    } finally {
      await qr.release();
    }
    expect(await rows(), "filled by the migration").to.deep.equal(folded);
    expect(await untimed()).to.be.above(0);
    // Until the indexer has timed them, the participants and grants are read from the ledger: still the ledger's.
    expect((await participant(alice)).onChain).to.deep.equal(await chainStatus(alice));
    expect(await roles()).to.deep.equal(await chainRoles());

    (mirror.indexer as unknown as { grantTimesFilled: boolean }).grantTimesFilled = false; // a restarted gateway
    await mirror.indexer.sync();
    expect(await untimed(), "timed on the first pass").to.equal(0);
    expect((await participant(alice)).onChain).to.deep.equal(await chainStatus(alice));
    expect(await roles()).to.deep.equal(await chainRoles());
    mirror.indexer.start();
  });
});
