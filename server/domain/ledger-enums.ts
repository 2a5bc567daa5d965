/**
 * The ledger's Solidity enums, member by member in declaration order (the ABI carries them as uint8 positions). Listed
 * once here and checked against the compiled contracts by test/unit/ledger-enums.test.ts: a member added, removed or
 * reordered in contracts/interfaces fails that test instead of silently shifting a meaning.
 */

/** IAssetTypeRegister.AssetCategory: the object classes of secured digital assets (Art. 1, Art. 5). */
export const ASSET_CATEGORIES = [
  "None",
  "TangibleAsset",
  "Service",
  "IntellectualProperty",
  "IntellectualService",
  "Money",
  "LegalTender",
  "UnitOfAccount",
  "Security",
  "FinancialInstrument",
] as const;
export type AssetCategory = (typeof ASSET_CATEGORIES)[number];

/** ISecuredAssetLedger.AssetStatus. */
export const ASSET_STATUSES = ["None", "Active", "Suspended", "Closed"] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];

/** ISecuredAssetLedger.TransferCheck: why the ledger would refuse a transfer (`Ok` when it would not). */
export const TRANSFER_CHECKS = [
  "Ok",
  "PlatformPaused",
  "OperatorNotPermitted",
  "AssetNotActive",
  "SenderNotRegistered",
  "RecipientNotRegistered",
  "SenderFrozen",
  "RecipientFrozen",
  "SenderNotAcknowledged",
  "RecipientNotAcknowledged",
  "InsufficientBalance",
  "InsufficientUnfrozenBalance",
  "AuthorizationExpired",
  "NonceMismatch",
  "SignatureInvalid",
  "ZeroAmount",
  "SelfTransfer",
  "NonceExhausted",
] as const;
export type TransferCheck = (typeof TRANSFER_CHECKS)[number];

/** ISecuredAssetLedger.LegalBasis of a forced transfer. */
export const LEGAL_BASES = ["None", "CourtDecision", "Inheritance", "LostKey"] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** IParticipantRegister.ParticipantKind. */
export const PARTICIPANT_KIND_MEMBERS = ["None", "NaturalPerson", "IndividualEntrepreneur", "LegalEntity"] as const;
/** The kinds a participant can be registered as (every member but `None`). */
export const PARTICIPANT_KINDS = ["NaturalPerson", "IndividualEntrepreneur", "LegalEntity"] as const;
export type ParticipantKind = (typeof PARTICIPANT_KINDS)[number];

/** IPermitRegister.PermitStatus. */
export const PERMIT_STATUSES = ["None", "Active", "Suspended", "Revoked"] as const;
export type PermitStatus = (typeof PERMIT_STATUSES)[number];

/** The Solidity enums by name, as the test compares them with the compiled contracts. */
export const LEDGER_ENUMS: Record<string, readonly string[]> = {
  AssetCategory: ASSET_CATEGORIES,
  AssetStatus: ASSET_STATUSES,
  TransferCheck: TRANSFER_CHECKS,
  LegalBasis: LEGAL_BASES,
  ParticipantKind: PARTICIPANT_KIND_MEMBERS,
  PermitStatus: PERMIT_STATUSES,
};

/** The member at an ABI position (a uint8 or bigint from the chain); throws on a position the enum does not have. */
export function enumMember<T extends string>(members: readonly T[], position: number | bigint): T {
  const member = members[Number(position)];
  if (member === undefined) throw new RangeError(`no member at position ${position} (of ${members.length})`);
  return member;
}

/** The ABI position of a member, as a contract call takes it. */
export function enumPosition<T extends string>(members: readonly T[], member: T): number {
  const position = members.indexOf(member);
  if (position < 0) throw new RangeError(`'${member}' is not a member`);
  return position;
}
