import { expect } from "chai";
import { createHash } from "node:crypto";
import type { Wallet } from "ethers";
import { IdempotencyKey } from "../../server/persistence/entities";
import { requestHash } from "../../server/services/idempotency";
import { bearer, bootstrapPlatform, issue, onboard, randomHolder, startEnv, transferBody } from "./support/harness";
import type { TestEnv } from "./support/harness";

describe("gateway: an Idempotency-Key left in progress by a crash is recovered; completed keys expire", function () {
  let env: TestEnv;
  let owner: Wallet, alice: Wallet;
  let assetId: string;
  let operatorId: string;

  before(async () => {
    env = await startEnv({ idempotencyStaleMs: 60_000, idempotencyRetentionHours: 24 });
    owner = randomHolder();
    alice = randomHolder();
    const { documentHash } = await bootstrapPlatform(env);
    await onboard(env, owner, documentHash);
    await onboard(env, alice, documentHash);
    assetId = (await issue(env, owner, "1000")).assetId;
    operatorId = (await env.gateway.context.apiKeys.authenticate(env.keys.operator))!.id;
  });
  after(async () => env?.close());

  /** The row a request leaves when its process is killed after reserving the key and before answering. */
  async function abandoned(key: string, body: unknown, ageMs: number): Promise<void> {
    await env.gateway.dataSource.manager.insert(IdempotencyKey, {
      id: createHash("sha256").update(`${operatorId}\n${key}`).digest("hex"),
      clientId: operatorId,
      requestHash: requestHash("POST", "/v1/transfers", body),
      state: "in_progress",
      responseStatus: null,
      responseBody: null,
      createdAt: new Date(Date.now() - ageMs).toISOString(),
    });
  }

  it("when a key's request died in progress longer ago than the bound, then the resend runs once and posts; a recent one still answers 409", async () => {
    const body = await transferBody(env, owner, alice.address, assetId, "10", "0");
    await abandoned("crashed-old", body, 5 * 60_000);
    const resend = await env.http
      .post("/v1/transfers?wait=true")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "crashed-old")
      .send(body);
    expect(resend.status, JSON.stringify(resend.body)).to.equal(200);
    expect(resend.body.operation.status).to.equal("posted");
    const again = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "crashed-old")
      .send(body);
    expect(again.headers["idempotent-replayed"]).to.equal("true");
    expect(again.body.operation.id).to.equal(resend.body.operation.id);

    const body2 = await transferBody(env, owner, alice.address, assetId, "10", "1");
    await abandoned("in-flight", body2, 1_000);
    const busy = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "in-flight")
      .send(body2);
    expect(busy.status).to.equal(409);
    expect(busy.body.code).to.equal("IDEMPOTENCY_REQUEST_IN_PROGRESS");
    // A stale key is not a way around the body check.
    await abandoned("crashed-other", body2, 5 * 60_000);
    const other = await env.http
      .post("/v1/transfers")
      .set(bearer(env.keys.operator))
      .set("Idempotency-Key", "crashed-other")
      .send(body);
    expect(other.status).to.equal(409);
    expect(other.body.code).to.equal("IDEMPOTENCY_KEY_REUSED");
  });

  it("when the retention period has passed, then completed keys are deleted and recent ones kept", async () => {
    const m = env.gateway.dataSource.manager;
    const before = await m.countBy(IdempotencyKey, { state: "done" });
    expect(before).to.be.greaterThan(0);
    expect(await env.gateway.context.idempotency.sweep()).to.equal(0); // none is a day old yet
    expect(await m.countBy(IdempotencyKey, { state: "done" })).to.equal(before);
    const removed = await env.gateway.context.idempotency.sweep(Date.now() + 25 * 3_600_000);
    expect(removed).to.equal(before);
    expect(await m.countBy(IdempotencyKey, { state: "done" })).to.equal(0);
    expect(await m.countBy(IdempotencyKey, { state: "in_progress" })).to.be.greaterThan(0);
  });
});
