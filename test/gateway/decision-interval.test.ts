import { expect } from "chai";
import { SupervisionWorker } from "../../server/supervision/entities";
import { bootstrapPlatform, onboard, randomHolder, startEnv } from "./support/harness";
import type { TestEnv } from "./support/harness";
import { DocumentServer, FAST_SUPERVISION, issueWithDecision, waitFor } from "./supervision-support";

const HOUR = 3_600_000;

describe("supervision: the decision checks run once per DECISION_CHECK_INTERVAL_MS, not on every tick", function () {
  let env: TestEnv;
  let docs: DocumentServer;

  before(async () => {
    docs = await new DocumentServer().start();
    env = await startEnv({
      documentUriAllowHttp: true,
      supervision: { ...FAST_SUPERVISION.supervision, decisionCheckIntervalMs: HOUR },
    });
    const { documentHash } = await bootstrapPlatform(env);
    const owner = randomHolder();
    await onboard(env, owner, documentHash);
    await issueWithDecision(env, owner, "10", { documentHash: docs.hash, uri: docs.url });
  });
  after(async () => {
    await env?.close();
    await docs?.stop();
  });

  it("when the worker ticks again within the interval, then the lease holder does not start another round: the issuer's server is not fetched again", async () => {
    const checker = env.gateway.context.services.supervision.decisions as unknown as { tick(): Promise<void> };
    // The round at start took the lease for one interval.
    const worker = await waitFor("the decision round's lease", () =>
      env.gateway.dataSource.manager.findOneBy(SupervisionWorker, { name: "decision-check" }),
    );
    const leaseMs = Date.parse(worker.leaseUntil!) - Date.parse(worker.updatedAt);
    expect(leaseMs).to.be.within(HOUR - 5_000, HOUR + 5_000);
    const hits = docs.hits;
    for (let i = 0; i < 5; i++) await checker.tick();
    expect(docs.hits, "fetches of the decision document by ticks inside the interval").to.equal(hits);
    const after = await env.gateway.dataSource.manager.findOneBy(SupervisionWorker, { name: "decision-check" });
    expect(after!.leaseUntil).to.equal(worker.leaseUntil); // not pushed forward by its own holder
  });
});
