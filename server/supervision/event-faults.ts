import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import { appendEvent } from "../persistence/event-log";
import type { DecodedFault } from "../chain/decode";
import { MirrorFault } from "../mirror/entities";
import { Alert } from "./entities";
import { nowIso } from "./util";

export const EVENT_FAULT_ALERT = "chain.event.faulty" as const;

/** What the alert and its announcement say about a faulty ledger log. */
export function eventFaultDetail(f: DecodedFault): Record<string, unknown> {
  return {
    txHash: f.txHash,
    blockNumber: f.blockNumber,
    blockHash: f.blockHash,
    logIndex: f.logIndex,
    event: f.event,
    topic: f.topic,
    fault: f.kind,
    message: f.detail,
    ...(f.texts.length ? { texts: f.texts } : {}),
  };
}

/** Where the alert says its log is (eventFaultDetail). */
interface AlertedLog {
  txHash: string;
  logIndex: number;
  blockNumber: number;
  blockHash: string;
}

/** The key an open fault alert is held under: the log's position, so one open alert per log. */
const openKeyOf = (txHash: string, logIndex: number) => `chain-event:${txHash}:${logIndex}`;

async function resolveOrphaned(
  em: EntityManager,
  a: Alert,
  at: AlertedLog,
  movedTo: { blockNumber: number; blockHash: string } | null,
): Promise<void> {
  const now = nowIso();
  const resolution =
    `orphaned: block ${at.blockNumber} (${at.blockHash}) is no longer on the chain after a reorganisation, and the log with it` +
    (movedTo
      ? `; the transaction was mined again in block ${movedTo.blockNumber} (${movedTo.blockHash}), alerted anew`
      : "");
  await em.update(Alert, { id: a.id }, { status: "resolved", openKey: null, resolvedAt: now, resolution });
  await appendEvent(em, {
    type: "alert.resolved",
    assetId: a.assetId,
    payload: { source: "mirror", alertId: a.id, kind: a.kind, assetId: a.assetId, resolution, resolvedAt: now },
  });
}

/**
 * Raises the alert for a faulty ledger log (event `alert.raised`), once per log: the alert stays open under a key
 * of the log's position, so a replay of its block (re-sync, the sync task) raises nothing again. The same log in
 * another block (its transaction mined again on a new branch after a reorganisation) resolves the old alert as
 * orphaned and raises its own. Nobody but operations can act on it (the text is on chain for good): no account,
 * the asset when the event names one. Returns whether an alert was raised.
 */
export async function raiseEventFaultAlert(em: EntityManager, f: DecodedFault): Promise<boolean> {
  const openKey = openKeyOf(f.txHash, f.logIndex);
  const existing = await em.findOneBy(Alert, { openKey });
  if (existing) {
    const at = JSON.parse(existing.detail) as AlertedLog;
    if (at.blockHash.toLowerCase() === f.blockHash.toLowerCase()) return false;
    await resolveOrphaned(em, existing, at, f);
  }
  const at = nowIso();
  const detail = eventFaultDetail(f);
  const alert = Object.assign(new Alert(), {
    id: randomUUID(),
    kind: EVENT_FAULT_ALERT,
    status: "open",
    assetId: f.assetId,
    account: null,
    openKey,
    detail: JSON.stringify(detail),
    occurrences: 1,
    raisedAt: at,
    lastSeenAt: at,
    resolvedAt: null,
    resolution: null,
  } satisfies Alert);
  await em.insert(Alert, alert);
  await appendEvent(em, {
    type: "alert.raised",
    assetId: f.assetId,
    payload: { source: "mirror", alertId: alert.id, kind: EVENT_FAULT_ALERT, assetId: f.assetId, ...detail },
  });
  return true;
}

/**
 * Resolves, as orphaned, the open fault alerts of logs that the blocks `from`..`to` (just mirrored, in the same
 * transaction) no longer hold: the mirror has no fault row for the log in the block it was alerted in. Checked when
 * the mirror writes the range again rather than when a rollback deletes the fault rows, because a repair's
 * re-sync deletes them too, on the same chain, and writes them back: then the alert stays open. Until the mirror
 * reaches the orphaned block's height on the new branch, the alert stays open.
 */
export async function resolveOrphanedEventFaultAlerts(em: EntityManager, from: number, to: number): Promise<number> {
  // Open alerts are few (idx_alerts_status), and the alerted block is in the JSON detail only.
  const open = await em.find(Alert, { where: { kind: EVENT_FAULT_ALERT, status: "open" } });
  let resolved = 0;
  for (const a of open) {
    const at = JSON.parse(a.detail) as AlertedLog;
    if (at.blockNumber < from || at.blockNumber > to) continue;
    const row = await em.findOneBy(MirrorFault, { txHash: at.txHash, logIndex: at.logIndex });
    if (row && row.blockHash.toLowerCase() === at.blockHash.toLowerCase()) continue;
    // A row in another block is the log mined again: raiseEventFaultAlert alerts it anew (the key is freed here).
    await resolveOrphaned(em, a, at, row ? { blockNumber: Number(row.blockNumber), blockHash: row.blockHash } : null);
    resolved++;
  }
  return resolved;
}
