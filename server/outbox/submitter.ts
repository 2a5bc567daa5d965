import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Config } from "../config";
import type { Database } from "../persistence/data-source";
import { Operation } from "../persistence/entities";
import type { SignerName } from "../domain/roles";
import type { LedgerClient } from "../chain/ledger";
import { LaneLease } from "./lane-lease";
import { Dispatcher } from "./dispatcher";
import type { DispatcherHost, OperationHook, SubmitterObserver } from "./types";

export type { CallPayload, Outcome, OperationHook, SubmitterObserver, TransferPayload } from "./types";

/** Transactions in flight per signing key when the configuration does not say (MAX_IN_FLIGHT): a chain mining on an interval (QBFT). */
export const DEFAULT_MAX_IN_FLIGHT = 8;
/** How long a lane stays with an instance that stopped renewing it, when the configuration does not say. */
export const DEFAULT_LANE_LEASE_MS = 10_000;

/**
 * The outbox, as the rest of the gateway sees it (a facade). For each signer role (operator, authority) one lane:
 * a Dispatcher (server/outbox/dispatcher.ts) that holds the lane lease, claims pending operations, chooses batches
 * (batch-selection.ts) and settles outcomes with their hooks (settlement.ts), over the signing key's
 * TransactionManager (server/chain/transaction-manager.ts: nonces, fees, signing, broadcast, receipts,
 * re-broadcast, re-queue, reconciliation), which stores through the outbox's TransactionStore (outbox-store.ts).
 * A signer that cannot sign leaves the operations pending; the lane retries with backoff. Up to `maxInFlight`
 * transactions (default 8) may be in flight with consecutive nonces; a node that mines each transaction at once
 * (Hardhat's automine) is best driven with 1.
 *
 * Several instances on one database: each role's lane is driven by one instance at a time, under a lease with a
 * fencing token (LaneLease); the others stand by and take over when the lease ends (a crash) or is released (a
 * clean stop). Whoever takes a lane first reconciles the role's unfinished transactions with the chain, whichever
 * key signed them, and re-claims their operations; every write of the lane is conditioned on still holding the
 * lease, and settling an operation on still holding its claim.
 */
export class Submitter extends EventEmitter implements DispatcherHost {
  private lanes: Dispatcher[] = [];
  private stopping = false;
  private readonly hooks = new Map<string, OperationHook>();
  observer: SubmitterObserver | null = null;
  /** The highest block of an operation this process saw posted (reads from the mirror wait for it: read your writes). */
  lastPostedBlock = 0;
  /** This process among the instances sharing the database (the lanes' lease owner). */
  readonly instanceId = randomUUID();

  constructor(
    private readonly db: Database,
    private readonly chain: LedgerClient,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    super();
    this.setMaxListeners(0);
  }

  onSettled(kind: string, hook: OperationHook): void {
    this.hooks.set(kind, hook);
  }

  async start(): Promise<void> {
    // Only standard JSON-RPC: the mining mode is not asked of the node, it is configured (unset or 0: the default).
    const maxInFlight = this.config.maxInFlight > 0 ? this.config.maxInFlight : DEFAULT_MAX_IN_FLIGHT;
    for (const name of ["operator", "authority"] as SignerName[]) {
      if (!this.chain.hasSigner(name)) continue;
      const lane = new Dispatcher(
        name,
        this.chain.signer(name),
        this,
        this.db,
        this.chain,
        this.config,
        this.log.child({ lane: name }),
        maxInFlight,
        new LaneLease(this.db, `lane:${name}`, this.instanceId, this.config.laneLeaseMs ?? DEFAULT_LANE_LEASE_MS),
      );
      this.lanes.push(lane);
    }
    if (!this.config.submitterEnabled) return;
    // The lanes this instance can take now are reconciled before it serves; the others are taken when free. A node
    // too slow to answer at start does not stop the gateway: the lane's loop tries again.
    for (const lane of this.lanes)
      await lane
        .activate()
        .catch((err: unknown) =>
          this.log.warn({ err, lane: lane.name }, "lane not taken at start; retrying in its loop"),
        );
    for (const lane of this.lanes) lane.run();
  }

  /** The lanes this instance drives now, with their fencing epoch. */
  lanesHeld(): Array<{ signer: SignerName; epoch: number }> {
    return this.lanes.filter((l) => l.epoch !== null).map((l) => ({ signer: l.name, epoch: l.epoch! }));
  }

  /** Transactions in flight per lane (signing key). */
  inFlight(): Array<{ signer: SignerName; address: string; count: number }> {
    return this.lanes.map((l) => ({ signer: l.name, address: l.address, count: l.inFlightCount }));
  }

  /** Wakes the lanes: new work was written. */
  notify(signer?: SignerName): void {
    for (const lane of this.lanes) if (!signer || lane.name === signer) lane.wake();
  }

  /** Stops picking work and waits for the current step (its bookkeeping) to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.lanes.map((l) => l.stop()));
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  hook(kind: string): OperationHook | undefined {
    return this.hooks.get(kind);
  }

  postedIn(blockNumber: number): void {
    this.lastPostedBlock = Math.max(this.lastPostedBlock, blockNumber);
  }

  settled(op: Operation): void {
    this.emit("settled", op.id);
  }

  /** Resolves with the operation once posted or failed, or with its current state after `timeoutMs`. */
  async waitFor(id: string, timeoutMs: number): Promise<Operation | null> {
    const repo = this.db.manager.getRepository(Operation);
    const settled = new Promise<void>((resolve) => {
      const listener = (opId: string) => {
        if (opId === id) done();
      };
      const timer = setTimeout(() => done(), timeoutMs);
      // Another instance may drive the lane: its settling is seen in the database, not as an event here.
      const poll = setInterval(
        () => {
          repo
            .findOneBy({ id })
            .then((op) => {
              if (op && (op.status === "posted" || op.status === "failed")) done();
            })
            .catch(() => undefined);
        },
        Math.max(250, this.config.pollIntervalMs * 5),
      );
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.off("settled", listener);
        resolve();
      };
      this.on("settled", listener);
    });
    const current = await repo.findOneBy({ id });
    if (!current || current.status === "posted" || current.status === "failed") return current;
    await settled;
    return repo.findOneBy({ id });
  }
}
