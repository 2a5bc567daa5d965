import type { EntityManager } from "typeorm";
import type { Operation } from "../persistence/entities";
import type { SignerName } from "../domain/roles";
import type { ParsedEvent } from "../chain/events";
import type { SignedTransfer } from "../domain/signed-transfer";

export type TransferPayload = SignedTransfer;
export interface CallPayload {
  method: string;
  args: unknown[];
}

/** What a settled operation learned from its receipt; hooks persist their side (issuance, participants, ...). */
export interface Outcome {
  status: "posted" | "failed";
  txHash?: string;
  blockNumber?: number;
  /** Decoded leniently: an event with ill-formed text has its `fault` set and readable values (reading never throws). */
  events: ParsedEvent[];
  /** A posted transfer's record (its sequence and the block time at which rights arose, Art. 6.6). */
  record?: { sequence: number; postedAt: number };
  errorCode?: string;
  errorDetail?: Record<string, unknown>;
}
export type OperationHook = (em: EntityManager, op: Operation, outcome: Outcome) => Promise<void>;

/** Told what the submitter did, once it is committed (metrics). */
export interface SubmitterObserver {
  batchSent(signer: SignerName, size: number): void;
  posted(op: Operation): void;
}

/** What a lane's dispatcher reports to the outbox as a whole (the Submitter facade). */
export interface DispatcherHost {
  readonly observer: SubmitterObserver | null;
  hook(kind: string): OperationHook | undefined;
  /** An operation posted in this block (read your writes: the mirror waits for it). */
  postedIn(blockNumber: number): void;
  /** An operation reached its final state (committed). */
  settled(op: Operation): void;
}
