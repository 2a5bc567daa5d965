import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/** A sign-in nonce (EIP-4361): issued by the gateway, used at most once, until it expires. */
@Entity("auth_nonces")
export class AuthNonce {
  @PrimaryColumn("varchar", { length: 64 }) nonce!: string;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Index("idx_auth_nonces_expires")
  @Column("varchar", { name: "expires_at", length: 32 })
  expiresAt!: string;
  @Column("varchar", { name: "used_at", length: 32, nullable: true }) usedAt!: string | null;
}

/** A participant's session, opened by a verified sign-in. Only hashes of its token and CSRF token are stored. */
@Entity("participant_sessions")
export class ParticipantSession {
  @PrimaryColumn("varchar", { length: 36 }) id!: string;
  @Index("idx_participant_sessions_token", { unique: true })
  @Column("varchar", { name: "token_hash", length: 64 })
  tokenHash!: string;
  @Column("varchar", { name: "csrf_hash", length: 64 }) csrfHash!: string;
  @Index("idx_participant_sessions_address")
  @Column("varchar", { length: 42 })
  address!: string;
  @Column("integer", { name: "chain_id" }) chainId!: number;
  /** The nonce of the sign-in message that opened it. */
  @Column("varchar", { length: 64 }) nonce!: string;
  @Column("varchar", { name: "created_at", length: 32 }) createdAt!: string;
  @Column("varchar", { name: "expires_at", length: 32 }) expiresAt!: string;
  @Column("varchar", { name: "ended_at", length: 32, nullable: true }) endedAt!: string | null;
  /** "sign-out", or "operator:<client id>" when an operator ended it. */
  @Column("varchar", { name: "ended_by", length: 64, nullable: true }) endedBy!: string | null;
}

export const SESSION_ENTITIES = [AuthNonce, ParticipantSession];
