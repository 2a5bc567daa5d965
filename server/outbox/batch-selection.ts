/** One pending transfer authorization, as the batch selection sees it. */
export interface BatchCandidate {
  /** The holder and asset whose nonce sequence it belongs to (`holder:asset`). */
  key: string;
  nonce: bigint;
  /** The authorization's deadline, in seconds. */
  deadline: bigint;
  /** Its recipient is a contract wallet: it goes in a batch of its own (its hook may refuse, reverting the batch). */
  alone: boolean;
}

export type DeadCode = "NONCE_USED" | "AUTHORIZATION_EXPIRED";

export interface BatchSelection<C extends BatchCandidate> {
  /** To relay now, in this order. */
  batch: C[];
  /** To fail without sending: their nonce is used, or their deadline has passed. */
  dead: { candidate: C; code: DeadCode }[];
  /** Waiting for a missing nonce of their holder (or for room in a full batch). */
  waiting: C[];
  /** The next nonce per holder:asset after the batch (every key of `expected`). */
  next: Map<string, bigint>;
}

/**
 * Chooses the next batch of transfer authorizations; pure (no I/O). `candidates` are sorted by age (oldest first);
 * `expected` holds the next nonce of each of their holder:asset pairs (on chain, or after one in flight).
 *
 * In arrival order (a payment received is relayed before the one it funds), an authorization is taken only when
 * its nonce is its holder's next one; repeated while authorizations that arrived ahead of their turn become next.
 * One behind the expected nonce is dead (NONCE_USED), one whose deadline passed is dead (AUTHORIZATION_EXPIRED),
 * one ahead of a gap waits, and never holds up another holder's. A transfer to a contract wallet is relayed alone.
 */
export function selectBatch<C extends BatchCandidate>(
  candidates: readonly C[],
  expected: ReadonlyMap<string, bigint>,
  options: { now: bigint; batchMax: number },
): BatchSelection<C> {
  const batch: C[] = [];
  const dead: { candidate: C; code: DeadCode }[] = [];
  const next = new Map(expected);
  const waiting = new Set(candidates);
  let closed = false;
  for (let progress = true; progress && !closed && batch.length < options.batchMax;) {
    progress = false;
    for (const c of candidates) {
      if (!waiting.has(c) || closed || batch.length >= options.batchMax) continue;
      const expectedNonce = next.get(c.key);
      if (expectedNonce === undefined) throw new Error(`no expected nonce for ${c.key}`);
      if (c.nonce < expectedNonce) {
        dead.push({ candidate: c, code: "NONCE_USED" });
        waiting.delete(c);
      } else if (c.deadline < options.now) {
        dead.push({ candidate: c, code: "AUTHORIZATION_EXPIRED" });
        waiting.delete(c);
      } else if (c.nonce === expectedNonce) {
        if (c.alone && batch.length > 0) continue;
        batch.push(c);
        waiting.delete(c);
        next.set(c.key, c.nonce + 1n);
        progress = true;
        if (c.alone) closed = true;
      }
    }
  }
  return { batch, dead, waiting: candidates.filter((c) => waiting.has(c)), next };
}
