import { expect } from "chai";
import { Wallet, id as keccakText } from "ethers";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { PERMIT_STATUSES } from "../../server/domain/ledger-enums";
import {
  bearer,
  bootstrapPlatform,
  decisionChangeBody,
  expectPosted,
  issue,
  onboard,
  PERMIT,
  randomHolder,
  startEnv,
} from "./support/harness";
import type { TestEnv } from "./support/harness";
import { sharedNode } from "./support/node";
import { allPages } from "./support/pages";
import { startStallProxy } from "./support/stall-proxy";
import type { StallProxy } from "./support/stall-proxy";
import { waitFor } from "./support/wait";

type Body = Record<string, unknown>;
const withoutBlock = ({ asOfBlock, ...rest }: Body) => (expect(asOfBlock).to.be.a("number"), rest);

/**
 * One asset and one permit are read from the record mirror (issue 12 §3), as the registers' lists are: what the
 * ledger says after an issuance, a decision change, permit grants, suspensions, a resumption and a role grant, and
 * the reads answer while the node does not, and stay right when a reorganisation orphans a change.
 */
describe("reads from the record mirror: an asset and a permit", function () {
  this.timeout(240_000);
  let env: TestEnv;
  let proxy: StallProxy;
  let owner: Wallet;
  let assetId: string;
  const m = () => bearer(env.keys.monitor);
  const a = () => bearer(env.keys.authority);
  const o = () => bearer(env.keys.operator);
  const ledger = () => env.gateway.internals.chain.ledger;
  /** Granted, suspended, resumed, then given the OPERATOR role: permitted. */
  const newcomer = Wallet.createRandom();
  /** Granted and suspended, without the role. */
  const benched = Wallet.createRandom();
  const until = new Date(Date.now() + 30 * 86_400_000).toISOString();

  before(async () => {
    proxy = await startStallProxy((await sharedNode()).url);
    env = await startEnv({ rpcUrl: proxy.url, chainProbeIntervalMs: 200 });
    const { documentHash } = await bootstrapPlatform(env);
    owner = randomHolder();
    await onboard(env, owner, documentHash);
    ({ assetId } = await issue(env, owner, "1000", String(Date.now())));
    await expectPosted(
      env.http
        .post(`/v1/assets/${assetId}/decision?wait=true`)
        .set(o())
        .send(
          await decisionChangeBody(env, owner, assetId, {
            documentHash: keccakText("decision v2"),
            uri: "https://steppegrain.kz/decisions/2026-02.pdf",
            reason: "collateral re-weighed",
          }),
        ),
    );
    for (const w of [newcomer, benched])
      await expectPosted(
        env.http
          .post("/v1/permits?wait=true")
          .set(a())
          .send({ operator: w.address, ...PERMIT }),
      );
    for (const w of [newcomer, benched])
      await expectPosted(
        env.http.post(`/v1/permits/${w.address}/suspend?wait=true`).set(a()).send({ reason: "audit pending", until }),
      );
    await expectPosted(env.http.post(`/v1/permits/${newcomer.address}/resume?wait=true`).set(a()));
    await expectPosted(
      env.http.post("/v1/roles/OPERATOR/members?wait=true").set(a()).send({ account: newcomer.address }),
    );
  });

  after(async () => {
    proxy?.resume();
    await env?.close();
    await proxy?.close();
  });

  /** The permit as the ledger holds it now (state, details hash, whether permitted). */
  async function chainPermit(operator: string) {
    const [state, detailsHash] = await ledger().permitOf(operator);
    return {
      status: PERMIT_STATUSES[Number(state.status)],
      permitted: await ledger().isPermitted(operator),
      operatorRole: state.operatorRole,
      grantedAt: new Date(Number(state.grantedAt) * 1000).toISOString(),
      suspendedUntil: Number(state.suspendedUntil) ? new Date(Number(state.suspendedUntil) * 1000).toISOString() : null,
      detailsHash,
    };
  }

  it("when an asset is issued and its decision changed, then the asset read from the mirror is the one the ledger's state and events describe", async () => {
    const res = await env.http.get(`/v1/assets/${assetId}`).set(m());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    // The ledger's own view: assetInfo and the issuance and decision events read from the chain.
    const onChain = await env.gateway.context.services.assets.get(assetId);
    expect(withoutBlock(res.body as Body)).to.deep.equal(onChain);
    expect(res.body.decision.changes).to.have.length(1);
    expect(res.body.decision).to.deep.include({
      documentHash: keccakText("decision v2"),
      uri: "https://steppegrain.kz/decisions/2026-02.pdf",
    });
    expect(res.body.asOfBlock).to.be.at.least(res.body.decision.changes[0].blockNumber);
  });

  it("when permits are granted, suspended, resumed and the OPERATOR role granted, then each permit read from the mirror is the ledger's, and the list shows the same", async () => {
    const operators = [env.operator.address, newcomer.address, benched.address];
    const { items } = await allPages<Body>(env, m(), "/v1/permits", 2);
    for (const operator of operators) {
      const res = await env.http.get(`/v1/permits/${operator.toLowerCase()}`).set(m());
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body, operator).to.deep.include({ operator, ...(await chainPermit(operator)) });
      expect(res.body.details, operator).to.deep.equal(PERMIT);
      expect(withoutBlock(res.body as Body), operator).to.deep.equal(items.find((p) => p.operator === operator));
    }
    const byOp = async (w: { address: string }) =>
      (await env.http.get(`/v1/permits/${w.address}`).set(m())).body as Body;
    expect(await byOp(newcomer)).to.deep.include({ status: "Active", permitted: true, operatorRole: true });
    expect(await byOp(benched)).to.deep.include({
      status: "Suspended",
      permitted: false,
      operatorRole: false,
      suspendReason: "audit pending",
    });
  });

  it("when the mirror holds no such permit or asset, then the reads answer 404 with the mirror's block", async () => {
    const permit = await env.http.get(`/v1/permits/${Wallet.createRandom().address}`).set(m());
    expect(permit.status).to.equal(404);
    expect(permit.body.error.code).to.equal("PERMIT_NOT_FOUND");
    const asset = await env.http.get("/v1/assets/999999").set(m());
    expect(asset.status).to.equal(404);
    expect(asset.body.error.code).to.equal("ASSET_NOT_FOUND");
  });

  it("when the node stops answering, then the asset and the permit still answer from the mirror, as of its block", async () => {
    const paths = [`/v1/assets/${assetId}`, `/v1/permits/${newcomer.address}`];
    const before = await Promise.all(paths.map((p) => env.http.get(p).set(m())));
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
    } finally {
      proxy.resume();
      await waitFor("readyz to report the node back", async () => (await env.http.get("/readyz")).status === 200);
    }
  });

  it("when a decision change and a permit suspension are orphaned by a reorganisation, then the asset and the permit are rebuilt from the branch that remains", async () => {
    const provider = env.node.provider;
    const mirror = env.gateway.context.mirror;
    // The passes are the test's own: none fetched from one branch and written after the switch to the other.
    await mirror.indexer.stop();
    await mirror.indexer.sync();
    const asset = async () => withoutBlock((await env.http.get(`/v1/assets/${assetId}`).set(m())).body as Body);
    const permit = async () =>
      withoutBlock((await env.http.get(`/v1/permits/${newcomer.address}`).set(m())).body as Body);
    const [assetBefore, permitBefore] = [await asset(), await permit()];

    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    const byAuthority = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority.connect(provider));
    const byOperator = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.operator.connect(provider));
    const change = await decisionChangeBody(env, owner, assetId, {
      documentHash: keccakText("decision v3"),
      uri: "https://steppegrain.kz/decisions/2026-03.pdf",
      reason: "orphaned",
    });
    await (
      await byOperator.changeDecisionDocument(
        assetId,
        change.documentHash,
        change.uri,
        change.reason,
        change.deadline,
        change.issuerSignature,
      )
    ).wait();
    await (
      await byAuthority.suspendPermit(newcomer.address, "orphaned", Math.floor(Date.now() / 1000) + 86_400)
    ).wait();
    await mirror.indexer.sync();
    expect((await asset()).decision).to.deep.include({ documentHash: keccakText("decision v3") });
    expect(await permit()).to.deep.include({ status: "Suspended", permitted: false, suspendReason: "orphaned" });

    await provider.send("evm_revert", [snapshot]);
    for (let i = 0; i < 3; i++) await provider.send("evm_mine", []); // another, longer branch without them
    await mirror.indexer.sync();
    expect(await asset(), "asset after the reorganisation").to.deep.equal(assetBefore);
    expect(await permit(), "permit after the reorganisation").to.deep.equal(permitBefore);
    expect(await asset(), "asset and ledger").to.deep.equal(await env.gateway.context.services.assets.get(assetId));
    expect(await permit(), "permit and ledger").to.deep.include(await chainPermit(newcomer.address));
    mirror.indexer.start();
  });
});
