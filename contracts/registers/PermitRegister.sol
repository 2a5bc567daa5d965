// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IPermitRegister} from "../interfaces/IPermitRegister.sol";
import {PlatformRoles} from "../access/PlatformRoles.sol";
import {IdentificationNumber} from "../ledger/IdentificationNumber.sol";

/**
 * @title PermitRegister
 * @notice The authority's register of operators permitted to issue and circulate secured digital assets
 * (Law "On digital assets", Art. 4.1.10, 4.1.14, 6.1, 6.2). Lifecycle: granted, suspended with a reason until a
 * given time (ends by itself), resumed, revoked on a court decision.
 * @dev The entry's texts are in the PermitGranted event; storage keeps their hash, so the register's code stays
 * small enough to share one contract (and one cold read per transfer) with the ledger.
 */
abstract contract PermitRegister is IPermitRegister, AccessControl {
    mapping(address operator => PermitState) private _permitStates;
    mapping(address operator => bytes32) private _permitDetailsHashes;

    /// @inheritdoc IPermitRegister
    function grantPermit(address operator, PermitDetails calldata details) external onlyRole(PlatformRoles.AUTHORITY) {
        if (operator == address(0)) revert PermitInvalidOperator(operator);
        PermitStatus status = _permitStates[operator].status;
        if (status != PermitStatus.None && status != PermitStatus.Revoked) revert PermitAlreadyGranted(operator);
        if (bytes(details.legalName).length == 0) revert PermitDetailMissing("legalName");
        if (bytes(details.bin).length == 0) revert PermitDetailMissing("bin");
        if (!IdentificationNumber.isValid(bytes(details.bin))) revert PermitIdentificationNumberInvalid(details.bin);
        if (bytes(details.permitNumber).length == 0) revert PermitDetailMissing("permitNumber");
        if (bytes(details.scope).length == 0) revert PermitDetailMissing("scope");

        _permitStates[operator] = PermitState(PermitStatus.Active, 0, uint64(block.timestamp));
        _permitDetailsHashes[operator] =
            keccak256(abi.encode(details.legalName, details.bin, details.permitNumber, details.scope));
        emit PermitGranted(operator, details.legalName, details.bin, details.permitNumber, details.scope);
    }

    /// @inheritdoc IPermitRegister
    function suspendPermit(address operator, string calldata reason, uint64 until)
        external
        onlyRole(PlatformRoles.AUTHORITY)
    {
        PermitState storage state = _permitStates[operator];
        if (state.status == PermitStatus.None) revert PermitNotFound(operator);
        if (!_isPermitted(state)) revert PermitNotActive(operator);
        if (bytes(reason).length == 0) revert PermitReasonMissing();
        if (until <= block.timestamp) revert PermitSuspensionEndNotInFuture(until, block.timestamp);

        state.status = PermitStatus.Suspended;
        state.suspendedUntil = until;
        emit PermitSuspended(operator, reason, until);
    }

    /// @inheritdoc IPermitRegister
    function resumePermit(address operator) external onlyRole(PlatformRoles.AUTHORITY) {
        PermitState storage state = _permitStates[operator];
        if (state.status != PermitStatus.Suspended || block.timestamp >= state.suspendedUntil) {
            revert PermitNotSuspended(operator);
        }
        state.status = PermitStatus.Active;
        state.suspendedUntil = 0;
        emit PermitResumed(operator);
    }

    /// @inheritdoc IPermitRegister
    function revokePermit(address operator, string calldata courtDecision) external onlyRole(PlatformRoles.AUTHORITY) {
        PermitState storage state = _permitStates[operator];
        if (state.status == PermitStatus.None) revert PermitNotFound(operator);
        if (state.status == PermitStatus.Revoked) revert PermitAlreadyRevoked(operator);
        if (bytes(courtDecision).length == 0) revert PermitReasonMissing();

        state.status = PermitStatus.Revoked;
        state.suspendedUntil = 0;
        emit PermitRevoked(operator, courtDecision);
    }

    /// @inheritdoc IPermitRegister
    function isPermitted(address operator) public view returns (bool) {
        return _isPermitted(_permitStates[operator]);
    }

    /// @inheritdoc IPermitRegister
    function permitOf(address operator) external view returns (PermitState memory state, bytes32 detailsHash) {
        return (_permitStates[operator], _permitDetailsHashes[operator]);
    }

    /// @dev Reverts unless `operator` may post now (Art. 6.1).
    function _checkPermitted(address operator) internal view {
        if (!isPermitted(operator)) revert OperatorNotPermitted(operator);
    }

    function _isPermitted(PermitState storage state) private view returns (bool) {
        PermitStatus status = state.status;
        return status == PermitStatus.Active
            || (status == PermitStatus.Suspended && block.timestamp >= state.suspendedUntil);
    }
}
