import { AppError } from "../errors";
import type { SignerName } from "../domain/roles";
import type { SignatureThreads, SignedTransaction, TransactionData, UnsignedTransaction } from "./signatures";

/** Whether a signer can sign now; `reason` says why not. */
export type SignerHealth = { available: true } | { available: false; reason: string };

/**
 * Who signs one lane's transactions (operator, authority). The gateway needs only the account's address and a
 * signed transaction; where the key lives is the implementation's business:
 * - `key`: a development key from the environment, installed in the signature threads;
 * - `keystore`: an encrypted JSON keystore decrypted at start, installed likewise;
 * - `remote`: a remote signer (Web3Signer) holds the key; it never enters this process.
 */
export interface TransactionSigner {
  readonly name: SignerName;
  readonly kind: "key" | "keystore" | "remote";
  /** The account's checksummed address. */
  readonly address: string;
  /**
   * Signs `tx` with `body` as its data (a `call` is encoded first). Throws a SignerUnavailableError when the signer
   * does not answer or answers wrongly: nothing was signed that the gateway could store or send.
   */
  signTransaction(tx: UnsignedTransaction, body: TransactionData): Promise<SignedTransaction>;
  /** Asks the signer whether it can sign for `address` now (readiness); a local key always can. */
  probe(): Promise<SignerHealth>;
  /** Abandons calls in progress (shutdown). */
  close(): void;
}

/**
 * A signer that does not answer, refuses, or answers with a transaction other than the one asked. Operations
 * stay pending (nothing was stored or sent); the lane retries with backoff.
 */
export class SignerUnavailableError extends AppError {
  override readonly name = "SignerUnavailableError";
  constructor(
    readonly signer: SignerName,
    readonly reason: string,
    where = "",
  ) {
    super(
      "SIGNER_UNAVAILABLE",
      { signers: { [signer]: reason } },
      `the ${signer}'s signer${where ? ` at ${where}` : ""} cannot sign: ${reason}`,
    );
  }
}

/**
 * A key held by this process (development key or decrypted keystore). The key was installed in the signature
 * threads when they started (SignatureThreads' `keys`); signing names the signer, never the key.
 */
export class LocalKeySigner implements TransactionSigner {
  constructor(
    readonly name: SignerName,
    readonly kind: "key" | "keystore",
    readonly address: string,
    private readonly threads: SignatureThreads,
  ) {}

  signTransaction(tx: UnsignedTransaction, body: TransactionData): Promise<SignedTransaction> {
    return this.threads.signTransaction(this.name, tx, body);
  }

  probe(): Promise<SignerHealth> {
    return Promise.resolve({ available: true });
  }

  close(): void {
    /* nothing outside this process */
  }
}
