import type { Logger } from "pino";
import type { Config } from "../config";
import type { Database } from "../persistence/data-source";
import type { LedgerClient } from "../chain/ledger";
import { Indexer } from "./indexer";
import { MirrorQueries } from "./queries";
import { MirrorFreshness } from "./freshness";

/** The record mirror: the indexer that follows the ledger and the read side (queries, exports, verification). */
export interface Mirror {
  indexer: Indexer;
  queries: MirrorQueries;
  /** The block reads from the mirror answer as of, after waiting (bounded) for this gateway's own last posting. */
  freshness: MirrorFreshness;
}

export function createMirror(
  db: Database,
  chain: LedgerClient,
  config: Config,
  log: Logger,
  postedBlock: () => number = () => 0,
): Mirror {
  const indexer = new Indexer(
    db,
    chain.rpc,
    chain.deployment,
    {
      confirmations: config.confirmations,
      intervalMs: Math.max(config.pollIntervalMs, 100),
    },
    log,
  );
  return {
    indexer,
    queries: new MirrorQueries(db, chain.ledger, chain.deployment),
    freshness: new MirrorFreshness(db, indexer, postedBlock),
  };
}

export { Indexer, MirrorQueries, MirrorFreshness };
