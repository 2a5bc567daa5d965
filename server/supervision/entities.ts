import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * Supervision tables (Art. 6.3, 7.1): webhook subscriptions and their deliveries, monitoring rules and reports,
 * declared asset values, decision-document checks and alerts, and the cursors/leases of the supervision workers.
 * Portable column types only (see server/persistence/entities.ts): ISO-8601 times, decimal strings, JSON text.
 */

export type SubscriptionStatus = "active" | "paused" | "deleted";

@Entity("subscriptions")
export class Subscription {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Index("idx_subscriptions_client")
  @Column("varchar", { name: "client_id", length: 36 })
  clientId!: string;
  /** Set when an operator subscribes on behalf of an issuer. */
  @Column("varchar", { length: 42, nullable: true }) issuer!: string | null;
  @Column("text") url!: string;
  @Column("varchar", { length: 200, nullable: true }) description!: string | null;
  /** HMAC-SHA256 key; returned once at creation, never again. */
  @Column("varchar", { length: 100 }) secret!: string;
  /** JSON array of event types. */
  @Column("text", { name: "event_types" }) eventTypes!: string;
  /** JSON array of asset ids, or null for any asset. */
  @Column("text", { name: "asset_ids", nullable: true }) assetIds!: string | null;
  /** JSON array of lower-case addresses (event account or counterparty), or null for any. */
  @Column("text", { nullable: true }) accounts!: string | null;
  @Column("varchar", { length: 16 }) status!: SubscriptionStatus;
  /** Last event seq examined (enqueued or skipped as not matching). */
  @Column("integer", { name: "cursor_seq" }) cursorSeq!: number;
  /** Last per-subscription sequence number given to a delivery. */
  @Column("integer", { name: "last_sequence" }) lastSequence!: number;
  @Column("varchar", { name: "lease_owner", length: 36, nullable: true }) leaseOwner!: string | null;
  @Column("varchar", { name: "lease_until", length: 32, nullable: true }) leaseUntil!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

export type DeliveryStatus = "pending" | "delivered";

@Entity("subscription_deliveries")
@Index("idx_deliveries_seq", ["subscriptionId", "sequence"], { unique: true })
@Index("idx_deliveries_event", ["subscriptionId", "eventSeq"], { unique: true })
@Index("idx_deliveries_status", ["subscriptionId", "status", "sequence"])
export class SubscriptionDelivery {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { name: "subscription_id", length: 36 }) subscriptionId!: string;
  /** Per-subscription delivery sequence number, from 1, without gaps. */
  @Column("integer") sequence!: number;
  @Column("integer", { name: "event_seq" }) eventSeq!: number;
  @Column("varchar", { name: "event_type", length: 40 }) eventType!: string;
  @Column("varchar", { length: 16 }) status!: DeliveryStatus;
  @Column("integer") attempts!: number;
  /** Bumped by a replay, so an attempt in flight during the replay cannot mark the delivery done. */
  @Column("integer") generation!: number;
  @Column("varchar", { name: "next_attempt_at", length: 32 }) nextAttemptAt!: string;
  @Column("integer", { name: "last_status_code", nullable: true }) lastStatusCode!: number | null;
  @Column("text", { name: "last_error", nullable: true }) lastError!: string | null;
  @Column("varchar", { name: "last_attempt_at", length: 32, nullable: true }) lastAttemptAt!: string | null;
  @Column("varchar", { name: "delivered_at", length: 32, nullable: true }) deliveredAt!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
}

export const RULE_KINDS = ["single-movement", "window-aggregate", "frozen-participant"] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

@Entity("monitoring_rules")
export class MonitoringRule {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { length: 100 }) name!: string;
  @Column("varchar", { length: 32 }) kind!: RuleKind;
  /** Limits the rule to one asset; null = every asset. */
  @Column("varchar", { name: "asset_id", length: 78, nullable: true }) assetId!: string | null;
  /** Threshold in units (decimal string). */
  @Column("varchar", { name: "threshold_units", length: 78, nullable: true }) thresholdUnits!: string | null;
  /** Threshold in declared value (decimal string, up to 6 fraction digits). */
  @Column("varchar", { name: "threshold_value", length: 90, nullable: true }) thresholdValue!: string | null;
  @Column("integer", { name: "window_seconds", nullable: true }) windowSeconds!: number | null;
  @Column("integer", { name: "min_count", nullable: true }) minCount!: number | null;
  @Column("integer") enabled!: number;
  @Column("varchar", { name: "created_by", length: 36, nullable: true }) createdBy!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

@Entity("asset_values")
export class AssetValue {
  @PrimaryColumn("varchar", { name: "asset_id", length: 78 }) assetId!: string;
  /** Declared value of one unit (decimal string, up to 6 fraction digits). */
  @Column("varchar", { name: "unit_value", length: 90 }) unitValue!: string;
  @Column("varchar", { length: 8 }) currency!: string;
  @Column("varchar", { name: "set_by", length: 36, nullable: true }) setBy!: string | null;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

/** One side of a posted record, per participant, for window aggregates. */
@Entity("monitoring_movements")
@Index("idx_movements_account", ["account", "postedAt"])
@Index("idx_movements_event", ["eventSeq", "account"], { unique: true })
export class MonitoringMovement {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("integer", { name: "event_seq" }) eventSeq!: number;
  @Column("varchar", { name: "asset_id", length: 78 }) assetId!: string;
  @Column("varchar", { length: 42 }) account!: string;
  @Column("varchar", { length: 3 }) direction!: "in" | "out";
  @Column("varchar", { length: 78 }) amount!: string;
  @Column("varchar", { name: "posted_at", length: 32 }) postedAt!: string;
}

export type ReportStatus = "open" | "acknowledged" | "closed";

@Entity("monitoring_reports")
@Index("idx_reports_unique", ["ruleId", "eventSeq", "account"], { unique: true })
@Index("idx_reports_status", ["status", "createdAt"])
@Index("idx_reports_account", ["account"])
export class MonitoringReport {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { name: "rule_id", length: 36 }) ruleId!: string;
  @Column("varchar", { name: "rule_kind", length: 32 }) ruleKind!: RuleKind;
  @Column("varchar", { length: 16 }) status!: ReportStatus;
  @Column("varchar", { name: "asset_id", length: 78, nullable: true }) assetId!: string | null;
  @Column("varchar", { length: 42 }) account!: string;
  @Column("integer", { name: "event_seq" }) eventSeq!: number;
  /** JSON: the movement(s), thresholds, totals. */
  @Column("text") detail!: string;
  @Column("varchar", { name: "acknowledged_by", length: 36, nullable: true }) acknowledgedBy!: string | null;
  @Column("varchar", { name: "acknowledged_at", length: 32, nullable: true }) acknowledgedAt!: string | null;
  @Column("varchar", { name: "closed_by", length: 36, nullable: true }) closedBy!: string | null;
  @Column("varchar", { name: "closed_at", length: 32, nullable: true }) closedAt!: string | null;
  @Column("text", { nullable: true }) note!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
}

export type CheckOutcome = "ok" | "unreachable" | "changed";

@Entity("decision_checks")
@Index("idx_decision_checks_asset", ["assetId", "checkedAt"])
export class DecisionCheck {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { name: "asset_id", length: 78 }) assetId!: string;
  @Column("text") uri!: string;
  @Column("varchar", { name: "expected_hash", length: 66 }) expectedHash!: string;
  @Column("varchar", { name: "actual_hash", length: 66, nullable: true }) actualHash!: string | null;
  @Column("varchar", { length: 16 }) outcome!: CheckOutcome;
  @Column("integer", { name: "http_status", nullable: true }) httpStatus!: number | null;
  @Column("text", { nullable: true }) error!: string | null;
  @Column("integer", { name: "duration_ms" }) durationMs!: number;
  @Column("varchar", { name: "checked_at", length: 32 }) checkedAt!: string;
}

export type AlertStatus = "open" | "resolved";
/** decision.*: the decision-availability check (Art. 7.1); chain.event.faulty: a ledger log the mirror could not read as declared. */
export const ALERT_KINDS = ["decision.unreachable", "decision.changed", "chain.event.faulty"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

@Entity("alerts")
@Index("idx_alerts_status", ["status", "raisedAt"])
export class Alert {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { length: 40 }) kind!: AlertKind;
  @Column("varchar", { length: 16 }) status!: AlertStatus;
  @Column("varchar", { name: "asset_id", length: 78, nullable: true }) assetId!: string | null;
  /** Who must act: the asset's issuer. */
  @Column("varchar", { length: 42, nullable: true }) account!: string | null;
  /** Set while open (one open alert per subject); cleared on resolution. */
  @Index("idx_alerts_open_key", { unique: true })
  @Column("varchar", { name: "open_key", length: 120, nullable: true })
  openKey!: string | null;
  /** JSON: last check's details. */
  @Column("text") detail!: string;
  @Column("integer") occurrences!: number;
  @Column("varchar", { name: "raised_at", length: 32 }) raisedAt!: string;
  @Column("varchar", { name: "last_seen_at", length: 32 }) lastSeenAt!: string;
  @Column("varchar", { name: "resolved_at", length: 32, nullable: true }) resolvedAt!: string | null;
  @Column("text", { nullable: true }) resolution!: string | null;
}

/** Cursor and lease of a singleton worker (monitoring, decision checks) shared by the gateway instances. */
@Entity("supervision_workers")
export class SupervisionWorker {
  @PrimaryColumn("varchar", { length: 40 }) name!: string;
  @Column("integer", { name: "cursor_seq" }) cursorSeq!: number;
  @Column("varchar", { name: "lease_owner", length: 36, nullable: true }) leaseOwner!: string | null;
  @Column("varchar", { name: "lease_until", length: 32, nullable: true }) leaseUntil!: string | null;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

export const SUPERVISION_ENTITIES = [
  Subscription,
  SubscriptionDelivery,
  MonitoringRule,
  AssetValue,
  MonitoringMovement,
  MonitoringReport,
  DecisionCheck,
  Alert,
  SupervisionWorker,
];
