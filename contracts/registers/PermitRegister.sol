// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IPermitRegister} from "../interfaces/IPermitRegister.sol";
import {PlatformRoles} from "../access/PlatformRoles.sol";
import {RegisterRules} from "./RegisterRules.sol";

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
        RegisterRules.grantPermit(
            _permitStates[operator], _permitDetailsHashes, operator, details, hasRole(PlatformRoles.OPERATOR, operator)
        );
    }

    /// @inheritdoc IPermitRegister
    function suspendPermit(address operator, string calldata reason, uint64 until)
        external
        onlyRole(PlatformRoles.AUTHORITY)
    {
        RegisterRules.suspendPermit(_permitStates[operator], operator, reason, until);
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
        RegisterRules.revokePermit(_permitStates[operator], operator, courtDecision);
    }

    /// @inheritdoc IPermitRegister
    function isPermitted(address operator) public view returns (bool) {
        return _isPermitted(_permitStates[operator]);
    }

    /// @inheritdoc IPermitRegister
    function permitOf(address operator) external view returns (PermitState memory state, bytes32 detailsHash) {
        return (_permitStates[operator], _permitDetailsHashes[operator]);
    }

    /**
     * @dev The one check of every operator power (Art. 6.1, docs/design.md "Roles"): `account` holds OPERATOR_ROLE and
     * a permit active now. A suspended or revoked operator can do nothing, whatever its roles.
     */
    function _checkOperator(address account) internal view {
        PermitState storage state = _permitStates[account];
        if (!state.operatorRole) revert AccessControlUnauthorizedAccount(account, PlatformRoles.OPERATOR);
        if (!_isPermitted(state)) revert OperatorNotPermitted(account);
    }

    /// @dev Keeps the role's mirror in the permit slot (see PermitState.operatorRole).
    function _grantRole(bytes32 role, address account) internal virtual override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == PlatformRoles.OPERATOR) _permitStates[account].operatorRole = true;
    }

    /// @dev Keeps the role's mirror in the permit slot (see PermitState.operatorRole).
    function _revokeRole(bytes32 role, address account) internal virtual override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == PlatformRoles.OPERATOR) _permitStates[account].operatorRole = false;
    }

    function _isPermitted(PermitState storage state) private view returns (bool) {
        return state.operatorRole && RegisterRules.isActive(state);
    }
}
