import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * Entities. Portable column types only (varchar, text, integer) so one migration serves SQLite and PostgreSQL:
 * times are ISO-8601 strings (sortable), uint256 values decimal strings, structured data JSON text.
 */

import type { Role, SignerName } from "../domain/roles";
import type { IssuanceStatus, OperationStatus, ParticipantStatus, TxStatus } from "../domain/statuses";
import type { OperationKind } from "../domain/operation-kinds";

// Domain types live in server/domain; re-exported for the persistence layer's users.
export { ROLES } from "../domain/roles";
export type { Role, SignerName } from "../domain/roles";
export type { IssuanceStatus, OperationStatus, ParticipantStatus, TxStatus } from "../domain/statuses";

@Entity("api_clients")
export class ApiClient {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { length: 100 }) name!: string;
  @Column("varchar", { length: 16 }) role!: Role;
  @Index("idx_api_clients_key_hash", { unique: true })
  @Column("varchar", { name: "key_hash", length: 64 })
  keyHash!: string;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Column("varchar", { name: "revoked_at", length: 32, nullable: true }) revokedAt!: string | null;
}

@Entity("participants")
export class Participant {
  @PrimaryColumn("varchar", { length: 42 }) address!: string;
  @Column("varchar", { length: 32 }) kind!: string;
  /** Off-chain KYC data (JSON). Never on-chain: only its hash is. */
  @Column("text") identity!: string;
  @Column("varchar", { name: "identity_hash", length: 66 }) identityHash!: string;
  @Column("varchar", { length: 16 }) status!: ParticipantStatus;
  @Column("varchar", { name: "operation_id", length: 36, nullable: true }) operationId!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

@Entity("disclosures")
export class Disclosure {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("integer", { nullable: true }) version!: number | null;
  @Column("varchar", { name: "document_hash", length: 66 }) documentHash!: string;
  @Column("text") uri!: string;
  @Column("text", { nullable: true }) text!: string | null;
  @Column("varchar", { length: 16 }) status!: "pending" | "published" | "failed";
  @Column("varchar", { name: "operation_id", length: 36, nullable: true }) operationId!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
}

@Entity("acknowledgements")
export class Acknowledgement {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Index("idx_ack_account")
  @Column("varchar", { length: 42 })
  account!: string;
  @Column("integer") version!: number;
  @Column("varchar", { name: "document_hash", length: 66 }) documentHash!: string;
  @Column("varchar", { length: 78 }) deadline!: string;
  @Column("text") signature!: string;
  @Column("varchar", { length: 16 }) status!: "pending" | "posted" | "failed";
  @Column("varchar", { name: "operation_id", length: 36, nullable: true }) operationId!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
}

@Entity("issuance_requests")
@Index("idx_issuance_verifier", ["verifier", "status", "createdAt"])
export class IssuanceRequest {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { length: 16 }) status!: IssuanceStatus;
  @Index("idx_issuance_owner")
  @Column("varchar", { length: 42 })
  owner!: string;
  @Column("varchar", { name: "asset_type", length: 66 }) assetType!: string;
  /** The collateral verifier the request names (also in `request`): its queue. */
  @Column("varchar", { length: 42, nullable: true })
  verifier!: string | null;
  /** JSON: decision, issuer, units, evidenceHash, nonce, deadline. */
  @Column("text") request!: string;
  @Column("text", { name: "owner_signature" }) ownerSignature!: string;
  /** JSON: verifier, expiry, signature (once attested). */
  @Column("text", { nullable: true }) attestation!: string | null;
  @Column("varchar", { name: "operation_id", length: 36, nullable: true }) operationId!: string | null;
  @Column("varchar", { name: "asset_id", length: 78, nullable: true }) assetId!: string | null;
  @Column("varchar", { name: "refusal_code", length: 64, nullable: true }) refusalCode!: string | null;
  @Column("text", { name: "refusal_detail", nullable: true }) refusalDetail!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

/** The outbox: every on-chain action, written before anything is sent. */
@Entity("operations")
@Index("idx_operations_status", ["signer", "status", "createdAt"])
@Index("idx_operations_holder", ["fromAddress", "assetId", "status"])
@Index("idx_operations_recipient", ["toAddress", "assetId", "status"])
export class Operation {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { length: 32 }) kind!: OperationKind;
  @Column("varchar", { length: 16 }) status!: OperationStatus;
  @Column("varchar", { length: 16 }) signer!: SignerName;
  /** JSON: { method, args } for calls, the authorization and signature for transfers. */
  @Column("text") payload!: string;
  @Column("text", { nullable: true }) result!: string | null;
  @Column("varchar", { name: "error_code", length: 64, nullable: true }) errorCode!: string | null;
  @Column("text", { name: "error_detail", nullable: true }) errorDetail!: string | null;
  @Index("idx_operations_tx")
  @Column("varchar", { name: "tx_id", length: 36, nullable: true })
  txId!: string | null;
  /** The address of the key that signed the transaction carrying it (null while pending). */
  @Column("varchar", { name: "signer_address", length: 42, nullable: true }) signerAddress!: string | null;
  @Column("integer", { name: "batch_index", nullable: true }) batchIndex!: number | null;
  @Column("varchar", { name: "from_address", length: 42, nullable: true }) fromAddress!: string | null;
  @Column("varchar", { name: "asset_id", length: 78, nullable: true }) assetId!: string | null;
  @Column("varchar", { name: "to_address", length: 42, nullable: true }) toAddress!: string | null;
  @Column("varchar", { length: 78, nullable: true }) nonce!: string | null;
  @Column("varchar", { length: 78, nullable: true }) amount!: string | null;
  /** Unique while the operation may still post (e.g. holder+asset+nonce); cleared when it fails. */
  @Index("idx_operations_dedupe", { unique: true })
  @Column("varchar", { name: "dedupe_key", length: 200, nullable: true })
  dedupeKey!: string | null;
  @Column("varchar", { name: "client_id", length: 36, nullable: true }) clientId!: string | null;
  /**
   * Which lane lease took it into a transaction (`owner:epoch`), set atomically with its transaction id and
   * re-taken by whoever reconciles the lane after a takeover; null while pending. Settling checks it.
   */
  @Column("varchar", { name: "claimed_by", length: 64, nullable: true }) claimedBy!: string | null;
  @Column("varchar", { name: "claimed_at", length: 32, nullable: true }) claimedAt!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

/** A signed transaction: stored (nonce, hash, raw) before it is broadcast. */
@Entity("chain_transactions")
@Index("idx_chain_tx_nonce", ["signerAddress", "nonce"], { unique: true })
export class ChainTransaction {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { length: 16 }) signer!: SignerName;
  @Column("varchar", { name: "signer_address", length: 42 }) signerAddress!: string;
  @Column("integer") nonce!: number;
  @Index("idx_chain_tx_hash", { unique: true })
  @Column("varchar", { length: 66 })
  hash!: string;
  @Column("text") raw!: string;
  @Column("varchar", { length: 16 }) status!: TxStatus;
  @Column("integer", { name: "block_number", nullable: true }) blockNumber!: number | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Column("varchar", { name: "updated_at", length: 32 }) updatedAt!: string;
}

@Entity("audit_log")
@Index("idx_audit_at", ["at"])
export class AuditEntry {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Column("varchar", { length: 32 }) at!: string;
  @Column("varchar", { name: "client_id", length: 36, nullable: true }) clientId!: string | null;
  @Column("varchar", { length: 16, nullable: true }) role!: string | null;
  @Column("varchar", { length: 64 }) action!: string;
  @Column("varchar", { length: 200, nullable: true }) target!: string | null;
  @Column("varchar", { name: "request_id", length: 64, nullable: true }) requestId!: string | null;
  @Column("text", { nullable: true }) detail!: string | null;
}

@Entity("idempotency_keys")
export class IdempotencyKey {
  /** sha256(client id + key) */
  @PrimaryColumn("varchar", { length: 64 }) id!: string;
  @Column("varchar", { name: "client_id", length: 36 }) clientId!: string;
  @Column("varchar", { name: "request_hash", length: 64 }) requestHash!: string;
  @Column("varchar", { length: 16 }) state!: "in_progress" | "done";
  @Column("integer", { name: "response_status", nullable: true }) responseStatus!: number | null;
  @Column("text", { name: "response_body", nullable: true }) responseBody!: string | null;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
}

export const ENTITIES = [
  ApiClient,
  Participant,
  Disclosure,
  Acknowledgement,
  IssuanceRequest,
  Operation,
  ChainTransaction,
  AuditEntry,
  IdempotencyKey,
];
