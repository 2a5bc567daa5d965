// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155Utils} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Utils.sol";
import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";
import {IERC7943MultiTokenChecks} from "../interfaces/IERC7943MultiToken.sol";
import {AssetTypeRegister} from "../registers/AssetTypeRegister.sol";
import {ParticipantRegister} from "../registers/ParticipantRegister.sol";
import {PermitRegister} from "../registers/PermitRegister.sol";

/**
 * @title LedgerCore
 * @notice The accounting of the ledger: holdings, assets and the one hook through which every balance change passes
 * (issuance, relayed and direct transfers, redemption, forced transfers): {_update} for one asset, with the posting's
 * context. Extensions override it and call `super`, as OpenZeppelin's token extensions do: compliance checks before,
 * records after. ERC-1155's array hook is sealed and calls it once per asset, so no movement can bypass it.
 * @dev The context (relaying operator, reference, flags) is passed as an argument rather than kept in storage, so
 * a re-entrant call (a contract wallet's acceptance hook) can never see another posting's context.
 */
abstract contract LedgerCore is
    ERC1155,
    AssetTypeRegister,
    ParticipantRegister,
    ISecuredAssetLedger,
    IERC7943MultiTokenChecks
{
    /// @dev One slot per holder and asset: balance, frozen units, the authorization nonce and the freeze's origin
    /// change together. A balance never exceeds the asset's supply, which fits in uint96.
    struct Holding {
        uint96 balance;
        uint96 frozen;
        uint32 nonce;
        bool frozenByAuthority;
    }

    /// @dev The part of an asset every transfer reads and writes, in one slot.
    struct AssetCore {
        bytes24 recordHead;
        uint56 recordCount;
        AssetStatus status;
    }

    /// @dev Rights type, rights extent, collateral evidence and the issuer's texts are in the issuance events only.
    struct AssetTerms {
        address issuer;
        bytes32 assetType;
        bytes32 decisionHash;
        bytes32 issuerDetailsHash;
        uint96 issuedUnits;
        uint96 supply;
        uint64 issuedAt;
        string decisionURI;
    }

    /**
     * @dev What a movement carries besides its parties: the relaying operator (zero for a holder's own call or an
     * authority order), the reference recorded with it (the decision hash for an issuance) and the POST_* flags.
     */
    struct Posting {
        address operator;
        uint8 flags;
        bytes32 ref;
    }

    uint8 internal constant POST_FORCED = 1;
    uint8 internal constant POST_ADVANCES_NONCE = 2;
    /// @dev the poster has just run every rule of the compliance check (a batch checks each item before posting it)
    uint8 internal constant POST_PRECHECKED = 4;

    mapping(uint256 assetId => mapping(address account => Holding)) private _holdings;
    mapping(uint256 assetId => AssetCore) private _cores;
    mapping(uint256 assetId => AssetTerms) private _termsOf;
    uint256 private _assetCount;

    /// @notice ERC-1155 approvals are disabled (see ApprovalsDisabled): nobody moves another's units by approval.
    /// @dev Pure, as nothing is read: a wallet using ERC-1155's ABI sends a transaction that reverts the same way.
    function setApprovalForAll(address, bool) public pure override {
        revert ApprovalsDisabled();
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view virtual override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @inheritdoc ISecuredAssetLedger
    function nonceOf(address account, uint256 assetId) external view returns (uint256) {
        return _holdings[assetId][account].nonce;
    }

    /// @inheritdoc ISecuredAssetLedger
    function assetInfo(uint256 assetId) external view returns (AssetInfo memory info) {
        AssetCore storage core = _cores[assetId];
        AssetTerms storage terms = _termsOf[assetId];
        info = AssetInfo({
            status: core.status,
            issuer: terms.issuer,
            assetType: terms.assetType,
            decisionHash: terms.decisionHash,
            decisionURI: terms.decisionURI,
            issuerDetailsHash: terms.issuerDetailsHash,
            issuedUnits: terms.issuedUnits,
            supply: terms.supply,
            issuedAt: terms.issuedAt,
            recordCount: core.recordCount,
            recordHead: core.recordHead
        });
    }

    /// @notice Units of `assetId` outstanding.
    function totalSupply(uint256 assetId) external view returns (uint256) {
        return _termsOf[assetId].supply;
    }

    /// @notice Units of `id` held by `account`.
    function balanceOf(address account, uint256 id) public view override returns (uint256) {
        return _holdings[id][account].balance;
    }

    /// @notice The URI of the asset's issuance decision (Art. 7.1).
    function uri(uint256 id) public view override returns (string memory) {
        return _termsOf[id].decisionURI;
    }

    function _grantRole(bytes32 role, address account)
        internal
        override(AccessControl, PermitRegister)
        returns (bool)
    {
        return super._grantRole(role, account);
    }

    function _revokeRole(bytes32 role, address account)
        internal
        override(AccessControl, PermitRegister)
        returns (bool)
    {
        return super._revokeRole(role, account);
    }

    /**
     * @dev The platform's own postings: one movement through {_update}, its ERC-1155 event and, for a recipient that
     * is a registered contract wallet, its acceptance hook (after every effect).
     */
    function _post(Posting memory posting, address from, address to, uint256 id, uint256 value) internal {
        _update(from, to, id, value, posting);
        emit TransferSingle(_msgSender(), from, to, id, value);
        if (to != address(0) && _participant(to).contractWallet) {
            ERC1155Utils.checkOnERC1155Received(_msgSender(), from, to, id, value, "");
        }
    }

    /**
     * @dev ERC-1155's own entry points (a holder's safeTransferFrom and safeBatchTransferFrom; approvals are
     * disabled) land here. The acceptance call is made to recipients registered as contract wallets only: a
     * registered externally owned account cannot reject units, and skipping the cold EXTCODESIZE saves 2,600 gas. An
     * unregistered recipient was refused by {_update} before this point.
     */
    function _updateWithAcceptanceCheck(
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory values,
        bytes memory data,
        bool batch
    ) internal override {
        _update(from, to, ids, values);
        if (to != address(0) && _participant(to).contractWallet) {
            if (batch) {
                ERC1155Utils.checkOnERC1155BatchReceived(_msgSender(), from, to, ids, values, data);
            } else {
                ERC1155Utils.checkOnERC1155Received(_msgSender(), from, to, ids[0], values[0], data);
            }
        }
    }

    /**
     * @dev Sealed (not virtual): each asset of an ERC-1155 transfer goes through {_update} for one asset, in order,
     * so the second item of a batch is checked against the balance the first left.
     */
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        uint256 n = ids.length;
        if (n != values.length) revert ERC1155InvalidArrayLength(n, values.length);
        Posting memory direct;
        for (uint256 i = 0; i < n; ++i) {
            _update(from, to, ids[i], values[i], direct);
        }
        if (n == 1) {
            emit TransferSingle(_msgSender(), from, to, ids[0], values[0]);
        } else {
            emit TransferBatch(_msgSender(), from, to, ids, values);
        }
    }

    /**
     * @dev The hook every balance change passes, here the accounting: balances, supply, the sender's nonce when the
     * posting advances it, and the frozen units a forced transfer releases. Extensions check before and record after.
     */
    function _update(address from, address to, uint256 id, uint256 value, Posting memory posting) internal virtual {
        if (from == address(0)) {
            // Issuance mints each asset once, with units <= type(uint96).max (IssuanceRules).
            // forge-lint: disable-next-line(unsafe-typecast)
            _termsOf[id].supply += uint96(value);
        } else {
            _debit(from, id, value, posting.flags);
        }
        unchecked {
            if (to == address(0)) {
                // Burned units were held, so they are part of the supply.
                // forge-lint: disable-next-line(unsafe-typecast)
                _termsOf[id].supply -= uint96(value);
            } else {
                // A balance never exceeds the supply, which fits in uint96.
                // forge-lint: disable-next-line(unsafe-typecast)
                _holdings[id][to].balance += uint96(value);
            }
        }
    }

    function _debit(address from, uint256 id, uint256 value, uint8 flags) private {
        Holding storage holding = _holdings[id][from];
        uint256 balance = holding.balance;
        if (balance < value) revert InsufficientBalance(from, id, balance, value);
        uint96 remaining;
        // Checked just above; a balance fits in uint96.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            remaining = uint96(balance - value);
        }
        holding.balance = remaining;
        // Checked arithmetic: a nonce never wraps to a value already spent (the rules refuse the last one).
        if (flags & POST_ADVANCES_NONCE != 0) holding.nonce += 1;
        if (flags & POST_FORCED != 0) _releaseForced(holding, from, id, balance, value);
    }

    /**
     * @dev ERC-7943: a forced transfer releases only the frozen units it takes. With more frozen than held, the
     * units not taken stay frozen and withhold what the account receives later.
     */
    function _releaseForced(Holding storage holding, address from, uint256 id, uint256 balance, uint256 value) private {
        uint256 frozen = holding.frozen;
        uint256 unfrozen = _unfrozen(balance, frozen);
        if (value <= unfrozen) return;
        uint96 left;
        // value <= balance, so value - unfrozen <= frozen, which fits in uint96.
        unchecked {
            // forge-lint: disable-next-line(unsafe-typecast)
            left = uint96(frozen - (value - unfrozen));
        }
        holding.frozen = left;
        if (left == 0) holding.frozenByAuthority = false;
        emit Frozen(from, id, left);
    }

    /// @inheritdoc ISecuredAssetLedger
    function assetCount() external view returns (uint256) {
        return _assetCount;
    }

    /// @dev Assets are numbered from 1 in the order they are created.
    function _nextAssetId() internal returns (uint256) {
        return ++_assetCount;
    }

    function _assetCountNow() internal view returns (uint256) {
        return _assetCount;
    }

    /// @dev The asset mappings themselves, for a library that writes them (LedgerMigration).
    function _assetStorage()
        internal
        view
        returns (
            mapping(uint256 => AssetCore) storage cores,
            mapping(uint256 => AssetTerms) storage terms,
            mapping(uint256 => mapping(address => Holding)) storage holdings
        )
    {
        return (_cores, _termsOf, _holdings);
    }

    function _holding(uint256 assetId, address account) internal view returns (Holding storage) {
        return _holdings[assetId][account];
    }

    function _core(uint256 assetId) internal view returns (AssetCore storage) {
        return _cores[assetId];
    }

    function _terms(uint256 assetId) internal view returns (AssetTerms storage) {
        return _termsOf[assetId];
    }

    function _existingAsset(uint256 assetId) internal view returns (AssetCore storage core) {
        core = _cores[assetId];
        if (core.status == AssetStatus.None) revert AssetNotFound(assetId);
    }

    function _unfrozen(uint256 balance, uint256 frozen) internal pure returns (uint256) {
        return balance > frozen ? balance - frozen : 0;
    }
}
