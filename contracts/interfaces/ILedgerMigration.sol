// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title ILedgerMigration
 * @notice The ledger is immutable; a successor is a new deployment seeded from its paused predecessor (docs/design.md
 * "Upgrades"). Every value is read from the predecessor, so a migration copies and never invents; the record chain
 * of each asset continues from the predecessor's head (Law "On digital assets", Art. 5.1.7). The window closes for
 * good with closeMigration or the first issuance on the successor.
 */
interface ILedgerMigration {
    /// @notice The asset was copied from `predecessor`; its records continue from `recordHead`, sequence `recordCount`.
    event AssetMigrated(
        uint256 indexed assetId, address indexed predecessor, bytes24 recordHead, uint256 recordCount, uint256 supply
    );
    /// @notice The participant was copied from `predecessor`, freeze and acknowledgement included.
    event ParticipantMigrated(address indexed account, address indexed predecessor);
    /// @notice No migration can happen any more.
    event MigrationClosed(address indexed predecessor, uint256 assetsMigrated);

    /// @notice The window has closed (closeMigration, or an issuance on this ledger).
    error MigrationWindowClosed();
    /// @notice A migration continues one predecessor only.
    error MigrationPredecessorMismatch(address expected, address given);
    /// @notice A migration reads a predecessor that can no longer change: it must be paused.
    error MigrationPredecessorNotPaused(address predecessor);
    /// @notice Assets are copied in order and keep their ids.
    error MigrationAssetOutOfOrder(uint256 assetId, uint256 expected);
    /// @notice The holders listed do not hold the whole supply: someone would be left behind.
    error MigrationHoldersIncomplete(uint256 assetId, uint256 listed, uint256 supply);
    /// @notice The same holder twice in one asset's list.
    error MigrationHolderRepeated(uint256 assetId, address holder);
    /// @notice The participant is already in this ledger's register.
    error MigrationParticipantExists(address account);
    /// @notice This ledger's current risk disclosure is not the predecessor's: acknowledgements would not carry over.
    error MigrationDisclosureMismatch(uint32 version, uint32 predecessorVersion);

    /**
     * @notice Copies asset `assetId` (the next id: assets keep their ids) and the holdings and frozen units of
     * `holders`. List every account holding or frozen in the asset: the supply must be covered, and a freeze of an
     * account left out would not carry over.
     * Requirements: AUTHORITY_ROLE; window open; `predecessor` paused, and the same as in earlier calls; `holders`
     * distinct and holding the whole supply.
     */
    function migrateAsset(address predecessor, uint256 assetId, address[] calldata holders) external;

    /**
     * @notice Copies participants `accounts` with their kind, identity hash, freeze and acknowledgement.
     * Requirements: AUTHORITY_ROLE; window open; `predecessor` paused and the same as in earlier calls; each account
     * registered there and not here; this ledger's current disclosure is the predecessor's.
     */
    function migrateParticipants(address predecessor, address[] calldata accounts) external;

    /// @notice Closes the window for good. Requirements: AUTHORITY_ROLE; window open.
    function closeMigration() external;

    /// @notice The ledger this one continues (zero if none), and whether a migration can still happen.
    function migrationState() external view returns (address predecessor, bool open);
}
