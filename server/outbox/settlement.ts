import { In, IsNull } from "typeorm";
import type { EntityManager } from "typeorm";
import type { Logger } from "pino";
import { Operation } from "../persistence/entities";
import { appendEvent, appendEvents } from "../persistence/event-log";
import type { NewEvent } from "../persistence/event-log";
import { Sql } from "../persistence/sql";
import type { LedgerClient, MinedReceipt } from "../chain/ledger";
import { LogDecoder } from "../chain/decode";
import type { EventFault, ParsedEvent } from "../chain/events";
import type { InFlight, TransactionManager } from "../chain/transaction-manager";
import { transferCheckCode } from "../errors";
import { TRANSFER_CHECKS } from "../domain/ledger-enums";
import { TRANSFER_KIND } from "../domain/operation-kinds";
import type { OutboxStore } from "./outbox-store";
import type { DispatcherHost, Outcome } from "./types";

const now = () => new Date().toISOString();

/**
 * Records outcomes: reads a mined transaction's receipt (a batch's transfers by position), settles each of its
 * operations with its hook's bookkeeping and its event in one fenced database transaction, and refuses operations
 * before sending. An operation is settled only while it is still this lane's claim.
 */
export class Settlement {
  private readonly decoder: LogDecoder;

  constructor(
    private readonly chain: LedgerClient,
    private readonly store: OutboxStore,
    private readonly host: DispatcherHost,
    private readonly log: Logger,
  ) {
    this.decoder = new LogDecoder(chain.iface);
  }

  /**
   * A mined transaction: its operations' outcomes. Returns the holder:asset keys of transfers that failed (their
   * next nonce is read from the chain again).
   */
  async mined(
    entry: InFlight<Operation[]>,
    receipt: MinedReceipt,
    tm: TransactionManager<Operation[]>,
  ): Promise<string[]> {
    const { tx, work: ops } = entry;
    const isTransferBatch = ops.length > 0 && ops[0].kind === TRANSFER_KIND;
    const ledgerLogs = receipt.logs.filter(
      (log) => log.address.toLowerCase() === this.chain.deployment.ledger.toLowerCase(),
    );
    const events: ParsedEvent[] = [];
    const posted: { sequence: number; postedAt: number }[] = [];
    const rejected = new Map<number, number>();
    // Logs not readable as declared. Ill-formed text is decoded leniently and the operation still posts; a log that
    // does not decode at all leaves its outcome unknown, and the operation fails with EVENT_UNDECODABLE. Either
    // way it settles: an exception here would retry the receipt for ever and hold up the lane.
    const faults: (EventFault & { logIndex: number })[] = [];
    if (isTransferBatch) {
      // The mirror's decoder: RecordPosted read from its fixed words (a batch has a hundred), the rest by the ABI.
      const decoded = this.decoder.decode(ledgerLogs);
      for (const r of decoded.records) posted.push({ sequence: r.sequence, postedAt: r.postedAt });
      for (const c of decoded.changes)
        if (c.kind === "AuthorizationRejected") rejected.set(Number(c.args.index), Number(c.args.reason));
      faults.push(...decoded.faults);
    } else {
      for (const log of ledgerLogs) {
        const decoded = this.chain.events.decode(log);
        if (decoded?.event) events.push(decoded.event);
        if (decoded?.fault) faults.push({ ...decoded.fault, logIndex: parseInt(log.logIndex, 16) });
      }
    }
    for (const f of faults) {
      this.log.warn(
        {
          txHash: receipt.hash,
          blockNumber: receipt.blockNumber,
          logIndex: f.logIndex,
          event: f.event,
          fault: f.kind,
          detail: f.detail,
          operations: ops.map((op) => op.id),
        },
        f.kind === "undecodable"
          ? "mined transaction's log does not decode; its operations fail with EVENT_UNDECODABLE"
          : "mined transaction's log has ill-formed text; decoded leniently",
      );
    }
    const undecodable = faults.find((f) => f.kind === "undecodable");
    let failure: { code: string; detail: Record<string, unknown> } | null = null;
    if (receipt.status !== 1) {
      failure = await tm.revertReason(tx, receipt);
    } else if (undecodable) {
      // A batch's logs map to its transfers by position: one unreadable log leaves every transfer's outcome unknown.
      failure = {
        code: "EVENT_UNDECODABLE",
        detail: {
          txHash: receipt.hash,
          blockNumber: receipt.blockNumber,
          logIndex: undecodable.logIndex,
          event: undecodable.event,
          topic: undecodable.topic,
          reason: undecodable.detail,
        },
      };
    }
    const base = { txHash: receipt.hash, blockNumber: receipt.blockNumber };
    const failedKeys: string[] = [];
    await this.store.fenced(async (em) => {
      await this.store.markMined(em, tx, receipt.blockNumber);
      if (isTransferBatch) {
        let k = 0;
        const items: { op: Operation; outcome: Outcome }[] = [];
        for (const op of [...ops].sort((a, b) => (a.batchIndex ?? 0) - (b.batchIndex ?? 0))) {
          if (failure) {
            failedKeys.push(`${op.fromAddress}:${op.assetId}`);
            items.push({
              op,
              outcome: { ...base, status: "failed", events: [], errorCode: failure.code, errorDetail: failure.detail },
            });
          } else if (rejected.has(op.batchIndex ?? -1)) {
            const reason = rejected.get(op.batchIndex ?? -1)!;
            failedKeys.push(`${op.fromAddress}:${op.assetId}`);
            items.push({
              op,
              outcome: {
                ...base,
                status: "failed",
                events: [],
                errorCode: transferCheckCode(reason),
                errorDetail: { reason: TRANSFER_CHECKS[Number(reason)] ?? Number(reason) },
              },
            });
          } else {
            items.push({ op, outcome: { ...base, status: "posted", events: [], record: posted[k++] } });
          }
        }
        await this.settleTransfers(em, items);
      } else {
        for (const op of ops) {
          await this.settle(
            em,
            op,
            failure
              ? { ...base, status: "failed", events: [], errorCode: failure.code, errorDetail: failure.detail }
              : { ...base, status: "posted", events },
          );
        }
      }
    });
    for (const op of ops) this.announce(op);
    return failedKeys;
  }

  /** Fails operations before sending (refused by the ledger's estimate, used nonce, expired), in one transaction. */
  async refuse(failures: { op: Operation; outcome: Outcome }[]): Promise<void> {
    if (!failures.length) return;
    await this.store.fenced(async (em) => {
      for (const f of failures) await this.settle(em, f.op, f.outcome);
    });
    for (const f of failures) this.announce(f.op);
  }

  private announce(op: Operation): void {
    if (op.status === "posted") this.host.observer?.posted(op);
    this.host.settled(op);
  }

  /** Final state of one operation, with its hook's bookkeeping, in the caller's (fenced) database transaction. */
  private async settle(em: EntityManager, op: Operation, outcome: Outcome): Promise<void> {
    const { update, result } = outcomeUpdate(op, outcome);
    // Settled only while it is still this lane's claim: carried by the transaction this lane knows it by and
    // claimed for this lane's lease, or (refused before sending) in no transaction and unclaimed, then claimed
    // here. Settled by someone else, or re-queued meanwhile: nothing more here.
    const claim = this.store.claim();
    const settled = await em.update(
      Operation,
      op.txId
        ? { id: op.id, status: In(["pending", "submitted"]), txId: op.txId, claimedBy: claim }
        : { id: op.id, status: "pending", txId: IsNull(), claimedBy: IsNull() },
      {
        ...update,
        ...(op.txId ? {} : { claimedBy: claim, claimedAt: update.updatedAt }),
        ...(outcome.status === "failed" ? { dedupeKey: null } : {}),
      },
    );
    if (!settled.affected) {
      this.log.warn({ operation: op.id, txId: op.txId }, "operation no longer this claim's: not settled again");
      return;
    }
    Object.assign(op, update);
    if (!op.txId) Object.assign(op, { claimedBy: claim, claimedAt: update.updatedAt });
    if (outcome.status === "posted" && outcome.blockNumber) this.host.postedIn(outcome.blockNumber);
    await this.host.hook(op.kind)?.(em, op, outcome);
    // Announced in the same transaction as the outcome.
    await appendEvent(em, outcomeEvent(op, outcome, result));
  }

  /**
   * The outcomes of a mined batch's transfers (no hooks), as `settle` records them one by one, in one UPDATE and
   * one multi-row INSERT of their events: a hundred round trips each would hold the lane for most of a block on
   * PostgreSQL. Each row is still settled only while it is this lane's claim in this transaction; the others are
   * left as they are (logged).
   */
  private async settleTransfers(em: EntityManager, items: { op: Operation; outcome: Outcome }[]) {
    if (!items.length) return;
    const sql = Sql.of(em);
    const claim = this.store.claim();
    const at = now();
    const rows = items.map(({ op, outcome }) => ({ op, outcome, ...outcomeUpdate(op, outcome) }));
    const params: unknown[] = [at];
    const values = rows.map(({ op, update }) => {
      const first = params.length + 1;
      params.push(op.id, update.status, update.result, update.errorCode, update.errorDetail, op.txId);
      return `(${[0, 1, 2, 3, 4, 5].map((k) => sql.p(first + k)).join(", ")})`;
    });
    params.push(claim);
    const n = params.length;
    const raw: unknown = await em.query(
      `UPDATE operations SET status = v.column2, result = v.column3, error_code = v.column4, error_detail = v.column5,` +
        ` updated_at = ${sql.p(1)}, dedupe_key = CASE WHEN v.column2 = 'failed' THEN NULL ELSE operations.dedupe_key END` +
        ` FROM (VALUES ${values.join(", ")}) AS v` +
        ` WHERE operations.id = v.column1 AND operations.status IN ('pending', 'submitted')` +
        ` AND operations.tx_id = v.column6 AND operations.claimed_by = ${sql.p(n)} RETURNING id`,
      params,
    );
    // PostgreSQL answers an UPDATE with [rows, count]; SQLite with the rows.
    const returned = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as { id: string }[];
    const settled = new Set(returned.map((r) => r.id));
    const events: NewEvent[] = [];
    for (const { op, outcome, update, result } of rows) {
      if (!settled.has(op.id)) {
        this.log.warn({ operation: op.id, txId: op.txId }, "operation no longer this claim's: not settled again");
        continue;
      }
      Object.assign(op, update, { updatedAt: at });
      if (outcome.status === "posted" && outcome.blockNumber) this.host.postedIn(outcome.blockNumber);
      events.push(outcomeEvent(op, outcome, result));
    }
    await appendEvents(em, events);
  }
}

function stringify(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(stringify);
  return v;
}

/** The columns an outcome sets on its operation: state, result (transaction, record, events) and error. */
function outcomeUpdate(op: Operation, outcome: Outcome) {
  const result: Record<string, unknown> = {};
  if (outcome.txHash) Object.assign(result, { txHash: outcome.txHash, blockNumber: outcome.blockNumber });
  if (op.kind === TRANSFER_KIND && outcome.status === "posted" && outcome.record) {
    Object.assign(result, {
      recordSequence: String(outcome.record.sequence),
      rightsArisenAt: new Date(outcome.record.postedAt * 1000).toISOString(),
    });
  } else if (outcome.status === "posted") {
    // Art. 6.6: rights arise when the record is posted, for an issuance or a redemption as for a transfer.
    const posted = outcome.events.find((e) => e.name === "RecordPosted");
    if (posted) {
      Object.assign(result, {
        recordSequence: String(posted.args.getValue("sequence")),
        rightsArisenAt: new Date(Number(posted.args.getValue("postedAt")) * 1000).toISOString(),
      });
    }
    result.events = outcome.events.map((e) => ({
      name: e.name,
      args: Object.fromEntries(e.fragment.inputs.map((inp, i) => [inp.name, stringify(e.args[i])])),
      // The readable text is in args; the exact bytes on chain are kept here.
      ...(e.fault ? { fault: { kind: e.fault.kind, texts: e.fault.texts } } : {}),
    }));
  }
  const update = {
    status: outcome.status,
    result: JSON.stringify(result),
    errorCode: outcome.errorCode ?? null,
    errorDetail: outcome.errorDetail ? JSON.stringify(outcome.errorDetail) : null,
    updatedAt: now(),
  };
  return { update, result };
}

/** The event announcing an operation's outcome (webhook subscribers: operation.succeeded / operation.failed). */
function outcomeEvent(op: Operation, outcome: Outcome, result: Record<string, unknown>): NewEvent {
  return {
    type: outcome.status === "posted" ? "operation.succeeded" : "operation.failed",
    assetId: op.assetId,
    account: op.fromAddress,
    payload: {
      operationId: op.id,
      kind: op.kind,
      status: op.status,
      clientId: op.clientId,
      ...result,
      ...(op.errorCode ? { errorCode: op.errorCode, errorDetail: outcome.errorDetail ?? null } : {}),
    },
  };
}
