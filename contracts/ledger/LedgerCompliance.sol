// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC7943MultiTokenChecks} from "../interfaces/IERC7943MultiToken.sol";
import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";
import {LedgerCore} from "./LedgerCore.sol";

/**
 * @title LedgerCompliance
 * @notice The transfer rules of the platform (Law "On digital assets", Art. 6.1, 6.3, 6.4) applied to every balance
 * change in {_update}, the freezes of ERC-7943 with the origin of each order, and the views that explain a refusal
 * before anything is submitted ({checkTransfer}, canSend, canReceive, canTransfer).
 */
abstract contract LedgerCompliance is LedgerCore {
    /// @inheritdoc IERC7943MultiTokenChecks
    function setFrozenTokens(address account, uint256 tokenId, uint256 amount) external returns (bool result) {
        bool byAuthority = _checkAuthorityOrOperator(_msgSender());
        _existingAsset(tokenId);
        Holding storage holding = _holding(tokenId, account);
        if (holding.frozenByAuthority && !byAuthority) revert FrozenUnitsOrderedByAuthority(account, tokenId);
        // More than can ever be held is frozen as all that can be held (ERC-7943 allows freezing beyond the balance);
        // the cast happens only when the amount fits.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint96 frozen = amount > type(uint96).max ? type(uint96).max : uint96(amount);
        bool origin = byAuthority && frozen != 0;
        if (holding.frozen != frozen || holding.frozenByAuthority != origin) {
            holding.frozen = frozen;
            holding.frozenByAuthority = origin;
            emit Frozen(account, tokenId, frozen);
            emit FrozenUnitsOrdered(account, tokenId, _msgSender(), frozen, origin);
        }
        return true;
    }

    /// @inheritdoc ISecuredAssetLedger
    function checkTransfer(address operator, address from, address to, uint256 assetId, uint256 amount)
        external
        view
        returns (TransferCheck)
    {
        if (to == address(0)) return TransferCheck.RecipientNotRegistered;
        return _ruleCheck(operator, from, to, assetId, amount, false);
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function canSend(address account) external view returns (bool allowed) {
        (TransferCheck check, ) = _participantCheck(account, true, currentDisclosureVersion());
        return check == TransferCheck.Ok;
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function canReceive(address account) external view returns (bool allowed) {
        (TransferCheck check, ) = _participantCheck(account, false, currentDisclosureVersion());
        return check == TransferCheck.Ok;
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function getFrozenTokens(address account, uint256 tokenId) external view returns (uint256 amount) {
        return _holding(tokenId, account).frozen;
    }

    /// @inheritdoc ISecuredAssetLedger
    function isFrozenByAuthority(address account, uint256 assetId) external view returns (bool) {
        return _holding(assetId, account).frozenByAuthority;
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function canTransfer(address from, address to, uint256 tokenId, uint256 amount) external view returns (bool allowed) {
        return to != address(0) && _ruleCheck(address(0), from, to, tokenId, amount, false) == TransferCheck.Ok;
    }

    /// @dev Every rule, for every movement, before the accounting; a batch that has just checked skips the repeat.
    function _update(address from, address to, uint256 id, uint256 value, Posting memory posting)
        internal
        virtual
        override
    {
        if (posting.flags & POST_PRECHECKED == 0) {
            TransferCheck check = _ruleCheck(posting.operator, from, to, id, value, posting.flags & POST_FORCED != 0);
            if (check != TransferCheck.Ok) _revertRefusal(check, posting.operator, from, to, id, value);
        }
        super._update(from, to, id, value, posting);
    }

    /**
     * @dev The transfer rules, in the order the gateway reports them: platform paused, posting operator's role and
     * permit (Art. 6.1), amount, asset status, not to oneself, then sender and recipient registered (Art. 6.3), not
     * frozen (Art. 6.3), acknowledged the current disclosure (Art. 6.4), and the sender's unfrozen balance. A forced
     * transfer skips the sender's rules but not the recipient's.
     */
    function _ruleCheck(address operator, address from, address to, uint256 id, uint256 amount, bool forced)
        internal
        view
        returns (TransferCheck)
    {
        (bool isPaused, uint32 disclosureVersion) = _policyState();
        if (isPaused) return TransferCheck.PlatformPaused;
        if (operator != address(0) && !isPermitted(operator)) return TransferCheck.OperatorNotPermitted;
        if (amount == 0) return TransferCheck.ZeroAmount;
        if (_core(id).status != AssetStatus.Active) return TransferCheck.AssetNotActive;
        if (from == to) return TransferCheck.SelfTransfer;
        if (from != address(0)) {
            if (!forced) {
                (TransferCheck senderCheck, ) = _participantCheck(from, true, disclosureVersion);
                if (senderCheck != TransferCheck.Ok) return senderCheck;
            }
            Holding storage holding = _holding(id, from);
            uint256 balance = holding.balance;
            if (balance < amount) return TransferCheck.InsufficientBalance;
            if (!forced && amount > _unfrozen(balance, holding.frozen)) return TransferCheck.InsufficientUnfrozenBalance;
        }
        if (to != address(0)) {
            (TransferCheck recipientCheck, ) = _participantCheck(to, false, disclosureVersion);
            return recipientCheck;
        }
        return TransferCheck.Ok;
    }

    function _participantCheck(address account, bool sender, uint32 current)
        internal
        view
        returns (TransferCheck, bool contractWallet)
    {
        Participant storage p = _participant(account);
        if (p.kind == ParticipantKind.None) {
            return (sender ? TransferCheck.SenderNotRegistered : TransferCheck.RecipientNotRegistered, false);
        }
        if (p.frozen) return (sender ? TransferCheck.SenderFrozen : TransferCheck.RecipientFrozen, false);
        if (current == 0 || p.acknowledgedVersion != current) {
            return (sender ? TransferCheck.SenderNotAcknowledged : TransferCheck.RecipientNotAcknowledged, false);
        }
        return (TransferCheck.Ok, p.contractWallet);
    }

    /// @dev The custom error of a refusal, with the values that explain it.
    function _revertRefusal(TransferCheck check, address operator, address from, address to, uint256 id, uint256 value)
        internal
        view
    {
        if (check == TransferCheck.PlatformPaused) revert EnforcedPause();
        if (check == TransferCheck.OperatorNotPermitted) _checkOperator(operator);
        if (check == TransferCheck.ZeroAmount) revert TransferAmountZero();
        if (check == TransferCheck.AssetNotActive) {
            AssetStatus status = _core(id).status;
            if (status == AssetStatus.None) revert AssetNotFound(id);
            revert AssetNotActive(id, status);
        }
        if (check == TransferCheck.SelfTransfer) revert TransferToSelf(from);
        if (check == TransferCheck.SenderNotRegistered) revert ParticipantNotRegistered(from);
        if (check == TransferCheck.RecipientNotRegistered) revert ParticipantNotRegistered(to);
        if (check == TransferCheck.SenderFrozen) revert ParticipantIsFrozen(from);
        if (check == TransferCheck.RecipientFrozen) revert ParticipantIsFrozen(to);
        if (check == TransferCheck.SenderNotAcknowledged || check == TransferCheck.RecipientNotAcknowledged) {
            address account = check == TransferCheck.SenderNotAcknowledged ? from : to;
            revert DisclosureNotAcknowledged(
                account, _participant(account).acknowledgedVersion, currentDisclosureVersion()
            );
        }
        Holding storage holding = _holding(id, from);
        if (check == TransferCheck.InsufficientBalance) revert InsufficientBalance(from, id, holding.balance, value);
        revert ERC7943InsufficientUnfrozenBalance(from, id, value, _unfrozen(holding.balance, holding.frozen));
    }
}
