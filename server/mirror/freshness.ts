import type { Database } from "../persistence/data-source";
import type { Indexer } from "./indexer";
import { readCursor } from "./store";

/** How long a read waits for the mirror to reach this gateway's own last posting before it answers as of where it is. */
export const READ_YOUR_WRITES_MS = 2_000;

/**
 * Reads served from the mirror (holders, holdings, an asset's records) answer as of the mirror's cursor block, which
 * trails the chain by the indexer's poll interval and the confirmations. So that a client sees its own writes, a
 * read first waits, at most READ_YOUR_WRITES_MS, for the mirror to reach the block of the last operation this
 * gateway saw posted (`postedBlock`), asking the indexer for a pass rather than waiting for its timer. A node that
 * does not answer, or confirmations that keep that block out of reach, end the wait: the read answers as of the
 * mirror's block, which the response says (`asOfBlock`). Postings of other gateway instances are not waited for.
 */
export class MirrorFreshness {
  constructor(
    private readonly db: Database,
    private readonly indexer: Indexer,
    private readonly postedBlock: () => number,
    private readonly waitMs = READ_YOUR_WRITES_MS,
  ) {}

  /** The pass asked for and not finished: reads waiting meanwhile share it (a stalled node queues one pass, not many). */
  private nudge: Promise<unknown> | null = null;

  /** The block the mirror is at, after waiting (bounded) for it to reach this gateway's last posting. */
  async asOf(): Promise<number> {
    const want = this.postedBlock();
    const at = await this.block();
    if (want <= at) return at;
    const until = Date.now() + this.waitMs;
    // The indexer's passes are serialised: this one runs after the pass in progress, if any.
    const pass = (this.nudge ??= this.indexer
      .sync({ untilBlock: want })
      .catch(() => undefined)
      .finally(() => (this.nudge = null)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pass, new Promise((r) => (timer = setTimeout(r, Math.max(until - Date.now(), 0))))]);
    clearTimeout(timer);
    return this.block();
  }

  private async block(): Promise<number> {
    return (await readCursor(this.db.manager))?.blockNumber ?? -1;
  }
}
