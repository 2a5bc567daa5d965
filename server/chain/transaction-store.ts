/** A signed transaction as the transaction manager knows it: stored before it is broadcast. */
export interface SignedTransaction {
  id: string;
  signerAddress: string;
  nonce: number;
  hash: string;
  raw: string;
  /** signed: stored, not yet accepted by the node; sent: the node accepted it. */
  status: "signed" | "sent";
}

/**
 * Where the transaction manager keeps its transactions (the port; the outbox implements it over its database).
 * `W` is the work a transaction carries (the outbox's operations), opaque here. Every write that changes who
 * owns what is fenced by the implementation (a lease): it throws when the caller no longer drives the key.
 */
export interface TransactionStore<W> {
  /** Stores a signed transaction with the work it carries, atomically; throws (nothing stored) if it cannot. */
  store(tx: SignedTransaction, work: W): Promise<void>;
  /** The unfinished (signed or sent) transactions of this store's signer role, whichever key signed them. */
  open(): Promise<Array<{ tx: SignedTransaction; work: W }>>;
  /** The node accepted the transaction. */
  markSent(tx: SignedTransaction): Promise<void>;
  /** The transaction can never be mined (its nonce was taken): it is replaced, its work waits to be sent again. */
  requeue(tx: SignedTransaction, reason: string): Promise<void>;
  /** The highest nonce stored for an address (null: none). */
  maxNonce(address: string): Promise<number | null>;
}
