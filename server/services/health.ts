import type { LedgerClient } from "../chain/ledger";
import type { Database } from "../persistence/data-source";
import type { SignerName } from "../domain/roles";

/** The database's share of the metrics, read at scrape time. */
export interface DatabaseGauges {
  operations: Array<{ kind: string; status: string; signer: string; n: string | number; oldest: string | null }>;
  mirrorFaults: number;
  leases: Array<{ name: string; lease_owner: string | null; lease_until: string | null }>;
}

export interface Readiness {
  database: boolean;
  chain: boolean;
  /** Configured signers that cannot sign now, with the reason. */
  signersDown: Partial<Record<SignerName, string>>;
}

/**
 * Whether this instance can serve: the database answers, the node answers, the signers can sign. The HTTP layer
 * asks here (`/readyz`, the early refusal of writes while the node is known to be down), never the database or the
 * chain itself.
 */
export class HealthService {
  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
  ) {}

  /** The chain id the gateway is connected to (checked at start against the deployment). */
  get chainId(): number {
    return Number(this.chain.chainId);
  }

  /** Since when the node has not answered its liveness probe; null while it answers. */
  chainDownSince(): string | null {
    return this.chain.liveness.available ? null : this.chain.liveness.state.since;
  }

  async readiness(): Promise<Readiness> {
    const [database, chain, signers] = await Promise.all([
      this.db.dataSource.query("SELECT 1").then(
        () => true,
        () => false,
      ),
      this.chain.isReachable(),
      this.chain.probeSigners(),
    ]);
    const signersDown = Object.fromEntries(
      Object.entries(signers).flatMap(([name, h]) => (h.available ? [] : [[name, h.reason]])),
    ) as Readiness["signersDown"];
    return { database, chain, signersDown };
  }

  /** One aggregate over the operations (by kind, state and signer: outbox depth and its oldest entry), faults, leases. */
  async gauges(): Promise<DatabaseGauges> {
    const q = this.db.manager;
    const operations: DatabaseGauges["operations"] = await q.query(
      "SELECT kind, status, signer, COUNT(*) AS n, MIN(created_at) AS oldest FROM operations GROUP BY kind, status, signer",
    );
    const [{ f }]: Array<{ f: string | number }> = await q.query("SELECT COUNT(*) AS f FROM mirror_faults");
    const leases: DatabaseGauges["leases"] = await q.query(
      "SELECT name, lease_owner, lease_until FROM supervision_workers",
    );
    return { operations, mirrorFaults: Number(f), leases };
  }
}
