import { expect } from "chai";
import { encodeBytes32String } from "ethers";
import { SecuredAssetLedger__factory } from "../../typechain-types";
import { ASSET_CATEGORIES } from "../../server/domain/ledger-enums";
import { bearer, bootstrapPlatform, expectPosted, GRAIN, startEnv } from "./support/harness";
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
  const ledger = () => env.gateway.internals.chain.ledger;

  before(async () => {
    proxy = await startStallProxy((await sharedNode()).url);
    env = await startEnv({ rpcUrl: proxy.url, chainProbeIntervalMs: 200 });
    await bootstrapPlatform(env);
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

  it("when the node stops answering, then the reads still answer from the mirror, as of its block", async () => {
    const paths = ["/v1/asset-types/COTTON"];
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

  it("when changes are orphaned by a reorganisation, then the reads are rebuilt from the branch that remains", async () => {
    const provider = env.node.provider;
    const mirror = env.gateway.context.mirror;
    await mirror.indexer.stop();
    await mirror.indexer.sync();
    const read = async (path: string) => withoutBlock((await env.http.get(path).set(m())).body as Body);
    const paths = ["/v1/asset-types/AUDIT", "/v1/asset-types/COTTON"];
    const before = await Promise.all(paths.map(read));

    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    const byAuthority = SecuredAssetLedger__factory.connect(env.deployment.ledger, env.authority.connect(provider));
    await (await byAuthority.delistAssetType(encodeBytes32String("AUDIT"))).wait();
    await (await byAuthority.listAssetType(encodeBytes32String("COTTON"), "Cotton, orphaned", 1)).wait();
    await mirror.indexer.sync();
    expect(await read("/v1/asset-types/AUDIT")).to.include({ listed: false });
    expect(await read("/v1/asset-types/COTTON")).to.include({ listed: true, name: "Cotton, orphaned" });

    await provider.send("evm_revert", [snapshot]);
    for (let i = 0; i < 3; i++) await provider.send("evm_mine", []); // another, longer branch without them
    await mirror.indexer.sync();
    expect(await Promise.all(paths.map(read)), "after the reorganisation").to.deep.equal(before);
    expect(await read("/v1/asset-types/AUDIT"), "and the ledger").to.deep.equal(await chainAssetType("AUDIT"));
    expect(await read("/v1/asset-types/COTTON"), "and the ledger").to.deep.equal(await chainAssetType("COTTON"));
    mirror.indexer.start();
  });
});
