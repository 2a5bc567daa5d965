import { createHash, randomBytes, randomUUID } from "node:crypto";
import { getAddress } from "ethers";
import type { Provider } from "ethers";
import { SiweMessage } from "siwe";
import { IsNull } from "typeorm";
import { AppError } from "../errors";
import type { Database } from "../persistence/data-source";
import { AuthNonce, ParticipantSession } from "../persistence/session-entities";

const sha256 = (s: string): string => createHash("sha256").update(s, "utf8").digest("hex");
const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString();
/** Session tokens carry a prefix so a bearer token is told apart from an API key without a lookup. */
export const SESSION_TOKEN_PREFIX = "sds_";

export interface SessionSettings {
  /** How long an issued nonce may be signed and used. */
  nonceTtlMs: number;
  /** How long a session lasts from sign-in. */
  sessionTtlMs: number;
  /** How old a message's issued-at may be (and how far in the future, for clock skew: a fifth of it). */
  maxMessageAgeMs: number;
}

/** What a sign-in must match: the site the participant sees (scheme and host) and the chain the ledger is on. */
export interface SignInExpectations {
  domain: string;
  scheme: string;
  chainId: number;
}

export interface SessionView {
  id: string;
  address: string;
  chainId: number;
  createdAt: string;
  expiresAt: string;
}

const view = (s: ParticipantSession): SessionView => ({
  id: s.id,
  address: s.address,
  chainId: s.chainId,
  createdAt: s.createdAt,
  expiresAt: s.expiresAt,
});

/**
 * Participants' sign-in with Ethereum (EIP-4361): the gateway issues single-use nonces, verifies the signed message
 * (domain, scheme, chain, nonce, issued-at, expiry, signature; contract wallets by ERC-1271 through the node) and
 * opens a persisted session. Only hashes of the session and CSRF tokens are stored.
 */
export class SessionService {
  constructor(
    private readonly db: Database,
    private readonly settings: SessionSettings,
    /** For ERC-1271: a contract wallet's isValidSignature is asked on chain. */
    private readonly provider?: Provider,
  ) {}

  async issueNonce(): Promise<{ nonce: string; expiresAt: string }> {
    // EIP-4361: at least 8 alphanumeric characters.
    const nonce = randomBytes(16).toString("hex");
    const expiresAt = isoIn(this.settings.nonceTtlMs);
    await this.db.manager.insert(AuthNonce, { nonce, createdAt: new Date().toISOString(), expiresAt, usedAt: null });
    return { nonce, expiresAt };
  }

  async signIn(
    text: string,
    signature: string,
    expected: SignInExpectations,
  ): Promise<{ token: string; csrfToken: string; session: SessionView }> {
    let message: SiweMessage;
    try {
      message = new SiweMessage(text);
    } catch (err) {
      throw new AppError("SIGN_IN_MESSAGE_INVALID", { reason: err instanceof Error ? err.message : String(err) });
    }
    if (message.domain !== expected.domain)
      throw new AppError("SIGN_IN_DOMAIN_MISMATCH", { expected: expected.domain, received: message.domain });
    const uri = safeUrl(message.uri);
    if (!uri || uri.host !== expected.domain || uri.protocol !== `${expected.scheme}:`)
      throw new AppError("SIGN_IN_DOMAIN_MISMATCH", {
        expected: `${expected.scheme}://${expected.domain}`,
        received: message.uri,
      });
    if (message.chainId !== expected.chainId)
      throw new AppError("SIGN_IN_CHAIN_MISMATCH", { expected: expected.chainId, received: message.chainId });
    const now = Date.now();
    const issuedAt = Date.parse(message.issuedAt ?? "");
    if (
      Number.isNaN(issuedAt) ||
      issuedAt < now - this.settings.maxMessageAgeMs ||
      issuedAt > now + this.settings.maxMessageAgeMs / 5
    )
      throw new AppError("SIGN_IN_MESSAGE_EXPIRED", { issuedAt: message.issuedAt ?? null });
    if (message.expirationTime && Date.parse(message.expirationTime) <= now)
      throw new AppError("SIGN_IN_MESSAGE_EXPIRED", { expirationTime: message.expirationTime });
    if (message.notBefore && Date.parse(message.notBefore) > now)
      throw new AppError("SIGN_IN_MESSAGE_EXPIRED", { notBefore: message.notBefore });

    const verified = await message
      .verify(
        { signature, domain: expected.domain, nonce: message.nonce, time: new Date(now).toISOString() },
        // siwe's types name ethers v5's provider; at run time it takes v6's (ERC-1271 check by eth_call).
        { suppressExceptions: true, ...(this.provider ? { provider: this.provider as never } : {}) },
      )
      .catch((err: unknown) => ({ success: false, error: { type: String(err) } }));
    if (!verified.success)
      throw new AppError("SIGN_IN_SIGNATURE_INVALID", {
        address: message.address,
        reason: verified.error?.type ?? "signature does not match the message's address",
      });

    // The nonce is spent by exactly one sign-in: a conditional update, checked by the rows it changed.
    const spent = await this.db.manager
      .createQueryBuilder()
      .update(AuthNonce)
      .set({ usedAt: new Date(now).toISOString() })
      .where("nonce = :nonce AND used_at IS NULL AND expires_at > :now", {
        nonce: message.nonce,
        now: new Date(now).toISOString(),
      })
      .execute();
    if (!spent.affected) throw new AppError("SIGN_IN_NONCE_INVALID", { nonce: message.nonce });

    const token = `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    const csrfToken = randomBytes(24).toString("base64url");
    const messageExpiry = message.expirationTime ? Date.parse(message.expirationTime) : Infinity;
    const session: ParticipantSession = {
      id: randomUUID(),
      tokenHash: sha256(token),
      csrfHash: sha256(csrfToken),
      address: getAddress(message.address),
      chainId: message.chainId,
      nonce: message.nonce,
      createdAt: new Date(now).toISOString(),
      // A session ends no later than the message it was opened with says.
      expiresAt: new Date(Math.min(now + this.settings.sessionTtlMs, messageExpiry)).toISOString(),
      endedAt: null,
      endedBy: null,
    };
    await this.db.manager.insert(ParticipantSession, session);
    return { token, csrfToken, session: view(session) };
  }

  /** The live session a token opens, or SESSION_INVALID (unknown, ended or expired). */
  async authenticate(token: string): Promise<SessionView & { csrfHash: string }> {
    const s = await this.db.manager.findOneBy(ParticipantSession, { tokenHash: sha256(token) });
    if (!s) throw new AppError("SESSION_INVALID", { reason: "unknown session" });
    if (s.endedAt) throw new AppError("SESSION_INVALID", { reason: "ended", endedAt: s.endedAt });
    if (Date.parse(s.expiresAt) <= Date.now())
      throw new AppError("SESSION_INVALID", { reason: "expired", expiresAt: s.expiresAt });
    return { ...view(s), csrfHash: s.csrfHash };
  }

  /** Whether a CSRF token is the one issued with the session. */
  static csrfMatches(csrfHash: string, presented: string | undefined): boolean {
    return presented !== undefined && sha256(presented) === csrfHash;
  }

  async signOut(sessionId: string): Promise<void> {
    await this.db.manager.update(
      ParticipantSession,
      { id: sessionId, endedAt: IsNull() },
      { endedAt: new Date().toISOString(), endedBy: "sign-out" },
    );
  }

  /** Ends every live session of an address (an operator's action); returns how many. */
  async endAll(address: string, by: string): Promise<number> {
    const r = await this.db.manager
      .createQueryBuilder()
      .update(ParticipantSession)
      .set({ endedAt: new Date().toISOString(), endedBy: by.slice(0, 64) })
      .where("address = :address AND ended_at IS NULL", { address: getAddress(address) })
      .execute();
    return r.affected ?? 0;
  }
}

function safeUrl(u: string): URL | null {
  try {
    return new URL(u);
  } catch {
    return null;
  }
}
