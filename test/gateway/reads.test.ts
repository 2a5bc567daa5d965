import { expect } from "chai";
import { ZeroHash, parseEther } from "ethers";
import type { Wallet } from "ethers";
import { SecuredAssetLedger__factory } from "../../typechain-types";
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
import { devWallet, sharedNode } from "./support/node";
import { allPages } from "./support/pages";
import { startStallProxy } from "./support/stall-proxy";
import type { StallProxy } from "./support/stall-proxy";
import { waitFor } from "./support/wait";
import { encodeCursor } from "../../server/http/pagination";

interface Holder {
  address: string;
  balance: string;
  frozen: string;
}
interface Holding {
  assetId: string;
  balance: string;
  frozen: string;
}

/**
 * Reads that do not grow with history (issue 12 §3): an asset's records and holders and a participant's holdings come
 * from the record mirror's tables (keyset pages, as of the mirror's block), under the one access policy of the
 * mirrored ledger (authority, operator, monitor), and answer while the node does not.
 */
describe("reads from the record mirror: holders, holdings, an asset's records", function () {
  this.timeout(240_000);
  let env: TestEnv;
  let proxy: StallProxy;
  let owner: Wallet, alice: Wallet, bob: Wallet, carol: Wallet;
  let assetId: string, otherAsset: string;
  const m = () => bearer(env.keys.monitor);
  const ledger = () => env.gateway.internals.chain.ledger;

  const all = <T>(first: string, limit: number) => allPages<T>(env, m(), first, limit);

  before(async () => {
    const node = await sharedNode();
    proxy = await startStallProxy(node.url);
    env = await startEnv({ rpcUrl: proxy.url, chainProbeIntervalMs: 200, chainProbeTimeoutMs: 500 });
    [owner, alice, bob, carol] = [randomHolder(), randomHolder(), randomHolder(), randomHolder()];
    const { documentHash } = await bootstrapPlatform(env);
    for (const p of [owner, alice, bob, carol]) await onboard(env, p, documentHash);
    ({ assetId } = await issue(env, owner, "10000"));
    ({ assetId: otherAsset } = await issue(env, alice, "700"));
    const o = bearer(env.keys.operator);
    const transfer = async (from: Wallet, to: Wallet, id: string, amount: string, nonce: string) =>
      expectPosted(
        env.http
          .post("/v1/transfers?wait=true")
          .set(o)
          .set("Idempotency-Key", `reads-${id}-${from.address}-${nonce}`)
          .send(await transferBody(env, from, to.address, id, amount, nonce)),
      );
    await transfer(owner, alice, assetId, "3000", "0");
    await transfer(alice, bob, assetId, "1200", "0");
    await transfer(owner, carol, assetId, "500", "1");
    await transfer(alice, bob, otherAsset, "100", "0");
    // A freeze and a forced transfer out of the frozen units (the ledger releases what it takes).
    await expectPosted(
      env.http
        .post(`/v1/assets/${assetId}/frozen-units?wait=true`)
        .set(bearer(env.keys.authority))
        .send({ account: bob.address, amount: "1000" }),
    );
    await expectPosted(
      env.http
        .post("/v1/forced-transfers?wait=true")
        .set(bearer(env.keys.authority))
        .send({
          from: bob.address,
          to: carol.address,
          assetId,
          amount: "700",
          basis: "CourtDecision",
          ref: "0x" + "34".repeat(32),
        }),
    );
    // A redemption straight on the ledger: a movement this gateway never saw.
    const provider = env.node.provider;
    await (await devWallet(9, provider).sendTransaction({ to: carol.address, value: parseEther("1") })).wait();
    const direct = SecuredAssetLedger__factory.connect(env.deployment.ledger, carol.connect(provider));
    const receipt = await (await direct.redeem(assetId, 200n, ZeroHash)).wait();
    // The mirror follows on its own: wait for it to pass the redemption's block (a condition, not a sleep).
    await waitFor("the mirror to reach the direct redemption", async () => {
      const res = await env.http.get(`/v1/assets/${assetId}/holders`).set(m());
      return res.status === 200 && (res.body.asOfBlock as number) >= receipt!.blockNumber;
    });
  });
  after(async () => {
    proxy?.resume();
    await env?.close();
    await proxy?.close();
  });

  it("when issuance, transfers, a freeze, a forced transfer and a redemption have posted, then the mirror's balances and frozen units equal the ledger's balanceOf and getFrozenTokens", async () => {
    const { items } = await all<Holder>(`/v1/assets/${assetId}/holders`, 2);
    expect(items.map((h) => h.address)).to.deep.equal(
      [...items].map((h) => h.address).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)),
    );
    for (const w of [owner, alice, bob, carol]) {
      const [balance, frozen] = [
        await ledger().balanceOf(w.address, assetId),
        await ledger().getFrozenTokens(w.address, assetId),
      ];
      const row = items.find((h) => h.address === w.address);
      if (balance === 0n) expect(row, w.address).to.equal(undefined);
      else
        expect(row, w.address).to.deep.equal({ address: w.address, balance: String(balance), frozen: String(frozen) });
    }
    expect(items.find((h) => h.address === bob.address)).to.deep.equal({
      address: bob.address,
      balance: "500",
      frozen: "500",
    });
    const supply = items.reduce((s, h) => s + BigInt(h.balance), 0n);
    expect(supply).to.equal((await ledger().assetInfo(assetId)).supply);

    const holdings = await all<Holding>(`/v1/participants/${bob.address}/holdings`, 1);
    expect(holdings.pages).to.equal(2);
    expect(holdings.items).to.deep.equal([
      { assetId, balance: "500", frozen: "500" },
      { assetId: otherAsset, balance: "100", frozen: "0" },
    ]);
  });

  it("when an asset's records are paged, then they come in sequence order with a cursor, and the mirrored chain's head is the ledger's", async () => {
    const { items, pages } = await all<{ sequence: string; kind: string; from: string; to: string; amount: string }>(
      `/v1/assets/${assetId}/records`,
      2,
    );
    expect(pages).to.equal(3);
    expect(items.map((r) => r.sequence)).to.deep.equal(["1", "2", "3", "4", "5", "6"]);
    expect(items.map((r) => r.kind)).to.deep.equal([
      "issue",
      "transfer",
      "transfer",
      "transfer",
      "transfer",
      "redemption",
    ]);
    const first = await env.http.get(`/v1/assets/${assetId}/records?limit=2`).set(m());
    const info = await ledger().assetInfo(assetId);
    expect(first.body.verification).to.include({ verified: true, count: "6", head: info.recordHead.toLowerCase() });
    expect(first.body.verification.proof).to.equal(`/v1/assets/${assetId}/records/verification`);
    expect(first.body.next).to.match(new RegExp(`^/v1/assets/${assetId}/records\\?limit=2&cursor=`));
  });

  it("when the node stops answering, then holders, holdings and records still answer from the mirror, as of its block", async () => {
    const before = await env.http.get(`/v1/assets/${assetId}/holders`).set(m());
    proxy.stall();
    try {
      await waitFor("readyz to report the outage", async () => (await env.http.get("/readyz")).status === 503);
      for (const path of [
        `/v1/assets/${assetId}/holders?limit=2`,
        `/v1/assets/${assetId}/records?limit=2`,
        `/v1/participants/${bob.address}/holdings`,
      ]) {
        const t0 = Date.now();
        const res = await env.http.get(path).set(m());
        expect(res.status, `${path} ${JSON.stringify(res.body)}`).to.equal(200);
        expect(Date.now() - t0, path).to.be.below(2_000);
        expect(res.body.asOfBlock, path).to.equal(before.body.asOfBlock);
        expect(res.body.items.length, path).to.be.greaterThan(0);
        if (res.body.next) expect((await env.http.get(res.body.next).set(m())).status).to.equal(200);
      }
      const holders = await all<Holder>(`/v1/assets/${assetId}/holders`, 1);
      expect(holders.items).to.deep.equal(before.body.items);
    } finally {
      proxy.resume();
    }
  });

  it("when a cursor is tampered with, then the list refuses it (400 CURSOR_INVALID) or, well-formed, it selects only rows after it", async () => {
    const page = await env.http.get(`/v1/assets/${assetId}/records?limit=2`).set(m());
    const cursor = new URL(page.body.next as string, "http://x").searchParams.get("cursor")!;
    const tampered = [
      cursor + "A", // appended
      cursor.slice(0, -1) + (cursor.endsWith("A") ? "B" : "A"), // a character changed
      encodeCursor(["2"]), // a string where this list keys on a number
      encodeCursor([2, 3]), // another list's shape
      encodeCursor([-1]), // out of the key's range
      encodeCursor([2 ** 31]),
      Buffer.from("[2]  ").toString("base64url"), // another spelling of the same key
      "%27%20OR%201%3D1--",
    ];
    for (const c of tampered) {
      const res = await env.http.get(`/v1/assets/${assetId}/records?limit=2&cursor=${c}`).set(m());
      expect(res.status, c).to.equal(400);
      expect(res.body.code, c).to.equal("CURSOR_INVALID");
    }
    const holders = `/v1/assets/${assetId}/holders`;
    for (const c of [encodeCursor([5]), encodeCursor(["a", "b"])]) {
      const res = await env.http.get(`${holders}?cursor=${c}`).set(m());
      expect(res.body.code, c).to.equal("CURSOR_INVALID");
    }
    // Well-formed keys the API never handed out select rows after them and nothing else: no injection, no other asset.
    const injected = await env.http.get(`${holders}?cursor=${encodeCursor(["' OR '1'='1"])}`).set(m());
    expect(injected.status).to.equal(200);
    expect(injected.body.items.map((h: Holder) => h.address.toLowerCase())).to.deep.equal(
      (await all<Holder>(holders, 50)).items.map((h) => h.address.toLowerCase()),
    ); // every address sorts after "'"
    const beyond = await env.http
      .get(`${holders}?cursor=${encodeCursor(["0xffffffffffffffffffffffffffffffffffffffffff"])}`)
      .set(m());
    expect(beyond.body).to.deep.include({ items: [], next: null });
    const bobs = await env.http
      .get(`/v1/participants/${bob.address}/holdings?cursor=${encodeCursor([Number(assetId)])}`)
      .set(m());
    expect(bobs.body.items).to.deep.equal([{ assetId: otherAsset, balance: "100", frozen: "0" }]);
    const later = await env.http.get(`/v1/assets/${otherAsset}/records?cursor=${encodeCursor([1])}`).set(m());
    expect(later.body.items.map((r: { sequence: string }) => r.sequence)).to.deep.equal(["2"]);
  });

  it("when someone outside the ledger's readers asks, then the reads are refused: no key or an unknown one 401, the verifier 403", async () => {
    const paths = [
      `/v1/assets/${assetId}/holders`,
      `/v1/assets/${assetId}/records`,
      `/v1/participants/${bob.address}/holdings`,
      `/v1/records?assetId=${assetId}`,
    ];
    for (const path of paths) {
      expect((await env.http.get(path)).status, path).to.equal(401);
      const verifier = await env.http.get(path).set(bearer(env.keys.verifier));
      expect(verifier.status, path).to.equal(403);
      expect(verifier.body.code, path).to.equal("FORBIDDEN");
      expect((await env.http.get(path).set(bearer("sda_" + "0".repeat(40)))).status, path).to.equal(401);
      for (const key of [env.keys.authority, env.keys.operator, env.keys.monitor])
        expect((await env.http.get(path).set(bearer(key))).status, path).to.equal(200);
    }
  });

  it("when an asset is unknown or the address is not a holder, then 404 ASSET_NOT_FOUND or an empty page", async () => {
    for (const path of ["/v1/assets/999999/holders", "/v1/assets/999999/records"]) {
      const res = await env.http.get(path).set(m());
      expect(res.status, path).to.equal(404);
      expect(res.body.code, path).to.equal("ASSET_NOT_FOUND");
    }
    const stranger = await env.http.get(`/v1/participants/${randomHolder().address}/holdings`).set(m());
    expect(stranger.status).to.equal(200);
    expect(stranger.body).to.deep.include({ items: [], next: null });
    expect((await env.http.get(`/v1/participants/0x1234/holdings`).set(m())).status).to.equal(400);
  });
});
