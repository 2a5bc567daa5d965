import type { Logger } from "pino";
import type { Config } from "../config";
import type { Database } from "../persistence/data-source";
import type { LedgerClient } from "../chain/ledger";
import { Indexer } from "./indexer";
import { MirrorQueries } from "./queries";

/** The record mirror: the indexer that follows the ledger and the read side (queries, exports, verification). */
export interface Mirror {
  indexer: Indexer;
  queries: MirrorQueries;
}

export function createMirror(db: Database, chain: LedgerClient, config: Config, log: Logger): Mirror {
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
  return { indexer, queries: new MirrorQueries(db, chain.ledger, chain.deployment) };
}

export { Indexer, MirrorQueries };
