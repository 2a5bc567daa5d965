// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";
import {SignatureValidation} from "../access/SignatureValidation.sol";
import {IdentificationNumber} from "./IdentificationNumber.sol";

/**
 * @title IssuanceRules
 * @notice What an issuance must carry (Law "On digital assets", Art. 5.1, 5.2, 6.5, 6.7, 6.8): a complete decision,
 * the issuer's details, a collateral attestation and the owner's own request. Each missing or invalid element
 * fails with its own error.
 * @dev External functions, linked at deployment and reached by DELEGATECALL, so the events are the ledger's and
 * the ledger stays under the 24 KiB code size limit.
 */
library IssuanceRules {
    bytes32 private constant ATTESTATION_TYPEHASH = keccak256(
        "CollateralAttestation(address owner,bytes32 evidenceHash,bytes32 assetType,uint256 nonce,uint256 expiry)"
    );
    bytes32 private constant ISSUANCE_TYPEHASH = keccak256(
        "IssuanceRequest(address owner,bytes32 assetType,bytes32 decisionHash,bytes32 issuerDetailsHash,uint256 units,bytes32 evidenceHash,uint256 nonce,uint256 deadline)"
    );

    /**
     * @notice Checks decision, issuer details, attestation and the owner's request; returns the issuer details hash
     * keccak256(abi.encode(legalName, bin, registeredAddress)).
     * @param domainSeparator the ledger's EIP-712 domain separator (binds chain id and contract)
     */
    function validate(
        bytes32 domainSeparator,
        bytes32 assetType,
        ISecuredAssetLedger.IssuanceDecision calldata decision,
        ISecuredAssetLedger.IssuerDetails calldata issuer,
        ISecuredAssetLedger.CollateralAttestation calldata att,
        uint256 requestDeadline,
        bytes calldata ownerSignature
    ) external view returns (bytes32 detailsHash) {
        _checkDecision(decision);
        detailsHash = _checkIssuerDetails(issuer);
        _checkAttestation(domainSeparator, assetType, att);

        // Art. 6.5: the initiator is the owner, who signs the request.
        if (block.timestamp > requestDeadline) {
            revert ISecuredAssetLedger.IssuanceRequestExpired(requestDeadline, block.timestamp);
        }
        bytes32 structHash = keccak256(
            abi.encode(
                ISSUANCE_TYPEHASH,
                att.owner,
                assetType,
                decision.documentHash,
                detailsHash,
                decision.units,
                att.evidenceHash,
                att.nonce,
                requestDeadline
            )
        );
        bytes32 digest = MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
        if (!SignatureValidation.isValidNow(att.owner, digest, ownerSignature)) {
            revert ISecuredAssetLedger.IssuanceRequestSignatureInvalid(att.owner);
        }
    }

    /// @notice Emits the issuance events: the asset, its decision and its issuer's details (Art. 5.1.2, 5.1.5).
    function announce(
        uint256 assetId,
        address operator,
        bytes32 assetType,
        ISecuredAssetLedger.IssuanceDecision calldata decision,
        ISecuredAssetLedger.IssuerDetails calldata issuer,
        ISecuredAssetLedger.CollateralAttestation calldata att,
        bytes32 detailsHash
    ) external {
        emit ISecuredAssetLedger.AssetIssued(
            assetId, att.owner, assetType, decision.units, att.evidenceHash, att.verifier, operator
        );
        emit ISecuredAssetLedger.IssuanceDecisionRecorded(
            assetId, decision.documentHash, decision.uri, decision.rightsType, decision.rightsExtent
        );
        emit ISecuredAssetLedger.IssuerDetailsRecorded(
            assetId, detailsHash, issuer.legalName, issuer.bin, issuer.registeredAddress
        );
    }

    function _checkDecision(ISecuredAssetLedger.IssuanceDecision calldata decision) private pure {
        if (decision.documentHash == bytes32(0)) revert ISecuredAssetLedger.IssuanceDecisionHashMissing();
        if (bytes(decision.uri).length == 0) revert ISecuredAssetLedger.IssuanceDecisionURIMissing();
        if (decision.rightsType == bytes32(0)) revert ISecuredAssetLedger.IssuanceRightsTypeMissing();
        if (bytes(decision.rightsExtent).length == 0) revert ISecuredAssetLedger.IssuanceRightsExtentMissing();
        if (decision.units == 0 || decision.units > type(uint96).max) {
            revert ISecuredAssetLedger.IssuanceUnitsInvalid(decision.units);
        }
    }

    /// @dev Art. 5.1.5. A BIN or IIN of the Republic of Kazakhstan is twelve digits, the last a mod-11 control digit.
    function _checkIssuerDetails(ISecuredAssetLedger.IssuerDetails calldata issuer) private pure returns (bytes32) {
        if (bytes(issuer.legalName).length == 0) revert ISecuredAssetLedger.IssuerLegalNameMissing();
        if (!IdentificationNumber.isValid(bytes(issuer.bin))) {
            revert ISecuredAssetLedger.IssuerIdentificationNumberInvalid(issuer.bin);
        }
        if (bytes(issuer.registeredAddress).length == 0) revert ISecuredAssetLedger.IssuerAddressMissing();
        return keccak256(abi.encode(issuer.legalName, issuer.bin, issuer.registeredAddress));
    }

    /// @dev Art. 5.1.6, 6.8: collateral attested for this owner and type, unexpired, signed by the verifier.
    function _checkAttestation(
        bytes32 domainSeparator,
        bytes32 assetType,
        ISecuredAssetLedger.CollateralAttestation calldata att
    ) private view {
        if (att.evidenceHash == bytes32(0)) revert ISecuredAssetLedger.CollateralEvidenceMissing();
        if (att.assetType != assetType) revert ISecuredAssetLedger.CollateralAssetTypeMismatch(att.assetType, assetType);
        if (block.timestamp > att.expiry) {
            revert ISecuredAssetLedger.CollateralAttestationExpired(att.expiry, block.timestamp);
        }
        bytes32 structHash = keccak256(
            abi.encode(ATTESTATION_TYPEHASH, att.owner, att.evidenceHash, att.assetType, att.nonce, att.expiry)
        );
        bytes32 digest = MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
        if (!SignatureValidation.isValidNow(att.verifier, digest, att.signature)) {
            revert ISecuredAssetLedger.CollateralAttestationSignatureInvalid(att.verifier);
        }
    }
}
