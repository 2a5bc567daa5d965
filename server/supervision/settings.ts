import type { Config } from "../config";

/** Supervision worker settings (environment variables in parentheses; see docs/operations.md). */
export interface SupervisionSettings {
  /** Run the supervision workers in this instance (SUPERVISION_ENABLED). */
  enabled: boolean;
  /** How often the webhook dispatcher looks for new events and due retries (WEBHOOK_DISPATCH_INTERVAL_MS). */
  dispatchIntervalMs: number;
  /** Time a receiver has to answer (WEBHOOK_TIMEOUT_MS). */
  webhookTimeoutMs: number;
  /** First retry delay; doubles per failed attempt (WEBHOOK_RETRY_BASE_MS) ... */
  retryBaseMs: number;
  /** ... up to this cap (WEBHOOK_RETRY_MAX_MS). */
  retryMaxMs: number;
  /** A gap in the event sequence younger than this is waited for (a transaction may still commit it). */
  gapGraceMs: number;
  /** How often the monitoring worker evaluates new records (MONITORING_INTERVAL_MS). */
  monitoringIntervalMs: number;
  /** How often each open asset's decision document is checked (DECISION_CHECK_INTERVAL_MS). */
  decisionCheckIntervalMs: number;
  /** Time a decision URI has to answer (DECISION_FETCH_TIMEOUT_MS). */
  decisionFetchTimeoutMs: number;
  /** Largest decision document fetched (DECISION_MAX_BYTES). */
  decisionMaxBytes: number;
  /** Networks (CIDR) besides public addresses that webhooks and decision fetches may reach (OUTBOUND_ALLOW). */
  outboundAllow: string[];
}

export const SUPERVISION_DEFAULTS: SupervisionSettings = {
  enabled: true,
  dispatchIntervalMs: 500,
  webhookTimeoutMs: 10_000,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  gapGraceMs: 5_000,
  monitoringIntervalMs: 1_000,
  decisionCheckIntervalMs: 3_600_000,
  decisionFetchTimeoutMs: 10_000,
  decisionMaxBytes: 50 * 1024 * 1024,
  outboundAllow: [],
};

export function supervisionSettings(config: Pick<Config, "supervision">): SupervisionSettings {
  const given = Object.fromEntries(Object.entries(config.supervision ?? {}).filter(([, v]) => v !== undefined));
  return { ...SUPERVISION_DEFAULTS, ...given };
}
