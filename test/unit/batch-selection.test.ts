import { expect } from "chai";
import fc from "fast-check";
import { selectBatch } from "../../server/outbox/batch-selection";
import type { BatchCandidate } from "../../server/outbox/batch-selection";

interface Candidate extends BatchCandidate {
  id: string;
}

const NOW = 1_000_000n;
const LATER = NOW + 3_600n;

function auth(id: string, key: string, nonce: number, extra: Partial<Candidate> = {}): Candidate {
  return { id, key, nonce: BigInt(nonce), deadline: LATER, alone: false, ...extra };
}

const ids = (cs: readonly Candidate[]) => cs.map((c) => c.id);

describe("selectBatch: the outbox's choice of transfer authorizations to relay (pure)", function () {
  it("when a holder's authorizations arrived out of nonce order, then the batch has them in nonce order", function () {
    const candidates = [auth("a2", "alice:1", 2), auth("a0", "alice:1", 0), auth("a1", "alice:1", 1)];
    const s = selectBatch(candidates, new Map([["alice:1", 0n]]), { now: NOW, batchMax: 100 });
    expect(ids(s.batch)).to.deep.equal(["a0", "a1", "a2"]);
    expect(s.dead).to.deep.equal([]);
    expect(s.waiting).to.deep.equal([]);
    expect(s.next.get("alice:1")).to.equal(3n);
  });

  it("when one holder waits for a missing nonce, then other holders' authorizations are taken and the gap waits", function () {
    const candidates = [
      auth("a5", "alice:1", 5),
      auth("a6", "alice:1", 6),
      auth("b0", "bob:1", 0),
      auth("a7", "alice:1", 7),
      auth("b1", "bob:1", 1),
    ];
    const s = selectBatch(
      candidates,
      new Map([
        ["alice:1", 4n],
        ["bob:1", 0n],
      ]),
      { now: NOW, batchMax: 100 },
    );
    expect(ids(s.batch)).to.deep.equal(["b0", "b1"]);
    expect(ids(s.waiting)).to.deep.equal(["a5", "a6", "a7"]);
    expect(s.next.get("alice:1")).to.equal(4n);
    expect(s.next.get("bob:1")).to.equal(2n);
  });

  it("when one holder's assets are separate sequences, then a gap in one does not hold the other", function () {
    const candidates = [auth("x1", "alice:1", 1), auth("y0", "alice:2", 0)];
    const s = selectBatch(
      candidates,
      new Map([
        ["alice:1", 0n],
        ["alice:2", 0n],
      ]),
      { now: NOW, batchMax: 100 },
    );
    expect(ids(s.batch)).to.deep.equal(["y0"]);
    expect(ids(s.waiting)).to.deep.equal(["x1"]);
  });

  it("when more authorizations are ready than a batch holds, then the batch stops at its maximum (the oldest first)", function () {
    const candidates = Array.from({ length: 7 }, (_, i) => auth(`h${i}`, `h${i}:1`, 0));
    const s = selectBatch(candidates, new Map(candidates.map((c) => [c.key, 0n])), { now: NOW, batchMax: 5 });
    expect(ids(s.batch)).to.deep.equal(["h0", "h1", "h2", "h3", "h4"]);
    expect(ids(s.waiting)).to.deep.equal(["h5", "h6"]);
    expect(s.next.get("h5:1")).to.equal(0n);
  });

  it("when an authorization's deadline has passed, then it is dead (AUTHORIZATION_EXPIRED) and never in the batch", function () {
    const candidates = [auth("old", "alice:1", 0, { deadline: NOW - 1n }), auth("b0", "bob:1", 0)];
    const s = selectBatch(
      candidates,
      new Map([
        ["alice:1", 0n],
        ["bob:1", 0n],
      ]),
      { now: NOW, batchMax: 100 },
    );
    expect(ids(s.batch)).to.deep.equal(["b0"]);
    expect(s.dead.map((d) => [d.candidate.id, d.code])).to.deep.equal([["old", "AUTHORIZATION_EXPIRED"]]);
    expect(s.next.get("alice:1")).to.equal(0n);
  });

  it("when an authorization's nonce is already used, then it is dead (NONCE_USED), even if expired as well", function () {
    const candidates = [
      auth("used", "alice:1", 2),
      auth("usedExpired", "alice:1", 1, { deadline: NOW - 1n }),
      auth("a3", "alice:1", 3),
    ];
    const s = selectBatch(candidates, new Map([["alice:1", 3n]]), { now: NOW, batchMax: 100 });
    expect(ids(s.batch)).to.deep.equal(["a3"]);
    expect(s.dead.map((d) => [d.candidate.id, d.code])).to.deep.equal([
      ["used", "NONCE_USED"],
      ["usedExpired", "NONCE_USED"],
    ]);
  });

  it("when a recipient is a contract wallet, then its transfer goes in a batch of its own", function () {
    const candidates = [auth("a0", "alice:1", 0), auth("w", "bob:1", 0, { alone: true }), auth("c0", "carol:1", 0)];
    const expected = new Map(candidates.map((c) => [c.key, 0n]));
    const first = selectBatch(candidates, expected, { now: NOW, batchMax: 100 });
    expect(ids(first.batch)).to.deep.equal(["a0", "c0"]);
    expect(ids(first.waiting)).to.deep.equal(["w"]);
    const alone = selectBatch([candidates[1]], expected, { now: NOW, batchMax: 100 });
    expect(ids(alone.batch)).to.deep.equal(["w"]);
  });

  it("when there are no candidates, then the batch is empty and the expected nonces are unchanged", function () {
    const s = selectBatch([], new Map([["alice:1", 7n]]), { now: NOW, batchMax: 100 });
    expect(s.batch).to.deep.equal([]);
    expect(s.next.get("alice:1")).to.equal(7n);
  });

  it("for any candidates, the batch is in nonce order per holder:asset, starts at the expected nonce, never skips a gap, and every candidate is in exactly one outcome", function () {
    const arb = fc.record({
      expected: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 4, maxLength: 4 }),
      items: fc.array(
        fc.record({
          holder: fc.integer({ min: 0, max: 3 }),
          nonce: fc.integer({ min: 0, max: 12 }),
          expired: fc.boolean(),
          alone: fc.boolean(),
        }),
        { maxLength: 40 },
      ),
      batchMax: fc.integer({ min: 1, max: 10 }),
    });
    fc.assert(
      fc.property(arb, ({ expected, items, batchMax }) => {
        // One authorization per holder:asset and nonce (the dedupe key), in arrival order.
        const seen = new Set<string>();
        const candidates: Candidate[] = [];
        items.forEach((it, i) => {
          const key = `h${it.holder}:1`;
          if (seen.has(`${key}/${it.nonce}`)) return;
          seen.add(`${key}/${it.nonce}`);
          candidates.push(auth(`c${i}`, key, it.nonce, { deadline: it.expired ? NOW - 1n : LATER, alone: it.alone }));
        });
        const start = new Map(expected.map((n, h) => [`h${h}:1`, BigInt(n)]));
        const s = selectBatch(candidates, start, { now: NOW, batchMax });

        expect(s.batch.length).to.be.at.most(batchMax);
        // Per holder:asset, the batch's nonces are consecutive from the expected one: in order, no gap jumped.
        const last = new Map(start);
        for (const c of s.batch) {
          expect(c.nonce, `${c.id} of ${c.key}`).to.equal(last.get(c.key));
          expect(c.deadline >= NOW).to.equal(true);
          last.set(c.key, c.nonce + 1n);
        }
        for (const [k, n] of last) expect(s.next.get(k)).to.equal(n);
        // A transfer to a contract wallet is alone in its batch.
        if (s.batch.some((c) => c.alone)) expect(s.batch.length).to.equal(1);
        // Dead ones: used or expired.
        for (const d of s.dead) {
          const used = d.candidate.nonce < start.get(d.candidate.key)!;
          expect(d.code).to.equal(used ? "NONCE_USED" : "AUTHORIZATION_EXPIRED");
          if (!used) expect(d.candidate.deadline < NOW).to.equal(true);
        }
        // Each candidate in exactly one of batch, dead, waiting.
        const all = [...ids(s.batch), ...s.dead.map((d) => d.candidate.id), ...ids(s.waiting)];
        expect([...all].sort()).to.deep.equal(ids(candidates).sort());
        // With room left and no wallet batch, nothing waiting was ready: each waits on a gap of its holder.
        if (s.batch.length < batchMax && !s.batch.some((c) => c.alone) && !s.waiting.some((c) => c.alone)) {
          for (const c of s.waiting) expect(c.nonce > s.next.get(c.key)!, `${c.id} waits on a gap`).to.equal(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
