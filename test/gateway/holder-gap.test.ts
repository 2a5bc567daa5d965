import { expect } from "chai";
import type { Wallet } from "ethers";
import { Operation } from "../../server/persistence/entities";
import { bearer, bootstrapPlatform, issue, onboard, randomHolder, startEnv, transferBody } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { waitFor } from "./support/wait";

describe("gateway: one holder's missing nonce never holds up the others", function () {
  let env: TestEnv;
  let gappy: Wallet, other: Wallet, recipient: Wallet;
  let gappyAsset: string, otherAsset: string;
  const LIMIT = 12;

  before(async () => {
    // A small batch (the submitter looks at a few batches of candidates at a time) makes the old failure visible
    // with a dozen authorizations instead of five hundred.
    env = await startEnv({ batchMax: 2, maxWaitingPerHolder: LIMIT });
    gappy = randomHolder();
    other = randomHolder();
    recipient = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    for (const w of [gappy, other, recipient]) await onboard(env, w, documentHash);
    gappyAsset = (await issue(env, gappy, "1000")).assetId;
    otherAsset = (await issue(env, other, "1000")).assetId;
  });
  after(async () => env?.close());

  const send = async (w: Wallet, asset: string, nonce: number, key: string) =>
    env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", key)
      .send(await transferBody(env, w, recipient.address, asset, "1", String(nonce)));
  const statusOf = async (id: string) =>
    (await env.http.get(`/v1/operations/${id}`).set(bearer(env.keys.monitor))).body.status as string;

  it("when a holder's authorizations wait behind a missing nonce, then another holder's transfer posts meanwhile, the waiting ones are bounded per holder, and they all post once the gap is filled", async () => {
    // Nonces 1..LIMIT of one holder arrive; nonce 0 is missing.
    const waiting: string[] = [];
    for (let n = 1; n <= LIMIT; n++) {
      const r = await send(gappy, gappyAsset, n, `gap-${n}`);
      expect(r.status, JSON.stringify(r.body)).to.equal(202);
      waiting.push(r.body.operation.id);
    }
    // Beyond the bound: refused with its own code, nothing stored.
    const over = await send(gappy, gappyAsset, LIMIT + 1, `gap-${LIMIT + 1}`);
    expect(over.status).to.equal(409);
    expect(over.body.code).to.equal("HOLDER_WAITING_LIMIT");

    const theirs = await send(other, otherAsset, 0, "other-0");
    expect(theirs.status).to.equal(202);
    await waitFor(
      "the other holder's transfer to post",
      async () => (await statusOf(theirs.body.operation.id)) === "posted",
      30_000,
    );
    for (const id of waiting) expect(await statusOf(id)).to.equal("pending");

    const filler = await send(gappy, gappyAsset, 0, "gap-0");
    expect(filler.status).to.equal(202);
    await waitFor(
      "the filled gap and everything behind it to post",
      async () =>
        (await Promise.all([filler.body.operation.id, ...waiting].map(statusOf))).every((s) => s === "posted"),
      60_000,
    );
    const failed = await env.gateway.dataSource.manager.countBy(Operation, { status: "failed" });
    expect(failed).to.equal(0);
  });
});
