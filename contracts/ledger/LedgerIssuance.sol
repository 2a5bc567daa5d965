// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";
import {PlatformRoles} from "../access/PlatformRoles.sol";
import {LedgerCore} from "./LedgerCore.sol";
import {IssuanceRules} from "./IssuanceRules.sol";

/**
 * @title LedgerIssuance
 * @notice Issuance on the owner's signed request with verified collateral (Law "On digital assets", Art. 5, 6.5,
 * 6.7, 6.8), changes of the decision document ordered by the issuer, and the issuer's declaration that its
 * obligations are fulfilled (Art. 7.1). What an issuance and a change must carry is checked by {IssuanceRules}.
 */
abstract contract LedgerIssuance is LedgerCore {
    mapping(address owner => mapping(uint256 nonce => bool)) private _issuanceNonces;
    mapping(bytes32 digest => bool) private _appliedDecisionChanges;

    /// @inheritdoc ISecuredAssetLedger
    function issue(
        bytes32 assetType_,
        IssuanceDecision calldata decision,
        IssuerDetails calldata issuer,
        CollateralAttestation calldata attestation,
        uint256 requestDeadline,
        bytes calldata ownerSignature
    ) external returns (uint256 assetId) {
        if (paused()) revert EnforcedPause();
        _checkOperator(_msgSender());
        if (!isRecognisedAssetType(assetType_)) revert AssetTypeNotRecognised(assetType_);
        address owner = attestation.owner;
        if (owner == address(0)) revert ParticipantInvalidAccount(owner);
        if (_issuanceNonces[owner][attestation.nonce]) revert CollateralAttestationUsed(owner, attestation.nonce);
        if (!hasRole(PlatformRoles.VERIFIER, attestation.verifier)) {
            revert CollateralVerifierNotTrusted(attestation.verifier);
        }
        bytes32 detailsHash = IssuanceRules.validate(
            _domainSeparatorV4(), assetType_, decision, issuer, attestation, requestDeadline, ownerSignature
        );

        _issuanceNonces[owner][attestation.nonce] = true;
        assetId = _nextAssetId();
        _core(assetId).status = AssetStatus.Active;
        IssuanceRules.record(_terms(assetId), assetId, _msgSender(), assetType_, decision, issuer, attestation, detailsHash);

        // The owner's eligibility (registered, not frozen, disclosure acknowledged) is a rule of {_update}.
        _post(Posting(_msgSender(), 0, decision.documentHash), address(0), owner, assetId, decision.units);
    }

    /// @inheritdoc ISecuredAssetLedger
    function declareObligationsFulfilled(uint256 assetId, uint256 deadline, bytes calldata issuerSignature) external {
        AssetCore storage core = _existingAsset(assetId);
        address issuer = _terms(assetId).issuer;
        if (_msgSender() != issuer) {
            _checkOperator(_msgSender());
            IssuanceRules.checkObligationsDeclaration(_domainSeparatorV4(), issuer, assetId, deadline, issuerSignature);
        }
        if (core.status == AssetStatus.Closed) revert AssetNotActive(assetId, core.status);
        uint256 supply = _terms(assetId).supply;
        if (supply != 0) revert ObligationsOutstanding(assetId, supply);

        core.status = AssetStatus.Closed;
        emit ObligationsFulfilled(assetId, issuer);
    }

    /// @inheritdoc ISecuredAssetLedger
    function changeDecisionDocument(
        uint256 assetId,
        bytes32 newHash,
        string calldata newUri,
        string calldata reason,
        uint256 deadline,
        bytes calldata issuerSignature
    ) external {
        _checkOperator(_msgSender());
        AssetCore storage core = _existingAsset(assetId);
        if (core.status == AssetStatus.Closed) revert DecisionChangeWhileClosed(assetId);
        IssuanceRules.changeDecision(
            _terms(assetId),
            _appliedDecisionChanges,
            _domainSeparatorV4(),
            IssuanceRules.DecisionChange(assetId, newHash, newUri, reason, deadline),
            issuerSignature
        );
    }

    /// @inheritdoc ISecuredAssetLedger
    function isIssuanceNonceUsed(address owner, uint256 nonce) external view returns (bool) {
        return _issuanceNonces[owner][nonce];
    }
}
