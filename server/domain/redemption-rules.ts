import type { AssetStatus, TransferCheck } from "./ledger-enums";

/** What the ledger reads when it checks a holder's redemption (its `_ruleCheck` with no recipient). */
export interface RedemptionState {
  paused: boolean;
  operatorPermitted: boolean;
  assetStatus: AssetStatus;
  holderRegistered: boolean;
  holderFrozen: boolean;
  acknowledgedVersion: bigint;
  currentDisclosureVersion: bigint;
  balance: bigint;
  frozenUnits: bigint;
}

/**
 * Why the ledger would refuse to redeem `amount` units now, in its order (LedgerCompliance._ruleCheck): platform
 * paused, posting operator's permit (Art. 6.1), amount, asset active, the holder registered, not frozen and
 * acknowledged the current disclosure (Art. 6.3, 6.4), then its balance and its unfrozen balance. `amount` counts
 * what the holder's pending transfers and redemptions already take. The ledger's own `checkTransfer` answers
 * RecipientNotRegistered for a zero recipient, so a redemption is checked here from the same reads.
 */
export function redemptionCheck(s: RedemptionState, amount: bigint): TransferCheck {
  if (s.paused) return "PlatformPaused";
  if (!s.operatorPermitted) return "OperatorNotPermitted";
  if (amount === 0n) return "ZeroAmount";
  if (s.assetStatus !== "Active") return "AssetNotActive";
  if (!s.holderRegistered) return "SenderNotRegistered";
  if (s.holderFrozen) return "SenderFrozen";
  if (s.currentDisclosureVersion === 0n || s.acknowledgedVersion !== s.currentDisclosureVersion)
    return "SenderNotAcknowledged";
  if (s.balance < amount) return "InsufficientBalance";
  const unfrozen = s.balance > s.frozenUnits ? s.balance - s.frozenUnits : 0n;
  if (amount > unfrozen) return "InsufficientUnfrozenBalance";
  return "Ok";
}
