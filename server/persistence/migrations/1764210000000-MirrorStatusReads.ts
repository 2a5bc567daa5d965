import { Table, TableColumn } from "typeorm";
import type { MigrationInterface, QueryRunner, TableColumnOptions } from "typeorm";
import {
  AuthorityHistory,
  PARTICIPANT_COLUMNS,
  PARTICIPANT_STATE_KINDS,
  foldParticipants,
  participantRow,
} from "../../domain/participant-state";
import type { ParticipantEntry, ParticipantEvent } from "../../domain/participant-state";

// Portable column helpers, as in the Mirror migration (entity: MirrorParticipant in server/mirror/entities.ts).
const str = (name: string, length: number, nullable = false, primary = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable: nullable,
  isPrimary: primary,
});
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: "integer", isNullable: nullable });

/**
 * The last reads that went to the ledger, served from the mirror (issue 12 §3): the participant register
 * (`mirror_participants`, filled for a mirror already synced from its mirrored rows, with the indexer's fold), and
 * the block time of each role grant and registration (the role member's `grantedAt`, the participant's
 * `registeredAt`; the indexer fills the rows mirrored before this version on its first pass).
 */
export class MirrorStatusReads1764210000000 implements MigrationInterface {
  name = "MirrorStatusReads1764210000000";

  public async up(q: QueryRunner): Promise<void> {
    for (const table of ["mirror_changes", "mirror_participant_changes"])
      await q.addColumn(table, new TableColumn({ name: "block_time", type: "bigint", isNullable: true }));
    await q.createTable(
      new Table({
        name: "mirror_participants",
        columns: [
          str("account", 42, false, true),
          str("kind", 32),
          int("frozen"),
          int("frozen_by_authority"),
          int("contract_wallet"),
          int("acknowledged_version"),
          str("identity_hash", 66, true),
          str("registered_tx_hash", 66, true),
          int("registered_log_index", true),
          int("migrated"),
          int("updated_block"),
        ],
      }),
    );
    const postgres = q.connection.options.type === "postgres";
    const params = (n: number) => Array.from({ length: n }, (_, i) => (postgres ? `$${i + 1}` : "?")).join(", ");
    type Row = { tx_hash: string; log_index: number | string; block_number: number | string; kind: string };
    const event = (r: Row, args: Record<string, unknown>, account: string | null): ParticipantEvent => ({
      blockNumber: Number(r.block_number),
      txHash: r.tx_hash,
      logIndex: Number(r.log_index),
      kind: r.kind,
      args,
      account,
    });
    const roles = (await q.query(
      "SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_changes WHERE kind IN ('RoleGranted', 'RoleRevoked')",
    )) as Array<Row & { payload: string }>;
    const own = (await q.query(
      `SELECT tx_hash, log_index, block_number, kind, payload, account FROM mirror_participant_changes WHERE kind IN (${PARTICIPANT_STATE_KINDS.map((k) => `'${k}'`).join(", ")})`,
    )) as Array<Row & { payload: string; account: string }>;
    const acks = (await q.query(
      "SELECT tx_hash, log_index, block_number, account, version FROM mirror_acknowledgements",
    )) as Array<Omit<Row, "kind"> & { account: string; version: number | string }>;
    const migrated = (await q.query(
      "SELECT tx_hash, log_index, block_number, kind, payload FROM mirror_changes WHERE kind = 'ParticipantMigrated'",
    )) as Array<Row & { payload: string }>;
    const events: ParticipantEvent[] = [
      ...own.map((r) => event(r, JSON.parse(r.payload) as Record<string, unknown>, r.account.toLowerCase())),
      ...acks.map((r) =>
        event(
          { ...r, kind: "DisclosureAcknowledged" },
          { account: r.account, version: String(r.version) },
          r.account.toLowerCase(),
        ),
      ),
      ...migrated.map((r) => event(r, JSON.parse(r.payload) as Record<string, unknown>, null)),
    ];
    const authority = new AuthorityHistory(
      roles.map((r) => event(r, JSON.parse(r.payload) as Record<string, unknown>, null)),
    );
    const entries = foldParticipants(new Map<string, ParticipantEntry | null>(), events, authority);
    for (const p of entries.values())
      if (p)
        await q.query(
          `INSERT INTO mirror_participants (${PARTICIPANT_COLUMNS.join(", ")}) VALUES (${params(PARTICIPANT_COLUMNS.length)})`,
          participantRow(p),
        );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.dropTable("mirror_participants");
    await q.dropColumn("mirror_participant_changes", "block_time");
    await q.dropColumn("mirror_changes", "block_time");
  }
}
