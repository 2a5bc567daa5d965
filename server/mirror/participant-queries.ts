import type { EntityManager } from "typeorm";
import { Sql } from "../persistence/sql";
import { PARTICIPANT_COLUMNS, participantFromRow } from "../domain/participant-state";
import type { ParticipantEntry } from "../domain/participant-state";

/** A participant's slot as the mirror holds it, with what the ledger's views derive from it. */
export interface MirroredParticipantStatus {
  /** The folded entry; null when the mirror holds no event of the account. */
  entry: ParticipantEntry | null;
  /** Block time of the registration in force (unix seconds); null when not registered, or not read yet. */
  registeredAt: number | null;
  /** The ledger's current risk disclosure version (the last DisclosurePublished), 0 before the first. */
  currentDisclosureVersion: number;
}

/**
 * The current disclosure version: the last DisclosurePublished row, read through the change kind index (one row,
 * whatever the ledger's history).
 */
export async function currentDisclosureVersion(em: EntityManager): Promise<number> {
  const rows: Array<{ payload: string }> = await em.query(
    "SELECT payload FROM mirror_changes WHERE kind = 'DisclosurePublished' ORDER BY block_number DESC, log_index DESC LIMIT 1",
  );
  return rows.length === 0 ? 0 : Number((JSON.parse(rows[0].payload) as { version?: string }).version ?? 0);
}

/** One participant's slot (mirror_participants, by address in any case), its registration time and the current version. */
export async function participantStatusOf(em: EntityManager, account: string): Promise<MirroredParticipantStatus> {
  const sql = Sql.of(em);
  const read: Promise<Array<Record<string, unknown>>> = em.query(
    `SELECT ${PARTICIPANT_COLUMNS.join(", ")} FROM mirror_participants WHERE account = ${sql.p(1)}`,
    [account.toLowerCase()],
  );
  const [rows, current] = await Promise.all([read, currentDisclosureVersion(em)]);
  const entry = rows.length === 0 ? null : participantFromRow(rows[0]);
  let registeredAt: number | null = null;
  if (entry?.registeredTxHash) {
    const times: Array<{ block_time: number | string | null }> = await em.query(
      `SELECT block_time FROM mirror_participant_changes WHERE tx_hash = ${sql.p(1)} AND log_index = ${sql.p(2)}`,
      [entry.registeredTxHash, entry.registeredLogIndex],
    );
    const t = times[0]?.block_time;
    registeredAt = t === null || t === undefined ? null : Number(t);
  }
  return { entry, registeredAt, currentDisclosureVersion: current };
}
