// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IPermitRegister} from "../interfaces/IPermitRegister.sol";
import {IParticipantRegister} from "../interfaces/IParticipantRegister.sol";
import {IAssetTypeRegister} from "../interfaces/IAssetTypeRegister.sol";
import {IPlatformPolicy} from "../interfaces/IPlatformPolicy.sol";
import {SignatureValidation} from "../access/SignatureValidation.sol";
import {IdentificationNumber} from "../ledger/IdentificationNumber.sol";

/**
 * @title RegisterRules
 * @notice The authority's register changes (permit suspension and revocation, listing of asset types) and what a
 * permit entry and a participant's signed acknowledgement must carry (Law "On digital assets", Art. 4.1.8, 4.1.10,
 * 6.2, 6.4); each missing or invalid element fails with its own error.
 * @dev External functions, linked at deployment and reached by DELEGATECALL, keep the ledger under the 24 KiB code
 * size limit; none of them is on a transfer's path.
 */
library RegisterRules {
    bytes32 private constant ACKNOWLEDGEMENT_TYPEHASH =
        keccak256("DisclosureAcknowledgement(address account,uint32 version,bytes32 documentHash,uint256 deadline)");

    /**
     * @notice Grants a permit (Art. 4.1.10, 6.2); see IPermitRegister.grantPermit. Storage keeps the hash of the entry,
     * keccak256(abi.encode(legalName, bin, permitNumber, scope)); the texts are in PermitGranted.
     */
    function grantPermit(
        IPermitRegister.PermitState storage state,
        mapping(address => bytes32) storage detailsHashes,
        address operator,
        IPermitRegister.PermitDetails calldata details,
        bool operatorRole
    ) external {
        if (operator == address(0)) revert IPermitRegister.PermitInvalidOperator(operator);
        IPermitRegister.PermitStatus status = state.status;
        if (status != IPermitRegister.PermitStatus.None && status != IPermitRegister.PermitStatus.Revoked) {
            revert IPermitRegister.PermitAlreadyGranted(operator);
        }
        detailsHashes[operator] = _permitDetailsHash(details);
        state.status = IPermitRegister.PermitStatus.Active;
        state.suspendedUntil = 0;
        state.grantedAt = uint64(block.timestamp);
        state.operatorRole = operatorRole;
        emit IPermitRegister.PermitGranted(operator, details.legalName, details.bin, details.permitNumber, details.scope);
    }

    function _permitDetailsHash(IPermitRegister.PermitDetails calldata details) private pure returns (bytes32) {
        if (bytes(details.legalName).length == 0) revert IPermitRegister.PermitDetailMissing("legalName");
        if (bytes(details.bin).length == 0) revert IPermitRegister.PermitDetailMissing("bin");
        if (!IdentificationNumber.isValid(bytes(details.bin))) {
            revert IPermitRegister.PermitIdentificationNumberInvalid(details.bin);
        }
        if (bytes(details.permitNumber).length == 0) revert IPermitRegister.PermitDetailMissing("permitNumber");
        if (bytes(details.scope).length == 0) revert IPermitRegister.PermitDetailMissing("scope");
        return keccak256(abi.encode(details.legalName, details.bin, details.permitNumber, details.scope));
    }

    /**
     * @notice Checks `account`'s EIP-712
     * `DisclosureAcknowledgement(address account,uint32 version,bytes32 documentHash,uint256 deadline)` (Art. 6.4).
     */
    function checkAcknowledgement(
        bytes32 domainSeparator,
        address account,
        uint32 version,
        bytes32 documentHash,
        uint256 deadline,
        bytes calldata signature
    ) external view {
        if (block.timestamp > deadline) revert IParticipantRegister.AcknowledgementExpired(deadline);
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domainSeparator, keccak256(abi.encode(ACKNOWLEDGEMENT_TYPEHASH, account, version, documentHash, deadline))
        );
        if (!SignatureValidation.isValidNow(account, digest, signature)) {
            revert IParticipantRegister.AcknowledgementSignatureInvalid(account);
        }
    }

    /// @notice Suspends an active permit until `until` (Art. 4.1.14); see IPermitRegister.suspendPermit.
    function suspendPermit(
        IPermitRegister.PermitState storage state,
        address operator,
        string calldata reason,
        uint64 until
    ) external {
        if (state.status == IPermitRegister.PermitStatus.None) revert IPermitRegister.PermitNotFound(operator);
        if (!isActive(state)) revert IPermitRegister.PermitNotActive(operator);
        if (bytes(reason).length == 0) revert IPermitRegister.PermitReasonMissing();
        if (until <= block.timestamp) revert IPermitRegister.PermitSuspensionEndNotInFuture(until, block.timestamp);

        state.status = IPermitRegister.PermitStatus.Suspended;
        state.suspendedUntil = until;
        emit IPermitRegister.PermitSuspended(operator, reason, until);
    }

    /// @notice Revokes a permit on a court decision; see IPermitRegister.revokePermit.
    function revokePermit(IPermitRegister.PermitState storage state, address operator, string calldata courtDecision)
        external
    {
        if (state.status == IPermitRegister.PermitStatus.None) revert IPermitRegister.PermitNotFound(operator);
        if (state.status == IPermitRegister.PermitStatus.Revoked) revert IPermitRegister.PermitAlreadyRevoked(operator);
        if (bytes(courtDecision).length == 0) revert IPermitRegister.PermitReasonMissing();

        state.status = IPermitRegister.PermitStatus.Revoked;
        state.suspendedUntil = 0;
        emit IPermitRegister.PermitRevoked(operator, courtDecision);
    }

    /// @notice Lists a recognised asset type (Art. 4.1.8); see IAssetTypeRegister.listAssetType.
    function listAssetType(
        mapping(bytes32 => IAssetTypeRegister.AssetType) storage types,
        bytes32 code,
        string calldata name,
        IAssetTypeRegister.AssetCategory category
    ) external {
        if (code == bytes32(0) || bytes(name).length == 0) revert IAssetTypeRegister.AssetTypeInvalid(code);
        if (category == IAssetTypeRegister.AssetCategory.None || category >= IAssetTypeRegister.AssetCategory.Money) {
            revert IAssetTypeRegister.AssetTypeCategoryNotEligible(code, category);
        }
        if (types[code].listed) revert IAssetTypeRegister.AssetTypeAlreadyListed(code);

        types[code] = IAssetTypeRegister.AssetType(true, category, name);
        emit IAssetTypeRegister.AssetTypeListed(code, name, category);
    }

    /// @notice Records risk disclosure `version` (Art. 6.4); see IPlatformPolicy.publishDisclosure.
    function publishDisclosure(
        mapping(uint32 => IPlatformPolicy.Disclosure) storage disclosures,
        uint32 version,
        bytes32 documentHash,
        string calldata uri
    ) external {
        if (documentHash == bytes32(0) || bytes(uri).length == 0) revert IPlatformPolicy.DisclosureInvalid();
        disclosures[version] = IPlatformPolicy.Disclosure(documentHash, uri, uint64(block.timestamp));
        emit IPlatformPolicy.DisclosurePublished(version, documentHash, uri);
    }

    /**
     * @notice Admits `account` (Art. 6.3); see IParticipantRegister.registerParticipant. A freeze that outlived an
     * earlier registration stays.
     */
    function register(
        IParticipantRegister.Participant storage p,
        mapping(address => bytes32) storage identityHashes,
        address account,
        IParticipantRegister.ParticipantKind kind,
        bytes32 identityHash
    ) external {
        if (account == address(0)) revert IParticipantRegister.ParticipantInvalidAccount(account);
        if (kind == IParticipantRegister.ParticipantKind.None) revert IParticipantRegister.ParticipantKindInvalid();
        if (identityHash == bytes32(0)) revert IParticipantRegister.ParticipantIdentityHashMissing();
        if (p.kind != IParticipantRegister.ParticipantKind.None) {
            revert IParticipantRegister.ParticipantAlreadyRegistered(account);
        }

        bool contractWallet = account.code.length != 0;
        p.kind = kind;
        p.contractWallet = contractWallet;
        p.acknowledgedVersion = 0;
        p.registeredAt = uint64(block.timestamp);
        identityHashes[account] = identityHash;
        emit IParticipantRegister.ParticipantRegistered(account, kind, identityHash, contractWallet);
    }

    /**
     * @notice Freezes a participant (Art. 6.3), recording whether the authority ordered it. The authority may take
     * over an operator's freeze (its order then binds operators); nothing else freezes a frozen participant.
     */
    function freeze(IParticipantRegister.Participant storage p, address account, bool byAuthority, string calldata reason)
        external
    {
        if (p.frozen && (p.frozenByAuthority || !byAuthority)) revert IParticipantRegister.ParticipantIsFrozen(account);
        if (bytes(reason).length == 0) revert IParticipantRegister.FreezeReasonMissing();
        p.frozen = true;
        p.frozenByAuthority = byAuthority;
        emit IParticipantRegister.ParticipantFrozen(account, msg.sender, reason);
    }

    /// @notice Lifts a participant's freeze; an operator cannot lift the authority's.
    function unfreeze(IParticipantRegister.Participant storage p, address account, bool byAuthority, string calldata reason)
        external
    {
        if (!p.frozen) revert IParticipantRegister.ParticipantNotFrozen(account);
        if (p.frozenByAuthority && !byAuthority) revert IParticipantRegister.ParticipantFrozenByAuthority(account);
        if (bytes(reason).length == 0) revert IParticipantRegister.FreezeReasonMissing();
        p.frozen = false;
        p.frozenByAuthority = false;
        emit IParticipantRegister.ParticipantUnfrozen(account, msg.sender, reason);
    }

    /// @notice Whether a permit's state is active now: a suspension whose end has passed counts as active.
    function isActive(IPermitRegister.PermitState storage state) internal view returns (bool) {
        IPermitRegister.PermitStatus status = state.status;
        return status == IPermitRegister.PermitStatus.Active
            || (status == IPermitRegister.PermitStatus.Suspended && block.timestamp >= state.suspendedUntil);
    }
}
