// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IPlatformPolicy} from "../interfaces/IPlatformPolicy.sol";
import {PlatformRoles} from "../access/PlatformRoles.sol";
import {PermitRegister} from "./PermitRegister.sol";
import {RegisterRules} from "./RegisterRules.sol";

/**
 * @title PlatformPolicy
 * @notice The emergency pause and the risk disclosure in force (Art. 6.4).
 * @dev Both live in one slot because every transfer reads both; OpenZeppelin's Pausable keeps its flag in a slot
 * of its own, which would cost every transfer another cold read.
 */
abstract contract PlatformPolicy is IPlatformPolicy, PermitRegister {
    struct PolicyState {
        bool paused;
        uint32 disclosureVersion;
    }

    PolicyState private _policy;
    mapping(uint32 version => Disclosure) private _disclosures;

    /// @inheritdoc IPlatformPolicy
    function pause() external onlyRole(PlatformRoles.AUTHORITY) {
        if (_policy.paused) revert EnforcedPause();
        _policy.paused = true;
        emit Paused(_msgSender());
    }

    /// @inheritdoc IPlatformPolicy
    function unpause() external onlyRole(PlatformRoles.AUTHORITY) {
        if (!_policy.paused) revert ExpectedPause();
        _policy.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @inheritdoc IPlatformPolicy
    function publishDisclosure(bytes32 documentHash, string calldata uri) external returns (uint32 version) {
        _checkAuthorityOrOperator(_msgSender());
        version = _policy.disclosureVersion + 1;
        _policy.disclosureVersion = version;
        RegisterRules.publishDisclosure(_disclosures, version, documentHash, uri);
    }

    /// @inheritdoc IPlatformPolicy
    function paused() public view returns (bool) {
        return _policy.paused;
    }

    /// @inheritdoc IPlatformPolicy
    function currentDisclosureVersion() public view returns (uint32) {
        return _policy.disclosureVersion;
    }

    /// @inheritdoc IPlatformPolicy
    function disclosure(uint32 version) external view returns (Disclosure memory) {
        if (version == 0 || version > _policy.disclosureVersion) {
            revert DisclosureVersionNotCurrent(version, _policy.disclosureVersion);
        }
        return _disclosures[version];
    }

    /// @dev Both policy values with one storage read.
    function _policyState() internal view returns (bool isPaused, uint32 disclosureVersion) {
        PolicyState storage p = _policy;
        return (p.paused, p.disclosureVersion);
    }

    function _disclosureHash(uint32 version) internal view returns (bytes32) {
        return _disclosures[version].documentHash;
    }

    /**
     * @dev Freezes and disclosures are ordered by the authority or by an operator (Art. 6.3, 6.4); an operator needs
     * an active permit ({_checkOperator}). Returns whether the order is the authority's.
     */
    function _checkAuthorityOrOperator(address account) internal view returns (bool byAuthority) {
        if (hasRole(PlatformRoles.AUTHORITY, account)) return true;
        _checkOperator(account);
        return false;
    }
}
