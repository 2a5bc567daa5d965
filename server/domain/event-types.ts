/** The platform event log's event types (persistence/event-log.ts stores them; subscriptions filter on them). */
export const EVENT_TYPES = [
  "record.posted",
  "operation.succeeded",
  "operation.failed",
  "permit.changed",
  "participant.frozen",
  "participant.unfrozen",
  "tokens.frozen",
  "alert.raised",
  "alert.resolved",
  "mirror.reorganised",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
