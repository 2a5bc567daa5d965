import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import type { ValueTransformer } from "typeorm";

/**
 * The mirror: a copy of the ledger's events, keyed by where they happened on chain (transaction hash + log index),
 * so replaying a block range changes nothing. Every row carries its block number and hash: a reorganisation
 * deletes the rows of orphaned blocks and replays. Balances and assets are derived from the rows and recomputed
 * after a reorganisation or a repair.
 */

/** PostgreSQL returns bigint columns as strings; the mirror uses them as numbers (block times, in seconds). */
const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};

/** The indexer's position: the last block whose events are mirrored, and its hash (to detect reorganisations). */
@Entity("mirror_cursor")
export class MirrorCursor {
  @PrimaryColumn("varchar", { length: 16 }) id!: string;
  @Column("integer", { name: "block_number" }) blockNumber!: number;
  @Column("varchar", { name: "block_hash", length: 66 }) blockHash!: string;
  /** Highest block whose events were announced (events table); a repair below it does not announce them twice. */
  @Column("integer", { name: "announced_block" }) announcedBlock!: number;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

/** Hashes of mirrored blocks (those with events, and range ends): where to look for a common ancestor after a reorg. */
@Entity("mirror_blocks")
export class MirrorBlock {
  @PrimaryColumn("integer") number!: number;
  @Column("varchar", { length: 66 }) hash!: string;
}

/** One transfer record (RecordPosted) with its proof: where it is on chain, its hash and the previous one. */
@Entity("mirror_records")
@Index("idx_mirror_records_asset", ["assetId", "sequence"])
@Index("idx_mirror_records_asset_block", ["assetId", "blockNumber", "logIndex"])
@Index("idx_mirror_records_from", ["fromAddress", "blockNumber", "logIndex"])
@Index("idx_mirror_records_to", ["toAddress", "blockNumber", "logIndex"])
@Index("idx_mirror_records_block", ["blockNumber", "logIndex"])
@Index("idx_mirror_records_posted", ["postedAt", "blockNumber", "logIndex"])
export class MirrorRecord {
  @PrimaryColumn("varchar", { name: "tx_hash", length: 66 }) txHash!: string;
  @PrimaryColumn("integer", { name: "log_index" }) logIndex!: number;
  @Column("integer", { name: "block_number" }) blockNumber!: number;
  @Column("varchar", { name: "block_hash", length: 66 }) blockHash!: string;
  @Column("varchar", { name: "asset_id", length: 78 }) assetId!: string;
  @Column("integer") sequence!: number;
  @Column("varchar", { name: "from_address", length: 42 }) fromAddress!: string;
  @Column("varchar", { name: "to_address", length: 42 }) toAddress!: string;
  @Column("varchar", { length: 78 }) amount!: string;
  @Column("varchar", { length: 66 }) ref!: string;
  /** Block time of the posting, unix seconds: the moment rights arise (Art. 6.6). */
  @Column("bigint", { name: "posted_at", transformer: bigintNumber }) postedAt!: number;
  @Column("varchar", { name: "record_hash", length: 50 }) recordHash!: string;
  @Column("varchar", { name: "previous_hash", length: 50 }) previousHash!: string;
}

/**
 * Balance of one holder in one asset, derived from the records, and the units frozen (ERC-7943 `Frozen`, which
 * carries the new total: a freeze order, or what a forced transfer leaves frozen). Written in the transaction that
 * writes the records and changes it derives from. The primary key serves an asset's holders in address order, the
 * holder index a participant's holdings.
 */
@Entity("mirror_balances")
@Index("idx_mirror_balances_holder", ["holder", "assetId"])
export class MirrorBalance {
  @PrimaryColumn("varchar", { name: "asset_id", length: 78 }) assetId!: string;
  @PrimaryColumn("varchar", { length: 42 }) holder!: string;
  @Column("varchar", { length: 80 }) balance!: string;
  /** Units frozen (may exceed the balance: ERC-7943 allows freezing beyond it). */
  @Column("varchar", { length: 80, default: "0" }) frozen!: string;
  @Column("integer", { name: "updated_block" }) updatedBlock!: number;
}

/** An asset as its events describe it (derived from mirror_changes and the records). */
@Entity("mirror_assets")
export class MirrorAsset {
  @PrimaryColumn("varchar", { name: "asset_id", length: 78 }) assetId!: string;
  @Column("varchar", { length: 16 }) status!: string;
  @Column("varchar", { length: 42, nullable: true }) issuer!: string | null;
  @Column("varchar", { name: "asset_type", length: 66, nullable: true }) assetType!: string | null;
  @Column("varchar", { length: 78, nullable: true }) units!: string | null;
  @Column("varchar", { name: "decision_hash", length: 66, nullable: true }) decisionHash!: string | null;
  @Column("text", { name: "decision_uri", nullable: true }) decisionUri!: string | null;
  @Column("varchar", { name: "rights_type", length: 66, nullable: true }) rightsType!: string | null;
  @Column("text", { name: "rights_extent", nullable: true }) rightsExtent!: string | null;
  @Column("varchar", { name: "issuer_details_hash", length: 66, nullable: true }) issuerDetailsHash!: string | null;
  /** JSON: legalName, bin, registeredAddress (Art. 5.1.5). */
  @Column("text", { name: "issuer_details", nullable: true }) issuerDetails!: string | null;
  @Column("varchar", { length: 80 }) supply!: string;
  @Column("integer", { name: "record_count" }) recordCount!: number;
  @Column("integer", { name: "issued_block", nullable: true }) issuedBlock!: number | null;
  @Column("integer", { name: "updated_block" }) updatedBlock!: number;
}

/** Columns shared by the change tables: where on chain, and the event's arguments as JSON. */
abstract class ChainRow {
  @PrimaryColumn("varchar", { name: "tx_hash", length: 66 }) txHash!: string;
  @PrimaryColumn("integer", { name: "log_index" }) logIndex!: number;
  @Column("integer", { name: "block_number" }) blockNumber!: number;
  @Column("varchar", { name: "block_hash", length: 66 }) blockHash!: string;
  @Column("varchar", { length: 48 }) kind!: string;
  @Column("text") payload!: string;
}

/** Asset lifecycle and platform events (issuance, decision, issuer details, suspension, closure, disclosures...). */
@Entity("mirror_changes")
@Index("idx_mirror_changes_asset", ["assetId", "blockNumber", "logIndex"])
@Index("idx_mirror_changes_block", ["blockNumber"])
@Index("idx_mirror_changes_kind", ["kind", "blockNumber", "logIndex"])
export class MirrorChange extends ChainRow {
  @Column("varchar", { name: "asset_id", length: 78, nullable: true }) assetId!: string | null;
  /** Block time of a role grant, unix seconds (the member's `grantedAt`); null for the other events. */
  @Column("bigint", { name: "block_time", nullable: true, transformer: bigintNumber }) blockTime!: number | null;
}

/** Permit register events (granted, suspended, resumed, revoked). */
@Entity("mirror_permit_changes")
@Index("idx_mirror_permit_operator", ["operator", "blockNumber", "logIndex"])
@Index("idx_mirror_permit_block", ["blockNumber"])
export class MirrorPermitChange extends ChainRow {
  @Column("varchar", { length: 42 }) operator!: string;
  /** Block time of a grant, unix seconds (the permit's `grantedAt`); null for the other events. */
  @Column("bigint", { name: "block_time", nullable: true, transformer: bigintNumber }) blockTime!: number | null;
}

/** Participant register events (registered, deregistered, wallet kind, frozen, unfrozen) and token freezes. */
@Entity("mirror_participant_changes")
@Index("idx_mirror_participant_account", ["account", "blockNumber", "logIndex"])
@Index("idx_mirror_participant_block", ["blockNumber"])
export class MirrorParticipantChange extends ChainRow {
  @Column("varchar", { length: 42 }) account!: string;
  @Column("varchar", { name: "asset_id", length: 78, nullable: true }) assetId!: string | null;
  /** Block time of a registration, unix seconds (the participant's `registeredAt`); null for the other events. */
  @Column("bigint", { name: "block_time", nullable: true, transformer: bigintNumber }) blockTime!: number | null;
}

/** Risk disclosure acknowledgements (Art. 6.4). */
@Entity("mirror_acknowledgements")
@Index("idx_mirror_ack_account", ["account", "version"])
@Index("idx_mirror_ack_block", ["blockNumber"])
export class MirrorAcknowledgement {
  @PrimaryColumn("varchar", { name: "tx_hash", length: 66 }) txHash!: string;
  @PrimaryColumn("integer", { name: "log_index" }) logIndex!: number;
  @Column("integer", { name: "block_number" }) blockNumber!: number;
  @Column("varchar", { name: "block_hash", length: 66 }) blockHash!: string;
  @Column("varchar", { length: 42 }) account!: string;
  @Column("integer") version!: number;
  @Column("varchar", { name: "relayed_by", length: 42 }) relayedBy!: string;
}

export type MirrorFaultKind = "ill-formed-text" | "undecodable";

/**
 * A ledger log the mirror could not read as declared: text that is not UTF-8 (the change is still applied, with
 * U+FFFD in place of the ill-formed bytes) or data that does not decode (the log is passed over). One row per log.
 */
@Entity("mirror_faults")
@Index("idx_mirror_faults_block", ["blockNumber", "logIndex"])
export class MirrorFault {
  @PrimaryColumn("varchar", { name: "tx_hash", length: 66 }) txHash!: string;
  @PrimaryColumn("integer", { name: "log_index" }) logIndex!: number;
  @Column("integer", { name: "block_number" }) blockNumber!: number;
  @Column("varchar", { name: "block_hash", length: 66 }) blockHash!: string;
  /** The event's name and topic (topic0). */
  @Column("varchar", { length: 48, nullable: true }) event!: string | null;
  @Column("varchar", { length: 66, nullable: true }) topic!: string | null;
  @Column("varchar", { length: 32 }) kind!: MirrorFaultKind;
  /** JSON: message, and for ill-formed text each argument's exact bytes (hex) and readable form. */
  @Column("text") detail!: string;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
}

/**
 * The permit register as the ledger's events describe it (folded from mirror_permit_changes by
 * server/domain/register-state.ts), written in the transaction of the range whose events change it; rebuilt from
 * the remaining change rows after a reorganisation. Served by GET /v1/permits in operator order (the key).
 */
@Entity("mirror_permits")
export class MirrorPermit {
  @PrimaryColumn("varchar", { length: 42 }) operator!: string;
  @Column("varchar", { length: 16 }) status!: string;
  @Column("text", { name: "legal_name" }) legalName!: string;
  @Column("text") bin!: string;
  @Column("text", { name: "permit_number" }) permitNumber!: string;
  @Column("text") scope!: string;
  @Column("text", { name: "suspend_reason", nullable: true }) suspendReason!: string | null;
  /** Unix seconds, as PermitSuspended carries it. */
  @Column("varchar", { name: "suspended_until", length: 20, nullable: true }) suspendedUntil!: string | null;
  @Column("text", { name: "court_decision", nullable: true }) courtDecision!: string | null;
  @Column("integer", { name: "granted_block" }) grantedBlock!: number;
  @Column("varchar", { name: "grant_tx_hash", length: 66 }) grantTxHash!: string;
  @Column("integer", { name: "grant_log_index" }) grantLogIndex!: number;
  @Column("integer", { name: "updated_block" }) updatedBlock!: number;
}

/** The asset type register (AssetTypeListed / AssetTypeDelisted, folded as the permits). GET /v1/asset-types, in code order. */
@Entity("mirror_asset_types")
export class MirrorAssetType {
  @PrimaryColumn("varchar", { length: 66 }) code!: string;
  @Column("text") name!: string;
  @Column("varchar", { length: 32 }) category!: string;
  /** 1 listed, 0 delisted. */
  @Column("integer") listed!: number;
  @Column("integer", { name: "listed_block" }) listedBlock!: number;
  @Column("varchar", { name: "list_tx_hash", length: 66 }) listTxHash!: string;
  @Column("integer", { name: "list_log_index" }) listLogIndex!: number;
  @Column("integer", { name: "updated_block" }) updatedBlock!: number;
}

/**
 * The participant register as the ledger's events describe it (folded from mirror_participant_changes,
 * mirror_acknowledgements and ParticipantMigrated by server/domain/participant-state.ts), written in the transaction
 * of the range whose events change it; rebuilt from the remaining rows after a reorganisation. Served by GET
 * /v1/participants/{address} and GET /v1/me (registration, freeze, acknowledged disclosure version).
 */
@Entity("mirror_participants")
export class MirrorParticipant {
  @PrimaryColumn("varchar", { length: 42 }) account!: string;
  @Column("varchar", { length: 32 }) kind!: string;
  /** Booleans as 0/1. */
  @Column("integer") frozen!: number;
  @Column("integer", { name: "frozen_by_authority" }) frozenByAuthority!: number;
  @Column("integer", { name: "contract_wallet" }) contractWallet!: number;
  @Column("integer", { name: "acknowledged_version" }) acknowledgedVersion!: number;
  @Column("varchar", { name: "identity_hash", length: 66, nullable: true }) identityHash!: string | null;
  @Column("varchar", { name: "registered_tx_hash", length: 66, nullable: true }) registeredTxHash!: string | null;
  @Column("integer", { name: "registered_log_index", nullable: true }) registeredLogIndex!: number | null;
  @Column("integer") migrated!: number;
  @Column("integer", { name: "updated_block" }) updatedBlock!: number;
}

export const MIRROR_ENTITIES = [
  MirrorCursor,
  MirrorBlock,
  MirrorRecord,
  MirrorBalance,
  MirrorAsset,
  MirrorChange,
  MirrorPermitChange,
  MirrorParticipantChange,
  MirrorAcknowledgement,
  MirrorFault,
  MirrorPermit,
  MirrorAssetType,
  MirrorParticipant,
];

/** Tables whose rows belong to a block (deleted when the block is orphaned or re-synced). */
export const MIRROR_BLOCK_TABLES = [
  "mirror_records",
  "mirror_changes",
  "mirror_permit_changes",
  "mirror_participant_changes",
  "mirror_acknowledgements",
  "mirror_faults",
] as const;
