import { Column, Entity, Index, PrimaryGeneratedColumn } from "typeorm";
import type { EntityManager } from "typeorm";

/**
 * Types of platform events that subscribers (webhooks), monitoring rules and alerts react to. Each is written to
 * the `events` table in the same database transaction as the change it reports, so nothing is announced that
 * did not happen and nothing that happened goes unannounced; the table's sequence gives one global order.
 */
export { EVENT_TYPES, type EventType } from "../domain/event-types";
import type { EventType } from "../domain/event-types";

@Entity("events")
@Index("idx_events_type", ["type", "seq"])
@Index("idx_events_account", ["account", "seq"])
@Index("idx_events_counterparty", ["counterparty", "seq"])
export class PlatformEvent {
  @PrimaryGeneratedColumn({ type: "integer" }) seq!: number;
  @Column("varchar", { length: 40 }) type!: EventType;
  /** What the event is about, for subscription filters: an asset id, an account, an operation id. */
  @Column("varchar", { name: "asset_id", length: 78, nullable: true }) assetId!: string | null;
  @Column("varchar", { length: 42, nullable: true }) account!: string | null;
  @Column("varchar", { name: "counterparty", length: 42, nullable: true }) counterparty!: string | null;
  /** JSON body of the event. */
  @Column("text") payload!: string;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
}

export interface NewEvent {
  type: EventType;
  assetId?: string | null;
  account?: string | null;
  counterparty?: string | null;
  payload: Record<string, unknown>;
}

/** Appends an event inside the caller's transaction. */
export async function appendEvent(em: EntityManager, e: NewEvent): Promise<void> {
  await em.insert(PlatformEvent, {
    type: e.type,
    assetId: e.assetId ?? null,
    account: e.account?.toLowerCase() ?? null,
    counterparty: e.counterparty?.toLowerCase() ?? null,
    payload: JSON.stringify(e.payload),
    createdAt: new Date().toISOString(),
  });
}

/**
 * Appends several events inside the caller's transaction, in order, with multi-row inserts (the indexer writes
 * one event per mirrored record; one INSERT per event would dominate its run time).
 */
export async function appendEvents(em: EntityManager, events: NewEvent[]): Promise<void> {
  const createdAt = new Date().toISOString();
  for (let i = 0; i < events.length; i += 500) {
    const rows = events.slice(i, i + 500).map((e) => ({
      type: e.type,
      assetId: e.assetId ?? null,
      account: e.account?.toLowerCase() ?? null,
      counterparty: e.counterparty?.toLowerCase() ?? null,
      payload: JSON.stringify(e.payload),
      createdAt,
    }));
    await em.createQueryBuilder().insert().into(PlatformEvent).values(rows).updateEntity(false).execute();
  }
}
