import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { Client } from "pg";
import { openDatabase } from "../../server/persistence/data-source";
import type { Database } from "../../server/persistence/data-source";
import { GATEWAY_MODEL } from "../../server/database-model";
import { ChainTransaction, Operation } from "../../server/persistence/entities";
import { LaneLease, LeaseLostError } from "../../server/outbox/lane-lease";
import { ClaimLostError, OutboxStore } from "../../server/outbox/outbox-store";
import type { SignedTransaction } from "../../server/chain/transaction-store";

/**
 * The outbox's claims (server/outbox/outbox-store.ts), on the database the tests run on (SQLite, or PostgreSQL with
 * DATABASE_URL): an operation is taken into one transaction at a time, atomically with the transaction that carries
 * it; the instance that takes a lane over re-claims the unfinished work; a re-queue releases it.
 */
describe("outbox: operations are claimed atomically, under the lane lease", function () {
  this.timeout(60_000);
  let db: Database;
  let cleanup: () => Promise<void>;
  let nonce = 0;

  before(async () => {
    if (process.env.DATABASE_URL) {
      const schema = `gw_claims_${process.pid}_${Date.now()}`;
      db = await openDatabase({ type: "postgres", url: process.env.DATABASE_URL, schema }, GATEWAY_MODEL);
      cleanup = async () => {
        const c = new Client({ connectionString: process.env.DATABASE_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), "gateway-claims-"));
      db = await openDatabase({ type: "sqlite", file: join(dir, "gateway.sqlite") }, GATEWAY_MODEL);
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
  });

  after(async () => {
    if (db?.dataSource.isInitialized) await db.close();
    await cleanup?.();
  });

  async function pending(n: number): Promise<Operation[]> {
    const at = new Date().toISOString();
    const ops = Array.from({ length: n }, () =>
      Object.assign(new Operation(), {
        id: randomUUID(),
        kind: "participant.register",
        status: "pending",
        signer: "operator",
        payload: "{}",
        result: null,
        errorCode: null,
        errorDetail: null,
        txId: null,
        signerAddress: null,
        batchIndex: null,
        fromAddress: null,
        toAddress: null,
        assetId: null,
        nonce: null,
        amount: null,
        dedupeKey: null,
        clientId: null,
        claimedBy: null,
        claimedAt: null,
        createdAt: at,
        updatedAt: at,
      } satisfies Operation),
    );
    await db.manager.insert(Operation, ops);
    return ops;
  }

  const signed = (): SignedTransaction => {
    const n = nonce++;
    return {
      id: randomUUID(),
      signerAddress: "0x00000000000000000000000000000000000000aa",
      nonce: n,
      hash: `0x${n.toString(16).padStart(64, "0")}`,
      raw: "0x",
      status: "signed",
    };
  };
  const row = (id: string) => db.manager.getRepository(Operation).findOneByOrFail({ id });
  const txRow = (id: string) => db.manager.getRepository(ChainTransaction).findOneBy({ id });

  it("when two stores take the same operation at once, then exactly one transaction is stored and holds it", async () => {
    const lease = new LaneLease(db, "lane:operator", "instance-a", 10_000);
    expect(await lease.acquire()).to.equal(true);
    const store = new OutboxStore(db, "operator", lease);
    const [op] = await pending(1);
    const [x, y] = [signed(), signed()];
    const results = await Promise.allSettled([
      store.store(x, [Object.assign(new Operation(), op)]),
      store.store(y, [Object.assign(new Operation(), op)]),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).to.have.length(1);
    expect(lost).to.have.length(1);
    expect(lost[0].reason).to.be.instanceOf(ClaimLostError);
    const winner = results[0].status === "fulfilled" ? x : y;
    const loser = winner === x ? y : x;
    const stored = await row(op.id);
    expect(stored.status).to.equal("submitted");
    expect(stored.txId).to.equal(winner.id);
    expect(stored.claimedBy).to.equal(`instance-a:${lease.epoch}`);
    expect(stored.claimedAt).to.be.a("string");
    expect(await txRow(winner.id)).to.not.equal(null);
    expect(await txRow(loser.id), "the loser's transaction is not stored").to.equal(null);
    await lease.release();
  });

  it("when a lane is taken over, then the new holder re-claims the unfinished work, the old one stores nothing, and a re-queue releases it", async () => {
    const a = new LaneLease(db, "lane:operator", "instance-a", 300);
    expect(await a.acquire()).to.equal(true);
    const storeA = new OutboxStore(db, "operator", a);
    const ops = await pending(2);
    const tx = signed();
    await storeA.store(tx, ops);
    expect(ops.map((o) => o.claimedBy)).to.deep.equal([`instance-a:${a.epoch}`, `instance-a:${a.epoch}`]);

    const b = new LaneLease(db, "lane:operator", "instance-b", 10_000);
    expect(await b.acquire(), "held by a until its lease ends").to.equal(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(await b.acquire()).to.equal(true);
    expect(b.epoch).to.be.greaterThan(a.epoch!);
    const storeB = new OutboxStore(db, "operator", b);

    const open = await storeB.open();
    const mine = open.find((o) => o.tx.id === tx.id)!;
    expect(mine.work.map((o) => o.id)).to.deep.equal(ops.map((o) => o.id));
    for (const o of ops) expect((await row(o.id)).claimedBy).to.equal(`instance-b:${b.epoch}`);

    // The instance that lost the lane can neither take new work nor re-queue the old.
    const [late] = await pending(1);
    let err: unknown;
    await storeA.store(signed(), [late]).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(LeaseLostError);
    expect((await row(late.id)).status).to.equal("pending");
    expect((await row(late.id)).claimedBy).to.equal(null);

    await storeB.requeue(mine.tx);
    expect((await txRow(tx.id))!.status).to.equal("replaced");
    for (const o of ops) {
      const r = await row(o.id);
      expect([r.status, r.txId, r.claimedBy, r.claimedAt, r.batchIndex]).to.deep.equal([
        "pending",
        null,
        null,
        null,
        null,
      ]);
    }
    // Pending again: the holder may take it into a new transaction.
    await storeB.store(signed(), [ops[0]]);
    expect((await row(ops[0].id)).claimedBy).to.equal(`instance-b:${b.epoch}`);
    await b.release();
  });
});
