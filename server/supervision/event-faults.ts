import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import { appendEvent } from "../mirror/event-log";
import type { DecodedFault } from "../mirror/decode";
import { Alert } from "./entities";
import { nowIso } from "./util";

export const EVENT_FAULT_ALERT = "chain.event.faulty" as const;

/** What the alert and its announcement say about a faulty ledger log. */
export function eventFaultDetail(f: DecodedFault): Record<string, unknown> {
  return {
    txHash: f.txHash, blockNumber: f.blockNumber, blockHash: f.blockHash, logIndex: f.logIndex, event: f.event, topic: f.topic,
    fault: f.kind, message: f.detail, ...(f.texts.length ? { texts: f.texts } : {}),
  };
}

/**
 * Raises the alert for a faulty ledger log (event `alert.raised`), once per log: the alert stays open under a key
 * of the log's position, so a replay of its block (re-sync, reorganisation, the sync task) raises nothing again.
 * Nobody but operations can act on it (the text is on chain for good): no account, the asset when the event names
 * one. Returns whether an alert was raised.
 */
export async function raiseEventFaultAlert(em: EntityManager, f: DecodedFault): Promise<boolean> {
  const openKey = `chain-event:${f.txHash}:${f.logIndex}`;
  if (await em.findOneBy(Alert, { openKey })) return false;
  const at = nowIso();
  const detail = eventFaultDetail(f);
  const alert = Object.assign(new Alert(), {
    id: randomUUID(), kind: EVENT_FAULT_ALERT, status: "open", assetId: f.assetId, account: null, openKey, detail: JSON.stringify(detail),
    occurrences: 1, raisedAt: at, lastSeenAt: at, resolvedAt: null, resolution: null,
  } satisfies Alert);
  await em.insert(Alert, alert);
  await appendEvent(em, { type: "alert.raised", assetId: f.assetId, payload: { source: "mirror", alertId: alert.id, kind: EVENT_FAULT_ALERT, assetId: f.assetId, ...detail } });
  return true;
}
