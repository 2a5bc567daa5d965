// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";
import {IParticipantRegister} from "../interfaces/IParticipantRegister.sol";
import {IPlatformPolicy} from "../interfaces/IPlatformPolicy.sol";
import {IERC7943MultiTokenChecks} from "../interfaces/IERC7943MultiToken.sol";
import {ILedgerMigration} from "../interfaces/ILedgerMigration.sol";
import {LedgerCore} from "./LedgerCore.sol";

/// @dev The predecessor's views a migration reads.
interface IPredecessorLedger is ISecuredAssetLedger, IParticipantRegister, IPlatformPolicy, IERC7943MultiTokenChecks {
    function balanceOf(address account, uint256 id) external view returns (uint256);
}

/**
 * @title LedgerMigration
 * @notice Seeds a successor ledger from its paused predecessor (docs/design.md "Upgrades"): each asset with its terms,
 * status, holdings, frozen units and the head and count of its record chain, so the successor's first record of the
 * asset chains to the predecessor's last (Art. 5.1.7); each participant with its kind, freeze and acknowledgement.
 * Nothing is taken from the caller but the list of what to copy: every value is read from the predecessor, so a
 * migration can copy, never invent.
 * @dev External functions, linked at deployment and reached by DELEGATECALL, keep the ledger under the 24 KiB code
 * size limit.
 */
library LedgerMigration {
    /**
     * @notice Copies asset `assetId` and the holdings of `holders` from `predecessor`.
     * Requirements: `predecessor` paused; `assetId` the next id; `holders` distinct and holding the whole supply.
     */
    function migrateAsset(
        mapping(uint256 => LedgerCore.AssetCore) storage cores,
        mapping(uint256 => LedgerCore.AssetTerms) storage terms,
        mapping(uint256 => mapping(address => LedgerCore.Holding)) storage holdings,
        IPredecessorLedger predecessor,
        uint256 assetId,
        uint256 expectedId,
        address[] calldata holders
    ) external {
        if (!predecessor.paused()) revert ILedgerMigration.MigrationPredecessorNotPaused(address(predecessor));
        if (assetId != expectedId) revert ILedgerMigration.MigrationAssetOutOfOrder(assetId, expectedId);
        ISecuredAssetLedger.AssetInfo memory info = predecessor.assetInfo(assetId);

        uint256 listed;
        mapping(address => LedgerCore.Holding) storage assetHoldings = holdings[assetId];
        for (uint256 i = 0; i < holders.length; ++i) {
            address holder = holders[i];
            LedgerCore.Holding storage holding = assetHoldings[holder];
            if (holding.balance != 0 || holding.frozen != 0) revert ILedgerMigration.MigrationHolderRepeated(assetId, holder);
            uint256 balance = predecessor.balanceOf(holder, assetId);
            uint256 frozen = predecessor.getFrozenTokens(holder, assetId);
            listed += balance;
            // Balances and frozen units were uint96 in the predecessor too.
            // forge-lint: disable-next-line(unsafe-typecast)
            holding.balance = uint96(balance);
            // forge-lint: disable-next-line(unsafe-typecast)
            holding.frozen = uint96(frozen);
            holding.frozenByAuthority = predecessor.isFrozenByAuthority(holder, assetId);
            if (balance != 0) emit IERC1155.TransferSingle(msg.sender, address(0), holder, assetId, balance);
        }
        if (listed != info.supply) revert ILedgerMigration.MigrationHoldersIncomplete(assetId, listed, info.supply);

        // recordCount is a uint56 and supply and issued units uint96 in the predecessor too.
        // forge-lint: disable-next-line(unsafe-typecast)
        cores[assetId] = LedgerCore.AssetCore(info.recordHead, uint56(info.recordCount), info.status);
        LedgerCore.AssetTerms storage t = terms[assetId];
        t.issuer = info.issuer;
        t.assetType = info.assetType;
        t.decisionHash = info.decisionHash;
        t.issuerDetailsHash = info.issuerDetailsHash;
        // forge-lint: disable-next-line(unsafe-typecast)
        t.issuedUnits = uint96(info.issuedUnits);
        // forge-lint: disable-next-line(unsafe-typecast)
        t.supply = uint96(info.supply);
        t.issuedAt = info.issuedAt;
        t.decisionURI = info.decisionURI;
        emit ILedgerMigration.AssetMigrated(assetId, address(predecessor), info.recordHead, info.recordCount, info.supply);
    }

    /**
     * @notice Copies participant `account` from `predecessor`: kind, identity hash, freeze (and whose it was) and the
     * acknowledged disclosure version.
     * Requirements: `predecessor` paused; `account` registered there and not here; this ledger's current disclosure
     * is the predecessor's (same version and document hash).
     */
    function migrateParticipant(
        IParticipantRegister.Participant storage p,
        mapping(address => bytes32) storage identityHashes,
        IPredecessorLedger predecessor,
        address account,
        uint32 currentVersion,
        bytes32 currentHash
    ) external {
        if (!predecessor.paused()) revert ILedgerMigration.MigrationPredecessorNotPaused(address(predecessor));
        if (p.kind != IParticipantRegister.ParticipantKind.None) revert ILedgerMigration.MigrationParticipantExists(account);
        uint32 theirVersion = predecessor.currentDisclosureVersion();
        if (
            theirVersion != currentVersion
                || (currentVersion != 0 && predecessor.disclosure(currentVersion).documentHash != currentHash)
        ) revert ILedgerMigration.MigrationDisclosureMismatch(currentVersion, theirVersion);
        IParticipantRegister.Participant memory theirs = predecessor.participant(account);
        if (theirs.kind == IParticipantRegister.ParticipantKind.None) {
            revert IParticipantRegister.ParticipantNotRegistered(account);
        }
        // A freeze that outlived a registration here stays, as for any registration.
        theirs.frozen = theirs.frozen || p.frozen;
        theirs.frozenByAuthority = theirs.frozenByAuthority || p.frozenByAuthority;
        theirs.contractWallet = account.code.length != 0;
        p.kind = theirs.kind;
        p.frozen = theirs.frozen;
        p.contractWallet = theirs.contractWallet;
        p.acknowledgedVersion = theirs.acknowledgedVersion;
        p.registeredAt = theirs.registeredAt;
        p.frozenByAuthority = theirs.frozenByAuthority;
        bytes32 identityHash = predecessor.identityHashOf(account);
        identityHashes[account] = identityHash;
        emit IParticipantRegister.ParticipantRegistered(account, theirs.kind, identityHash, theirs.contractWallet);
        emit ILedgerMigration.ParticipantMigrated(account, address(predecessor));
    }
}
