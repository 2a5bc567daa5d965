// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";
import {SignatureValidation} from "../access/SignatureValidation.sol";
import {IdentificationNumber} from "./IdentificationNumber.sol";
import {LedgerCore} from "./LedgerCore.sol";

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
        "CollateralAttestation(address owner,bytes32 evidenceHash,bytes32 assetType,uint256 units,uint256 nonce,uint256 expiry)"
    );
    bytes32 private constant ISSUANCE_TYPEHASH = keccak256(
        "IssuanceRequest(address owner,bytes32 assetType,bytes32 decisionHash,string decisionUri,bytes32 rightsType,string rightsExtent,bytes32 issuerDetailsHash,uint256 units,bytes32 evidenceHash,address verifier,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant DECISION_CHANGE_TYPEHASH = keccak256(
        "DecisionChange(uint256 assetId,bytes32 previousHash,bytes32 newHash,string newUri,string reason,uint256 deadline)"
    );
    bytes32 private constant OBLIGATIONS_TYPEHASH = keccak256("ObligationsFulfilled(uint256 assetId,uint256 deadline)");

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
        _checkAttestation(domainSeparator, assetType, decision.units, att);

        // Art. 6.5: the initiator is the owner, who signs the request: every field stored or published is signed.
        if (block.timestamp > requestDeadline) {
            revert ISecuredAssetLedger.IssuanceRequestExpired(requestDeadline, block.timestamp);
        }
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domainSeparator, _requestHash(assetType, decision, detailsHash, att, requestDeadline)
        );
        if (!SignatureValidation.isValidNow(att.owner, digest, ownerSignature)) {
            revert ISecuredAssetLedger.IssuanceRequestSignatureInvalid(att.owner);
        }
    }

    /// @notice The issuer's order to change the decision document of an asset (Art. 7.1).
    struct DecisionChange {
        uint256 assetId;
        bytes32 newHash;
        string newUri;
        string reason;
        uint256 deadline;
    }

    /**
     * @notice Applies the issuer's signed order to change the decision document (Art. 7.1): the signature binds the
     * decision's hash now (`previousHash`), so an order made for another version does not apply, and its digest is
     * spent, so an order applies once. Emits DecisionDocumentChanged with the previous and the new hash.
     */
    function changeDecision(
        LedgerCore.AssetTerms storage terms,
        mapping(bytes32 => bool) storage applied,
        bytes32 domainSeparator,
        DecisionChange calldata c,
        bytes calldata issuerSignature
    ) external {
        if (c.newHash == bytes32(0)) revert ISecuredAssetLedger.IssuanceDecisionHashMissing();
        if (bytes(c.newUri).length == 0) revert ISecuredAssetLedger.IssuanceDecisionURIMissing();
        if (bytes(c.reason).length == 0) revert ISecuredAssetLedger.ReasonMissing();
        if (block.timestamp > c.deadline) {
            revert ISecuredAssetLedger.DecisionChangeExpired(c.deadline, block.timestamp);
        }
        bytes32 previousHash = terms.decisionHash;
        address issuer = terms.issuer;
        bytes32 structHash = keccak256(
            abi.encode(
                DECISION_CHANGE_TYPEHASH,
                c.assetId,
                previousHash,
                c.newHash,
                keccak256(bytes(c.newUri)),
                keccak256(bytes(c.reason)),
                c.deadline
            )
        );
        bytes32 digest = MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
        if (!SignatureValidation.isValidNow(issuer, digest, issuerSignature)) {
            revert ISecuredAssetLedger.IssuerSignatureInvalid(issuer, c.assetId);
        }
        if (applied[digest]) revert ISecuredAssetLedger.DecisionChangeReplayed(digest);

        applied[digest] = true;
        terms.decisionHash = c.newHash;
        terms.decisionURI = c.newUri;
        emit ISecuredAssetLedger.DecisionDocumentChanged(
            c.assetId, previousHash, c.newHash, c.newUri, c.reason, msg.sender
        );
    }

    /// @notice Checks the issuer's signed declaration that its obligations are fulfilled (Art. 7.1).
    function checkObligationsDeclaration(
        bytes32 domainSeparator,
        address issuer,
        uint256 assetId,
        uint256 deadline,
        bytes calldata issuerSignature
    ) external view {
        if (block.timestamp > deadline) {
            revert ISecuredAssetLedger.ObligationsDeclarationExpired(deadline, block.timestamp);
        }
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            domainSeparator, keccak256(abi.encode(OBLIGATIONS_TYPEHASH, assetId, deadline))
        );
        if (!SignatureValidation.isValidNow(issuer, digest, issuerSignature)) {
            revert ISecuredAssetLedger.IssuerSignatureInvalid(issuer, assetId);
        }
    }

    /// @notice Stores the asset's terms and emits the issuance events: the asset, its decision and its issuer's details
    /// (Art. 5.1.2, 5.1.5). Units <= type(uint96).max were checked by {validate}.
    function record(
        LedgerCore.AssetTerms storage terms,
        uint256 assetId,
        address operator,
        bytes32 assetType,
        ISecuredAssetLedger.IssuanceDecision calldata decision,
        ISecuredAssetLedger.IssuerDetails calldata issuer,
        ISecuredAssetLedger.CollateralAttestation calldata att,
        bytes32 detailsHash
    ) external {
        terms.issuer = att.owner;
        terms.assetType = assetType;
        terms.decisionHash = decision.documentHash;
        terms.issuerDetailsHash = detailsHash;
        // forge-lint: disable-next-line(unsafe-typecast)
        terms.issuedUnits = uint96(decision.units);
        terms.issuedAt = uint64(block.timestamp);
        terms.decisionURI = decision.uri;
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

    /// @dev The owner's IssuanceRequest struct hash (EIP-712: strings are hashed).
    function _requestHash(
        bytes32 assetType,
        ISecuredAssetLedger.IssuanceDecision calldata decision,
        bytes32 detailsHash,
        ISecuredAssetLedger.CollateralAttestation calldata att,
        uint256 requestDeadline
    ) private pure returns (bytes32) {
        bytes memory head = abi.encode(
            ISSUANCE_TYPEHASH,
            att.owner,
            assetType,
            decision.documentHash,
            keccak256(bytes(decision.uri)),
            decision.rightsType,
            keccak256(bytes(decision.rightsExtent))
        );
        return keccak256(
            abi.encodePacked(
                head,
                abi.encode(detailsHash, decision.units, att.evidenceHash, att.verifier, att.nonce, requestDeadline)
            )
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

    /// @dev Art. 5.1.6, 6.8: collateral attested for this owner, type and units, unexpired, signed by the verifier.
    function _checkAttestation(
        bytes32 domainSeparator,
        bytes32 assetType,
        uint256 units,
        ISecuredAssetLedger.CollateralAttestation calldata att
    ) private view {
        if (att.evidenceHash == bytes32(0)) revert ISecuredAssetLedger.CollateralEvidenceMissing();
        if (att.assetType != assetType) revert ISecuredAssetLedger.CollateralAssetTypeMismatch(att.assetType, assetType);
        if (att.units != units) revert ISecuredAssetLedger.CollateralUnitsMismatch(att.units, units);
        if (block.timestamp > att.expiry) {
            revert ISecuredAssetLedger.CollateralAttestationExpired(att.expiry, block.timestamp);
        }
        bytes32 structHash = keccak256(
            abi.encode(ATTESTATION_TYPEHASH, att.owner, att.evidenceHash, att.assetType, att.units, att.nonce, att.expiry)
        );
        bytes32 digest = MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
        if (!SignatureValidation.isValidNow(att.verifier, digest, att.signature)) {
            revert ISecuredAssetLedger.CollateralAttestationSignatureInvalid(att.verifier);
        }
    }
}
