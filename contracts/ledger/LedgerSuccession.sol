// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ILedgerMigration} from "../interfaces/ILedgerMigration.sol";
import {PlatformRoles} from "../access/PlatformRoles.sol";
import {LedgerCore} from "./LedgerCore.sol";
import {IPredecessorLedger, LedgerMigration} from "./LedgerMigration.sol";

/**
 * @title LedgerSuccession
 * @notice How a new ledger continues an old one (docs/design.md "Upgrades"): the authority copies assets, holdings,
 * freezes, record heads and participants from the paused predecessor ({LedgerMigration} reads every value), then
 * closes the window. The window also closes by itself at the first issuance here, so copied units can never be
 * mixed with units the authority could add later.
 */
abstract contract LedgerSuccession is LedgerCore, ILedgerMigration {
    /// @dev One slot: the predecessor, how many assets came from it, and whether the window was closed.
    struct Succession {
        address predecessor;
        uint64 assetsMigrated;
        bool closed;
    }

    Succession private _succession;

    /// @inheritdoc ILedgerMigration
    function migrateAsset(address predecessor, uint256 assetId, address[] calldata holders)
        external
        onlyRole(PlatformRoles.AUTHORITY)
    {
        _openFor(predecessor);
        (
            mapping(uint256 => AssetCore) storage cores,
            mapping(uint256 => AssetTerms) storage terms,
            mapping(uint256 => mapping(address => Holding)) storage holdings
        ) = _assetStorage();
        LedgerMigration.migrateAsset(
            cores, terms, holdings, IPredecessorLedger(predecessor), assetId, _nextAssetId(), holders
        );
        ++_succession.assetsMigrated;
    }

    /// @inheritdoc ILedgerMigration
    function migrateParticipants(address predecessor, address[] calldata accounts)
        external
        onlyRole(PlatformRoles.AUTHORITY)
    {
        _openFor(predecessor);
        uint32 version = currentDisclosureVersion();
        bytes32 documentHash = _disclosureHash(version);
        for (uint256 i = 0; i < accounts.length; ++i) {
            LedgerMigration.migrateParticipant(
                _participant(accounts[i]), _identityHashStorage(), IPredecessorLedger(predecessor), accounts[i],
                version, documentHash
            );
        }
    }

    /// @inheritdoc ILedgerMigration
    function closeMigration() external onlyRole(PlatformRoles.AUTHORITY) {
        if (!_windowOpen()) revert MigrationWindowClosed();
        _succession.closed = true;
        emit MigrationClosed(_succession.predecessor, _succession.assetsMigrated);
    }

    /// @inheritdoc ILedgerMigration
    function migrationState() external view returns (address predecessor, bool open) {
        return (_succession.predecessor, _windowOpen());
    }

    /// @dev Checks the window and binds the migration to one predecessor (never this ledger itself).
    function _openFor(address predecessor) private {
        if (!_windowOpen()) revert MigrationWindowClosed();
        address bound = _succession.predecessor;
        if (bound == address(0) && predecessor != address(this)) {
            _succession.predecessor = predecessor;
        } else if (predecessor != bound) {
            revert MigrationPredecessorMismatch(bound, predecessor);
        }
    }

    /// @dev Open until closed, and only while every asset here came from the predecessor.
    function _windowOpen() private view returns (bool) {
        return !_succession.closed && _assetCountNow() == _succession.assetsMigrated;
    }
}
