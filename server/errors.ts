/**
 * The one catalogue of stable error codes. Each code has its HTTP status and a message that says what to do.
 * Services throw `AppError(code, details?)`; the error middleware alone turns it into
 * `{ "error": { "code", "message", "details"? } }` with the status below.
 */
import { TRANSFER_CHECKS, type TransferCheck } from "./domain/ledger-enums";
export const ERRORS = {
  // --- request / protocol
  VALIDATION_FAILED: [400, "The request does not match the schema; fix the fields listed in errors."],
  CURSOR_INVALID: [
    400,
    "The cursor is not one this list returned (or it was altered); follow the list's `next` link, or start again without a cursor.",
  ],
  MALFORMED_REQUEST: [
    400,
    "The request cannot be read: its path does not percent-decode to UTF-8, or its body is not what its Content-Encoding says; see details.reason.",
  ],
  MALFORMED_JSON: [400, "The body is not valid JSON; send a JSON object with Content-Type: application/json."],
  PAYLOAD_TOO_LARGE: [413, "The body exceeds the size limit; send a smaller request."],
  UNSUPPORTED_MEDIA_TYPE: [415, "Send the body as application/json."],
  NOT_FOUND: [404, "No such resource; check the identifier."],
  RESYNC_BLOCK_BEYOND_HEAD: [
    422,
    "fromBlock is beyond the block the mirror may reach (the head less the confirmations); see details.head.",
  ],
  ROUTE_NOT_FOUND: [404, "No such endpoint; see /openapi.json for the API."],
  RATE_LIMITED: [429, "Too many requests; retry after the Retry-After delay."],
  UNAUTHENTICATED: [401, "Send a valid API key as 'Authorization: Bearer <key>'."],
  FORBIDDEN: [
    403,
    "Your API key's role (or the staff role your signed-in wallet holds on the ledger) may not call this endpoint; use a key of a role listed in details.",
  ],
  PARTICIPANT_SESSION_NOT_ALLOWED: [
    403,
    "A participant's session reaches only its own data and actions (/v1/me, /v1/auth); this endpoint is for staff API keys, or the session of a wallet holding AUTHORITY or OPERATOR on the ledger.",
  ],
  IDEMPOTENCY_KEY_MISSING: [400, "Send an Idempotency-Key header (a unique string per intended action)."],
  IDEMPOTENCY_KEY_REUSED: [
    409,
    "This Idempotency-Key was used with a different request; use a new key for a new action.",
  ],
  IDEMPOTENCY_REQUEST_IN_PROGRESS: [
    409,
    "A request with this Idempotency-Key is still being processed; retry shortly.",
  ],
  AUTHORITY_KEY_NOT_CONFIGURED: [
    503,
    "This gateway has no authority signing key (AUTHORITY_KEY); submit authority actions through the authority's gateway.",
  ],
  CHAIN_UNAVAILABLE: [503, "The chain node cannot be reached; retry later."],
  DATABASE_UNAVAILABLE: [503, "The gateway's database cannot be reached; retry later with the same Idempotency-Key."],
  SHUTTING_DOWN: [503, "The gateway is shutting down; retry on another instance or later."],
  SIGNER_UNAVAILABLE: [
    503,
    "A remote signer holding one of the gateway's keys does not answer (or answers wrongly); accepted operations stay pending and are posted once it answers again. Check the signer named in details.signers.",
  ],
  // --- participants' sign-in (EIP-4361) and sessions
  SIGN_IN_MESSAGE_INVALID: [401, "The sign-in message is not an EIP-4361 message; request a nonce and sign a new one."],
  SIGN_IN_DOMAIN_MISMATCH: [401, "The sign-in message names another site (domain or URI) than this gateway."],
  SIGN_IN_CHAIN_MISMATCH: [401, "The sign-in message names another chain than the ledger's."],
  SIGN_IN_MESSAGE_EXPIRED: [401, "The sign-in message has expired, is not yet valid, or was issued too long ago."],
  SIGN_IN_SIGNATURE_INVALID: [401, "The sign-in signature is not the message address's (nor its ERC-1271 wallet's)."],
  SIGN_IN_NONCE_INVALID: [401, "The sign-in nonce is unknown, expired or already used; request a new one."],
  NOT_YOUR_ACCOUNT: [403, "A participant's session acts and reads for its own address only."],
  SESSION_INVALID: [401, "The session is unknown, ended or expired; sign in again."],
  CSRF_TOKEN_INVALID: [403, "A write with the session cookie needs the session's X-CSRF-Token header."],
  INTERNAL: [500, "Unexpected error; retry, and report the request id if it persists."],
  // --- transfers (TransferCheck order of the ledger)
  PLATFORM_PAUSED: [422, "The platform is paused by the authority; retry after it is unpaused."],
  OPERATOR_NOT_PERMITTED: [
    422,
    "The operator signing for this gateway has no active permit (none, suspended or revoked): no operator action (registrations, acknowledgements, disclosures, freezes, issuance, decision changes, relays) is accepted until the authority grants or resumes it; nothing was submitted.",
  ],
  ASSET_NOT_ACTIVE: [422, "The asset is suspended, closed or unknown; check the asset's status."],
  SENDER_NOT_REGISTERED: [
    422,
    "The sender is not a registered participant; the operator must register them after KYC.",
  ],
  RECIPIENT_NOT_REGISTERED: [
    422,
    "The recipient is not a registered participant; the operator must register them after KYC.",
  ],
  SENDER_FROZEN: [
    422,
    "The sender is frozen; whoever ordered the freeze lifts it, and a freeze the authority ordered only the authority (GET /v1/participants/{address}: onChain.frozenByAuthority).",
  ],
  RECIPIENT_FROZEN: [
    422,
    "The recipient is frozen; whoever ordered the freeze lifts it, and a freeze the authority ordered only the authority (GET /v1/participants/{address}: onChain.frozenByAuthority).",
  ],
  SENDER_DISCLOSURE_NOT_ACKNOWLEDGED: [
    422,
    "The sender has not acknowledged the current risk disclosure; have them sign it first (Art. 6.4).",
  ],
  RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED: [
    422,
    "The recipient has not acknowledged the current risk disclosure; have them sign it first (Art. 6.4).",
  ],
  INSUFFICIENT_BALANCE: [422, "The sender's balance (less pending transfers) is below the amount; lower the amount."],
  INSUFFICIENT_UNFROZEN_BALANCE: [
    422,
    "The sender's unfrozen balance (less pending transfers) is below the amount; lower the amount or lift the freeze.",
  ],
  AUTHORIZATION_EXPIRED: [422, "The signed authorization's deadline has passed; have the holder sign a new one."],
  NONCE_USED: [
    409,
    "This nonce was already used or is pending; sign with the holder's next nonce (GET /v1/holders/{address}/nonces/{assetId}).",
  ],
  HOLDER_WAITING_LIMIT: [
    409,
    "Too many of this holder's authorizations already wait behind a missing nonce; send the missing one first.",
  ],
  NONCE_NOT_NEXT: [
    409,
    "This nonce skips ahead; sign with the holder's next nonce (GET /v1/holders/{address}/nonces/{assetId}).",
  ],
  SIGNATURE_INVALID: [
    422,
    "The signature is not the holder's over this payload, chain and contract; re-sign with the ledger's EIP-712 domain. details.recoveredSigner is whom the signature recovers to, details.typedData the EIP-712 payload checked (domain, types, primaryType, message, digest).",
  ],
  AMOUNT_ZERO: [422, "The amount must be positive."],
  TRANSFER_TO_SELF: [
    422,
    "The sender and the recipient are the same account: a transfer to oneself would move nothing; name another recipient.",
  ],
  NONCE_EXHAUSTED: [
    422,
    "The holder's authorization nonce for this asset has reached its last value (2^32-1): no further signed transfer or redemption of this asset can come from this account; its units can still move by an authority order (forced transfer).",
  ],
  APPROVALS_DISABLED: [
    422,
    "ERC-1155 operator approvals are disabled on this ledger: units move only by their holder, by a holder-signed authorization relayed by a permitted operator, or by an authority order.",
  ],
  // --- participants / disclosures
  PARTICIPANT_NOT_REGISTERED: [422, "The account is not a registered participant; register it first."],
  PARTICIPANT_ALREADY_REGISTERED: [409, "The account is already registered."],
  PARTICIPANT_FROZEN: [409, "The participant is already frozen."],
  PARTICIPANT_NOT_FROZEN: [409, "The participant is not frozen."],
  PARTICIPANT_FROZEN_BY_AUTHORITY: [
    409,
    "The participant was frozen by the authority's order; an operator cannot lift it. Only the authority can unfreeze (with an authority key).",
  ],
  FROZEN_UNITS_ORDERED_BY_AUTHORITY: [
    409,
    "These units were frozen by the authority's order; an operator cannot change the frozen amount. Only the authority can (with an authority key).",
  ],
  PARTICIPANT_INVALID: [422, "The participant's account, kind or identity is invalid; fix the request."],
  REASON_MISSING: [422, "A reason is required; state it."],
  DISCLOSURE_NOT_PUBLISHED: [422, "No risk disclosure is published yet; publish one first."],
  DISCLOSURE_VERSION_NOT_CURRENT: [
    409,
    "This disclosure version is not the current one; acknowledge the current version.",
  ],
  DISCLOSURE_ALREADY_ACKNOWLEDGED: [409, "The participant already acknowledged this version."],
  DISCLOSURE_INVALID: [422, "A disclosure needs a text (or hash) and a URI."],
  DISCLOSURE_NOT_ACKNOWLEDGED: [422, "The participant has not acknowledged the current risk disclosure (Art. 6.4)."],
  ACKNOWLEDGEMENT_EXPIRED: [422, "The acknowledgement's deadline has passed; have the participant sign again."],
  ACKNOWLEDGEMENT_SIGNATURE_INVALID: [
    422,
    "The acknowledgement is not signed by the participant over the current disclosure; re-sign. details.recoveredSigner is whom the signature recovers to, details.typedData the EIP-712 payload checked (domain, types, primaryType, message, digest).",
  ],
  // --- permits / asset types / platform
  PERMIT_ALREADY_GRANTED: [409, "The operator already holds a permit; suspend, resume or revoke it instead."],
  PERMIT_NOT_FOUND: [404, "The operator has no permit."],
  PERMIT_ALREADY_REVOKED: [409, "The permit is already revoked."],
  PERMIT_NOT_ACTIVE: [409, "The permit is not active."],
  PERMIT_NOT_SUSPENDED: [409, "The permit is not suspended (or its suspension has ended)."],
  PERMIT_SUSPENSION_END_NOT_IN_FUTURE: [422, "The suspension end must be in the future."],
  PERMIT_DETAIL_MISSING: [422, "A permit detail is missing; see details.field."],
  PERMIT_IDENTIFICATION_NUMBER_INVALID: [
    422,
    "The operator's BIN must be 12 digits with a valid control digit (mod 11).",
  ],
  PERMIT_REASON_MISSING: [422, "A reason (or court decision reference) is required."],
  PERMIT_INVALID_OPERATOR: [422, "The operator address is invalid."],
  ASSET_TYPE_NOT_RECOGNISED: [422, "The asset type is not on the authority's list (Art. 4.1.8); use a listed type."],
  ASSET_TYPE_ALREADY_LISTED: [409, "The asset type is already listed."],
  ASSET_TYPE_CATEGORY_NOT_ELIGIBLE: [
    422,
    "Money, legal tender, units of account and securities cannot be secured digital assets (Art. 5.1).",
  ],
  ASSET_TYPE_INVALID: [422, "An asset type needs a code and a name."],
  PLATFORM_ALREADY_PAUSED: [409, "The platform is already paused."],
  PLATFORM_NOT_PAUSED: [409, "The platform is not paused."],
  ROLE_MISSING_ON_CHAIN: [
    422,
    "The signing account lacks the on-chain role for this action; the authority must grant it.",
  ],
  // --- on-chain roles (GET/POST/DELETE /v1/roles)
  ROLE_UNKNOWN: [
    404,
    "No such role; the ledger's roles are OPERATOR and VERIFIER (granted and revoked here), AUTHORITY and DEFAULT_ADMIN (read only).",
  ],
  ROLE_NOT_MANAGED: [
    422,
    "This role is read only through the gateway (AUTHORITY, DEFAULT_ADMIN); only OPERATOR and VERIFIER are granted and revoked here.",
  ],
  ROLE_ALREADY_GRANTED: [409, "The account already holds this role on chain; nothing was submitted."],
  ROLE_NOT_HELD: [409, "The account does not hold this role on chain; nothing was submitted."],
  ROLE_CHANGE_PENDING: [
    409,
    "A grant or revocation of this role for this account is still to be posted (details.operation); wait for it, then read GET /v1/roles/{role}.",
  ],
  // --- issuance (Art. 5.2: each missing element its own code)
  ISSUANCE_REQUEST_NOT_FOUND: [404, "No such issuance request."],
  ISSUANCE_STATE_INVALID: [409, "The issuance request is not in a state that allows this step; read its status."],
  ISSUANCE_DECISION_HASH_MISSING: [422, "The issuance decision's document hash is missing (Art. 5.1.2)."],
  ISSUANCE_DECISION_URI_MISSING: [422, "The issuance decision's URI is missing (Art. 7)."],
  ISSUANCE_RIGHTS_TYPE_MISSING: [422, "The type of rights is missing (Art. 5.1.2)."],
  ISSUANCE_RIGHTS_EXTENT_MISSING: [422, "The extent of rights is missing (Art. 5.1.2)."],
  ISSUANCE_UNITS_INVALID: [422, "Units must be between 1 and 2^96-1."],
  ISSUER_LEGAL_NAME_MISSING: [422, "The issuer's legal name is missing (Art. 5.1.5)."],
  ISSUER_IDENTIFICATION_NUMBER_INVALID: [
    422,
    "The issuer's BIN/IIN must be 12 digits ending in a valid control digit (mod 11; Art. 5.1.5).",
  ],
  ISSUER_ADDRESS_MISSING: [422, "The issuer's registered address is missing (Art. 5.1.5)."],
  COLLATERAL_EVIDENCE_MISSING: [422, "The collateral evidence hash is missing (Art. 5.1.6)."],
  COLLATERAL_ASSET_TYPE_MISMATCH: [422, "The attestation is for another asset type; attest the requested type."],
  COLLATERAL_ATTESTATION_EXPIRED: [
    422,
    "The collateral attestation has expired; the verifier must attest again (Art. 6.8).",
  ],
  COLLATERAL_ATTESTATION_USED: [
    409,
    "This owner's attestation nonce was already used; file a request with a new nonce.",
  ],
  COLLATERAL_VERIFIER_NOT_TRUSTED: [422, "The verifier is not a trusted collateral verifier on the ledger."],
  COLLATERAL_ATTESTATION_SIGNATURE_INVALID: [
    422,
    "The attestation is not signed by the verifier over this owner, evidence, asset type, units, nonce and expiry. details.recoveredSigner is whom the signature recovers to, details.typedData the EIP-712 payload checked (domain, types, primaryType, message, digest).",
  ],
  COLLATERAL_VERIFIER_NOT_NAMED: [
    422,
    "The attestation is signed by another verifier than the one the owner named in the signed request (details.named); the named verifier must attest, or the owner must sign a new request naming this verifier.",
  ],
  COLLATERAL_UNITS_MISMATCH: [
    422,
    "The collateral attestation covers another number of units than the request; the verifier must attest the requested units.",
  ],
  ISSUANCE_REQUEST_EXPIRED: [422, "The owner's request deadline has passed; the owner must sign a new request."],
  ISSUANCE_REQUEST_SIGNATURE_INVALID: [
    422,
    "The request is not signed by the owner (Art. 6.5); the owner must sign it. details.recoveredSigner is whom the signature recovers to, details.typedData the EIP-712 payload checked (domain, types, primaryType, message, digest).",
  ],
  // --- assets
  ASSET_NOT_FOUND: [404, "No such asset."],
  ASSET_NOT_SUSPENDED: [409, "The asset is not suspended."],
  OBLIGATIONS_OUTSTANDING: [409, "Units are still outstanding; redeem them before declaring obligations fulfilled."],
  ISSUER_SIGNATURE_INVALID: [
    422,
    "The signature is not the issuer's (the account the asset was issued to) over this asset and payload, chain and contract; have the issuer sign it. details.recoveredSigner is whom the signature recovers to, details.typedData the EIP-712 payload checked (domain, types, primaryType, message, digest).",
  ],
  OBLIGATIONS_DECLARATION_EXPIRED: [
    422,
    "The issuer's signed declaration has passed its deadline; have the issuer sign a new one.",
  ],
  FORCED_TRANSFER_BASIS_MISSING: [422, "A forced transfer needs a legal basis and a reference to it."],
  DECISION_CHANGE_WHILE_CLOSED: [409, "The asset is closed; its decision can no longer change."],
  DECISION_CHANGE_EXPIRED: [
    422,
    "The issuer's signed decision change has passed its deadline; have the issuer sign a new one.",
  ],
  DECISION_CHANGE_REPLAYED: [
    409,
    "This signed decision change was already applied: the issuer's signature changes the decision once; have the issuer sign the new change.",
  ],
  DEPLOYMENT_AUTHORITY_MISSING: [
    422,
    "The ledger cannot be deployed without the designated authority's address; set the authority parameter.",
  ],
  INVALID_RECEIVER: [422, "The recipient address is invalid."],
  DOCUMENT_URI_SCHEME_NOT_ALLOWED: [
    422,
    "Published documents must be served over https; this gateway accepts http only where the operator set DOCUMENT_URI_ALLOW_HTTP.",
  ],
  // --- submission outcomes
  TRANSACTION_REVERTED: [422, "The transaction reverted for a reason the gateway does not know; see details."],
  EVENT_UNDECODABLE: [
    502,
    "The transaction was mined, but one of its events does not decode, so the gateway cannot tell the outcome; check the transaction on chain (details.txHash, details.logIndex).",
  ],
  // --- supervision (subscriptions, monitoring, alerts)
  SUBSCRIPTION_NOT_FOUND: [404, "No such subscription among yours; list them with GET /v1/subscriptions."],
  SUBSCRIPTION_URL_INVALID: [422, "The webhook URL must be an http or https URL."],
  SUBSCRIPTION_URL_NOT_ALLOWED: [
    422,
    "The webhook URL's host is not a public address and not in a network the operator allowed (OUTBOUND_ALLOW); use a reachable public URL or ask the operator to list the receiver's network.",
  ],
  REPLAY_SEQUENCE_INVALID: [
    422,
    "fromSequence is beyond the subscription's last delivery sequence; see details.lastSequence.",
  ],
  MONITORING_RULE_NOT_FOUND: [404, "No such monitoring rule."],
  MONITORING_RULE_INVALID: [422, "The monitoring rule is inconsistent; see details.problem."],
  MONITORING_REPORT_NOT_FOUND: [404, "No such monitoring report."],
  MONITORING_REPORT_STATE_INVALID: [
    409,
    "The report is not in a state that allows this step (open → acknowledged → closed).",
  ],
  ASSET_VALUE_NOT_DECLARED: [
    404,
    "No unit value is declared for this asset; set one with PUT /v1/assets/{assetId}/declared-value.",
  ],
  ALERT_NOT_FOUND: [404, "No such alert."],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERRORS, code);

/**
 * The message of an error given its details: the catalogue's, except where the details make it precise
 * (ROLE_MISSING_ON_CHAIN names the account and the role it lacks). The code stays the stable part.
 */
export function errorMessage(code: ErrorCode, details?: Record<string, unknown>): string {
  if (code === "ROLE_MISSING_ON_CHAIN" && details && Array.isArray(details.roles) && details.roles.length > 0) {
    const roles = details.roles.map(String);
    const account = typeof details.account === "string" ? `The account ${details.account}` : "The signing account";
    const how =
      roles.length === 1 && (roles[0] === "OPERATOR" || roles[0] === "VERIFIER")
        ? ` (POST /v1/roles/${roles[0]}/members)`
        : "";
    return `${account} lacks the on-chain role ${roles.join(" or ")} for this action; the authority must grant it${how}.`;
  }
  return ERRORS[code][1];
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly details?: Record<string, unknown>,
    message?: string,
  ) {
    super(message ?? errorMessage(code, details));
    this.status = ERRORS[code][0];
  }

  /** Whether the request was understood and refused by a rule of the platform or the ledger (not a fault, not input). */
  get isRuleRefusal(): boolean {
    return this.status === 422;
  }

  toBody(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }

  /**
   * The RFC 9457 problem details of this error: `type` resolves to the code's catalogue entry, `title` is the
   * code's catalogue message (the same for every occurrence), `detail` this occurrence's message; `code` is the
   * stable extension member; validation problems list their fields in `errors`. The pre-RFC body
   * (`error: { code, message, details }`) is kept beside it for one version (deprecated).
   */
  toProblem(instance: string, requestId: string): Problem {
    const issues = this.code === "VALIDATION_FAILED" ? this.details?.issues : undefined;
    const where = typeof this.details?.in === "string" ? this.details.in : "body";
    return {
      type: `/v1/errors/${this.code}`,
      title: ERRORS[this.code][1],
      status: this.status,
      detail: this.message,
      instance,
      code: this.code,
      requestId,
      ...(Array.isArray(issues)
        ? {
            errors: (issues as { path?: unknown; message?: unknown }[]).map((i) => ({
              in: where,
              path: typeof i.path === "string" ? i.path : "",
              message: typeof i.message === "string" ? i.message : "",
            })),
          }
        : {}),
      ...(this.details ? { details: this.details } : {}),
      ...this.toBody(),
    };
  }
}

/** An RFC 9457 problem details body as the gateway sends it (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  requestId: string;
  errors?: { in: string; path: string; message: string }[];
  details?: Record<string, unknown>;
  /** Deprecated: the pre-RFC 9457 body, kept for one version. */
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** The catalogue as served by GET /v1/errors and documented in docs/errors.md. */
export function errorCatalogue(): { code: ErrorCode; status: number; title: string; type: string }[] {
  return (Object.keys(ERRORS) as ErrorCode[]).map((code) => ({
    code,
    status: ERRORS[code][0],
    title: ERRORS[code][1],
    type: `/v1/errors/${code}`,
  }));
}

/** The ledger's TransferCheck reasons as stable codes (`Ok` has none). */
export const TRANSFER_CHECK_CODES: Record<TransferCheck, ErrorCode | null> = {
  Ok: null,
  PlatformPaused: "PLATFORM_PAUSED",
  OperatorNotPermitted: "OPERATOR_NOT_PERMITTED",
  AssetNotActive: "ASSET_NOT_ACTIVE",
  SenderNotRegistered: "SENDER_NOT_REGISTERED",
  RecipientNotRegistered: "RECIPIENT_NOT_REGISTERED",
  SenderFrozen: "SENDER_FROZEN",
  RecipientFrozen: "RECIPIENT_FROZEN",
  SenderNotAcknowledged: "SENDER_DISCLOSURE_NOT_ACKNOWLEDGED",
  RecipientNotAcknowledged: "RECIPIENT_DISCLOSURE_NOT_ACKNOWLEDGED",
  InsufficientBalance: "INSUFFICIENT_BALANCE",
  InsufficientUnfrozenBalance: "INSUFFICIENT_UNFROZEN_BALANCE",
  AuthorizationExpired: "AUTHORIZATION_EXPIRED",
  NonceMismatch: "NONCE_USED",
  SignatureInvalid: "SIGNATURE_INVALID",
  ZeroAmount: "AMOUNT_ZERO",
  SelfTransfer: "TRANSFER_TO_SELF",
  NonceExhausted: "NONCE_EXHAUSTED",
};

/** The code of a TransferCheck reason as the ledger returns it (its ABI position); an unknown reason is a revert. */
export function transferCheckCode(position: number | bigint): ErrorCode {
  const check = TRANSFER_CHECKS[Number(position)] as TransferCheck | undefined;
  return (check && TRANSFER_CHECK_CODES[check]) ?? "TRANSACTION_REVERTED";
}

/** The ledger's custom errors (by name) as stable codes. */
export const CONTRACT_ERROR_CODES: Record<string, ErrorCode> = {
  EnforcedPause: "PLATFORM_PAUSED",
  ExpectedPause: "PLATFORM_NOT_PAUSED",
  OperatorNotPermitted: "OPERATOR_NOT_PERMITTED",
  AssetNotActive: "ASSET_NOT_ACTIVE",
  AssetNotFound: "ASSET_NOT_FOUND",
  AssetNotSuspended: "ASSET_NOT_SUSPENDED",
  ParticipantNotRegistered: "PARTICIPANT_NOT_REGISTERED",
  ParticipantAlreadyRegistered: "PARTICIPANT_ALREADY_REGISTERED",
  ParticipantIsFrozen: "PARTICIPANT_FROZEN",
  ParticipantNotFrozen: "PARTICIPANT_NOT_FROZEN",
  ParticipantFrozenByAuthority: "PARTICIPANT_FROZEN_BY_AUTHORITY",
  FrozenUnitsOrderedByAuthority: "FROZEN_UNITS_ORDERED_BY_AUTHORITY",
  ParticipantInvalidAccount: "PARTICIPANT_INVALID",
  ParticipantKindInvalid: "PARTICIPANT_INVALID",
  ParticipantIdentityHashMissing: "PARTICIPANT_INVALID",
  FreezeReasonMissing: "REASON_MISSING",
  ReasonMissing: "REASON_MISSING",
  DisclosureAlreadyAcknowledged: "DISCLOSURE_ALREADY_ACKNOWLEDGED",
  DisclosureNotAcknowledged: "DISCLOSURE_NOT_ACKNOWLEDGED",
  DisclosureNotPublished: "DISCLOSURE_NOT_PUBLISHED",
  DisclosureVersionNotCurrent: "DISCLOSURE_VERSION_NOT_CURRENT",
  DisclosureInvalid: "DISCLOSURE_INVALID",
  AcknowledgementExpired: "ACKNOWLEDGEMENT_EXPIRED",
  AcknowledgementSignatureInvalid: "ACKNOWLEDGEMENT_SIGNATURE_INVALID",
  PermitAlreadyGranted: "PERMIT_ALREADY_GRANTED",
  PermitNotFound: "PERMIT_NOT_FOUND",
  PermitAlreadyRevoked: "PERMIT_ALREADY_REVOKED",
  PermitSuspensionEndNotInFuture: "PERMIT_SUSPENSION_END_NOT_IN_FUTURE",
  PermitNotSuspended: "PERMIT_NOT_SUSPENDED",
  PermitNotActive: "PERMIT_NOT_ACTIVE",
  PermitDetailMissing: "PERMIT_DETAIL_MISSING",
  PermitIdentificationNumberInvalid: "PERMIT_IDENTIFICATION_NUMBER_INVALID",
  PermitReasonMissing: "PERMIT_REASON_MISSING",
  PermitInvalidOperator: "PERMIT_INVALID_OPERATOR",
  AssetTypeCategoryNotEligible: "ASSET_TYPE_CATEGORY_NOT_ELIGIBLE",
  AssetTypeAlreadyListed: "ASSET_TYPE_ALREADY_LISTED",
  AssetTypeNotRecognised: "ASSET_TYPE_NOT_RECOGNISED",
  AssetTypeInvalid: "ASSET_TYPE_INVALID",
  AccessControlUnauthorizedAccount: "ROLE_MISSING_ON_CHAIN",
  IssuanceDecisionHashMissing: "ISSUANCE_DECISION_HASH_MISSING",
  IssuanceDecisionURIMissing: "ISSUANCE_DECISION_URI_MISSING",
  IssuanceRightsTypeMissing: "ISSUANCE_RIGHTS_TYPE_MISSING",
  IssuanceRightsExtentMissing: "ISSUANCE_RIGHTS_EXTENT_MISSING",
  IssuanceUnitsInvalid: "ISSUANCE_UNITS_INVALID",
  IssuerLegalNameMissing: "ISSUER_LEGAL_NAME_MISSING",
  IssuerIdentificationNumberInvalid: "ISSUER_IDENTIFICATION_NUMBER_INVALID",
  IssuerAddressMissing: "ISSUER_ADDRESS_MISSING",
  CollateralEvidenceMissing: "COLLATERAL_EVIDENCE_MISSING",
  CollateralAssetTypeMismatch: "COLLATERAL_ASSET_TYPE_MISMATCH",
  CollateralAttestationExpired: "COLLATERAL_ATTESTATION_EXPIRED",
  CollateralAttestationUsed: "COLLATERAL_ATTESTATION_USED",
  CollateralVerifierNotTrusted: "COLLATERAL_VERIFIER_NOT_TRUSTED",
  CollateralAttestationSignatureInvalid: "COLLATERAL_ATTESTATION_SIGNATURE_INVALID",
  CollateralUnitsMismatch: "COLLATERAL_UNITS_MISMATCH",
  IssuanceRequestExpired: "ISSUANCE_REQUEST_EXPIRED",
  IssuanceRequestSignatureInvalid: "ISSUANCE_REQUEST_SIGNATURE_INVALID",
  TransferAmountZero: "AMOUNT_ZERO",
  TransferAuthorizationExpired: "AUTHORIZATION_EXPIRED",
  TransferNonceMismatch: "NONCE_USED",
  TransferSignatureInvalid: "SIGNATURE_INVALID",
  TransferToSelf: "TRANSFER_TO_SELF",
  TransferNonceExhausted: "NONCE_EXHAUSTED",
  ApprovalsDisabled: "APPROVALS_DISABLED",
  LedgerAuthorityMissing: "DEPLOYMENT_AUTHORITY_MISSING",
  InsufficientBalance: "INSUFFICIENT_BALANCE",
  ERC7943InsufficientUnfrozenBalance: "INSUFFICIENT_UNFROZEN_BALANCE",
  ERC1155InvalidReceiver: "INVALID_RECEIVER",
  ForcedTransferBasisMissing: "FORCED_TRANSFER_BASIS_MISSING",
  ObligationsOutstanding: "OBLIGATIONS_OUTSTANDING",
  IssuerSignatureInvalid: "ISSUER_SIGNATURE_INVALID",
  ObligationsDeclarationExpired: "OBLIGATIONS_DECLARATION_EXPIRED",
  DecisionChangeWhileClosed: "DECISION_CHANGE_WHILE_CLOSED",
  DecisionChangeExpired: "DECISION_CHANGE_EXPIRED",
  DecisionChangeReplayed: "DECISION_CHANGE_REPLAYED",
};

/** Error codes of a connection that failed or was lost (Node's socket errors and PostgreSQL's class 08 and 57P0x). */
const CONNECTION_FAILURES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "57P01",
  "57P02",
  "57P03",
]);

/**
 * Whether a database driver's error means the database could not be reached (503 DATABASE_UNAVAILABLE, worth a
 * retry), not that the request was wrong. Follows TypeORM's `driverError` and an AggregateError's causes.
 */
export function isDatabaseConnectionFailure(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === "string" && CONNECTION_FAILURES.has(e.code)) return true;
  if (
    typeof e.message === "string" &&
    /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      e.message,
    )
  )
    return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseConnectionFailure(x, depth + 1))) return true;
  return isDatabaseConnectionFailure(e.driverError, depth + 1) || isDatabaseConnectionFailure(e.cause, depth + 1);
}
