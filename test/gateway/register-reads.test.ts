import { expect } from "chai";
import { AbiCoder, Wallet, encodeBytes32String, keccak256 } from "ethers";
import { PERMIT_STATUSES, ASSET_CATEGORIES } from "../../server/domain/ledger-enums";
import { encodeCursor } from "../../server/http/pagination";
import { bearer, bootstrapPlatform, expectPosted, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { sharedNode } from "./support/node";
import { allPages } from "./support/pages";
import type {
  MirroredAssetTypeView as ListedAssetType,
  MirroredPermitView as ListedPermit,
} from "../../server/mirror/register-queries";
import { startStallProxy } from "./support/stall-proxy";
import type { StallProxy } from "./support/stall-proxy";
import { waitFor } from "./support/wait";

/**
 * The permit and asset type registers are read from the record mirror (issue 12 §3): keyset pages as of the mirror's
 * block that show what the ledger holds after grants, suspensions, resumptions, revocations, listings and delistings,
 * and that answer while the node does not.
 */
describe("reads from the record mirror: the permit and asset type registers", function () {
  this.timeout(240_000);
  let env: TestEnv;
  let proxy: StallProxy;
  const m = () => bearer(env.keys.monitor);
  const a = () => bearer(env.keys.authority);
  const ledger = () => env.gateway.internals.chain.ledger;
  const [suspended, resumed, revoked] = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
  const details = (n: number) => ({
    legalName: `Operator ${n} LLP`,
    bin: "230140012340",
    permitNumber: `AFSA-2026-10${n}`,
    scope: "operating a digital asset platform",
  });

  const all = <T>(first: string, limit: number) => allPages<T>(env, m(), first, limit);

  before(async () => {
    const node = await sharedNode();
    proxy = await startStallProxy(node.url);
    // The default probe timeout: a loaded machine (tests of other work beside) can take more than 500 ms to answer.
    env = await startEnv({ rpcUrl: proxy.url, chainProbeIntervalMs: 200 });
    await bootstrapPlatform(env);
    const until = new Date(Date.now() + 30 * 86_400_000).toISOString();
    for (const [i, w] of [suspended, resumed, revoked].entries())
      await expectPosted(
        env.http
          .post("/v1/permits?wait=true")
          .set(a())
          .send({ operator: w.address, ...details(i) }),
      );
    for (const w of [suspended, resumed])
      await expectPosted(
        env.http.post(`/v1/permits/${w.address}/suspend?wait=true`).set(a()).send({ reason: "audit pending", until }),
      );
    await expectPosted(env.http.post(`/v1/permits/${resumed.address}/resume?wait=true`).set(a()).send({}));
    await expectPosted(
      env.http
        .post(`/v1/permits/${revoked.address}/revoke?wait=true`)
        .set(a())
        .send({ courtDecision: "Court ruling 2-123/2026" }),
    );
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

  it("when permits are granted, suspended, resumed and revoked, then the list shows the ledger's permits, page by page in address order", async () => {
    const { items, pages } = await all<ListedPermit>("/v1/permits", 2);
    expect(pages).to.equal(2);
    const operators = items.map((p) => p.operator);
    expect(operators).to.have.members([env.operator.address, suspended.address, resumed.address, revoked.address]);
    expect(operators.map((o) => o.toLowerCase())).to.deep.equal(operators.map((o) => o.toLowerCase()).sort());
    for (const p of items) {
      const [state, detailsHash] = await ledger().permitOf(p.operator);
      expect(p.status, p.operator).to.equal(PERMIT_STATUSES[Number(state.status)]);
      expect(p.detailsHash, p.operator).to.equal(detailsHash);
      expect(p.suspendedUntil, p.operator).to.equal(
        Number(state.suspendedUntil) ? new Date(Number(state.suspendedUntil) * 1000).toISOString() : null,
      );
      expect(p.textFaults).to.deep.equal([]);
      expect(p.updatedBlock).to.be.at.least(p.grantedBlock);
    }
    const byOp = new Map(items.map((p) => [p.operator, p]));
    expect(byOp.get(suspended.address)).to.deep.include({ status: "Suspended", suspendReason: "audit pending" });
    expect(byOp.get(resumed.address)).to.deep.include({ status: "Active", suspendReason: null, suspendedUntil: null });
    expect(byOp.get(revoked.address)).to.deep.include({
      status: "Revoked",
      courtDecision: "Court ruling 2-123/2026",
      details: details(2),
    });
    const d = details(2);
    expect(byOp.get(revoked.address)!.detailsHash).to.equal(
      keccak256(
        AbiCoder.defaultAbiCoder().encode(
          ["string", "string", "string", "string"],
          [d.legalName, d.bin, d.permitNumber, d.scope],
        ),
      ),
    );
  });

  it("when asset types are listed and delisted, then the list shows the ledger's types, page by page in code order", async () => {
    const { items, pages } = await all<ListedAssetType>("/v1/asset-types", 2);
    expect(pages).to.equal(2);
    expect(items.map((t) => t.label)).to.have.members(["GRAIN", "COTTON", "AUDIT"]);
    expect(items.map((t) => t.code)).to.deep.equal(items.map((t) => t.code).sort());
    for (const t of items) {
      const onChain = await ledger().assetType(t.code);
      expect(t, t.label!).to.deep.include({
        name: onChain.name,
        category: ASSET_CATEGORIES[Number(onChain.category)],
        listed: onChain.listed,
      });
      expect(t.code).to.equal(encodeBytes32String(t.label!));
    }
    expect(items.find((t) => t.label === "COTTON")).to.deep.include({ listed: false, category: "TangibleAsset" });
    expect(items.find((t) => t.label === "AUDIT")).to.deep.include({ listed: true, category: "Service" });
  });

  it("when the node stops answering, then both lists still answer from the mirror, as of its block", async () => {
    const permits = await env.http.get("/v1/permits").set(m());
    const types = await env.http.get("/v1/asset-types").set(m());
    proxy.stall();
    try {
      await waitFor("readyz to report the outage", async () => (await env.http.get("/readyz")).status === 503);
      for (const [path, before] of [
        ["/v1/permits", permits],
        ["/v1/asset-types", types],
      ] as const) {
        const t0 = Date.now();
        const res = await env.http.get(path).set(m());
        expect(res.status, `${path} ${JSON.stringify(res.body)}`).to.equal(200);
        expect(Date.now() - t0, path).to.be.below(2_000);
        expect(res.body.asOfBlock, path).to.equal(before.body.asOfBlock);
        expect(res.body.items, path).to.deep.equal(before.body.items);
      }
    } finally {
      proxy.resume();
    }
  });

  it("when a cursor is tampered with, then the lists refuse it (400 CURSOR_INVALID) or, well-formed, select only rows after it", async () => {
    for (const path of ["/v1/permits", "/v1/asset-types"]) {
      const page = await env.http.get(`${path}?limit=1`).set(m());
      const cursor = new URL(page.body.next as string, "http://x").searchParams.get("cursor")!;
      for (const c of [cursor + "A", encodeCursor([5]), encodeCursor(["a", "b"]), "%27%20OR%201%3D1--"]) {
        const res = await env.http.get(`${path}?cursor=${c}`).set(m());
        expect(res.status, `${path} ${c}`).to.equal(400);
        expect(res.body.code, `${path} ${c}`).to.equal("CURSOR_INVALID");
      }
    }
    const after = await env.http.get(`/v1/permits?cursor=${encodeCursor(["0x8"])}`).set(m());
    expect(after.status).to.equal(200);
    for (const p of after.body.items as ListedPermit[]) expect(p.operator.toLowerCase() > "0x8").to.equal(true);
  });
});
