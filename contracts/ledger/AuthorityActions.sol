// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";
import {PlatformRoles} from "../access/PlatformRoles.sol";
import {LedgerCore} from "./LedgerCore.sol";

/**
 * @title AuthorityActions
 * @notice The designated authority's measures on assets (Law "On digital assets", Art. 4): suspending and resuming
 * circulation, and transfers ordered on a legal ground (court decision, inheritance, lost key).
 */
abstract contract AuthorityActions is LedgerCore {
    /// @inheritdoc ISecuredAssetLedger
    function suspendAsset(uint256 assetId, string calldata reason) external onlyRole(PlatformRoles.AUTHORITY) {
        AssetCore storage core = _existingAsset(assetId);
        if (core.status != AssetStatus.Active) revert AssetNotActive(assetId, core.status);
        if (bytes(reason).length == 0) revert ReasonMissing();
        core.status = AssetStatus.Suspended;
        emit AssetSuspended(assetId, reason);
    }

    /// @inheritdoc ISecuredAssetLedger
    function resumeAsset(uint256 assetId, string calldata reason) external onlyRole(PlatformRoles.AUTHORITY) {
        AssetCore storage core = _existingAsset(assetId);
        if (core.status != AssetStatus.Suspended) revert AssetNotSuspended(assetId);
        if (bytes(reason).length == 0) revert ReasonMissing();
        core.status = AssetStatus.Active;
        emit AssetResumed(assetId, reason);
    }

    /// @inheritdoc ISecuredAssetLedger
    function forcedTransfer(
        address from,
        address to,
        uint256 assetId,
        uint256 amount,
        LegalBasis basis,
        bytes32 ref
    ) external onlyRole(PlatformRoles.AUTHORITY) {
        if (basis == LegalBasis.None || ref == bytes32(0)) revert ForcedTransferBasisMissing();
        // From the zero address it would mint units without collateral (Art. 6.8): never.
        if (from == address(0)) revert ERC1155InvalidSender(from);
        // To the zero address it would destroy units; to the sender itself it would only release frozen units.
        if (to == address(0) || to == from) revert ERC1155InvalidReceiver(to);
        emit ForcedTransfer(from, to, assetId, amount);
        emit ForcedTransferOrdered(assetId, from, to, amount, basis, ref);
        _post(Posting(address(0), POST_FORCED, ref), from, to, assetId, amount);
    }
}
