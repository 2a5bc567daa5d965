// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155Utils} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Utils.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ISecuredAssetLedger} from "./interfaces/ISecuredAssetLedger.sol";
import {IERC7943MultiTokenChecks} from "./interfaces/IERC7943MultiToken.sol";
import {PlatformRoles} from "./access/PlatformRoles.sol";
import {SignatureValidation} from "./access/SignatureValidation.sol";
import {PermitRegister} from "./registers/PermitRegister.sol";
import {AssetTypeRegister} from "./registers/AssetTypeRegister.sol";
import {ParticipantRegister} from "./registers/ParticipantRegister.sol";
import {TransferRecords} from "./ledger/TransferRecords.sol";
import {IssuanceRules} from "./ledger/IssuanceRules.sol";

/**
 * @title SecuredAssetLedger
 * @notice The digital platform for the storage and exchange of secured digital assets (Law "On digital assets",
 * Art. 1, 5, 6, 7): an ERC-1155 ledger in which each asset id is one issuance, composed with the permit register,
 * the list of recognised asset types and the participant register.
 *
 * Every balance change (issue, transfer, redemption, forced transfer) passes through {_update}, which applies
 * one set of rules (see {checkTransfer}) and appends a transfer record chained by hash to the previous record of
 * the same asset (Art. 5.1.7). The block time of that record is the moment rights arise (Art. 6.6).
 *
 * Holders sign transfers as EIP-712 typed data and an operator with an active permit relays them; the contract
 * checks the holder's signature itself, so an operator cannot move holdings on its own.
 */
contract SecuredAssetLedger is
    ERC1155,
    PermitRegister,
    AssetTypeRegister,
    ParticipantRegister,
    ISecuredAssetLedger,
    IERC7943MultiTokenChecks
{
    bytes32 private constant TRANSFER_TYPEHASH = keccak256(
        "TransferAuthorization(address from,address to,uint256 assetId,uint256 amount,uint256 nonce,uint256 deadline,bytes32 ref)"
    );
    bytes32 private constant REDEMPTION_TYPEHASH = keccak256(
        "Redemption(address holder,uint256 assetId,uint256 amount,uint256 nonce,uint256 deadline,bytes32 ref)"
    );
    bytes32 private constant OBLIGATIONS_TYPEHASH = keccak256("ObligationsFulfilled(uint256 assetId,uint256 deadline)");

    /// @dev One slot per holder and asset: balance, frozen units and the authorization nonce change together.
    struct Holding {
        uint112 balance;
        uint112 frozen;
        uint32 nonce;
    }

    /// @dev The part of an asset every transfer reads and writes, in one slot.
    struct AssetCore {
        bytes24 recordHead;
        uint56 recordCount;
        AssetStatus status;
    }

    /// @dev Rights type, collateral evidence and the issuer's texts are in the issuance events only.
    struct AssetTerms {
        address issuer;
        bytes32 assetType;
        bytes32 decisionHash;
        bytes32 issuerDetailsHash;
        uint96 issuedUnits;
        uint96 supply;
        uint64 issuedAt;
        string decisionURI;
    }

    mapping(uint256 assetId => mapping(address account => Holding)) private _holdings;
    mapping(uint256 assetId => AssetCore) private _cores;
    mapping(uint256 assetId => AssetTerms) private _terms;
    mapping(address owner => mapping(uint256 nonce => bool)) private _issuanceNonces;
    uint256 private _assetCount;

    /**
     * @param authority the designated authority: admin of all roles, keeper of the registers
     * @param operator the first platform operator (may be zero); it still needs a permit to post
     * @param verifier the first collateral verifier (may be zero)
     * @dev The deployer receives no role.
     */
    constructor(address authority, address operator, address verifier)
        ERC1155("")
        EIP712("SecuredDigitalAssets", "1")
    {
        if (authority == address(0)) revert AccessControlBadConfirmation();
        _grantRole(DEFAULT_ADMIN_ROLE, authority);
        _grantRole(PlatformRoles.AUTHORITY, authority);
        _setRoleAdmin(PlatformRoles.VERIFIER, PlatformRoles.OPERATOR);
        if (operator != address(0)) _grantRole(PlatformRoles.OPERATOR, operator);
        if (verifier != address(0)) _grantRole(PlatformRoles.VERIFIER, verifier);
    }

    // ---------------------------------------------------------------- issuance (Art. 5, 6.5, 6.7, 6.8, 7)

    /// @inheritdoc ISecuredAssetLedger
    function issue(
        bytes32 assetType_,
        IssuanceDecision calldata decision,
        IssuerDetails calldata issuer,
        CollateralAttestation calldata attestation,
        uint256 requestDeadline,
        bytes calldata ownerSignature
    ) external returns (uint256 assetId) {
        _requireNotPaused();
        _checkPermitted(_msgSender());
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
        assetId = ++_assetCount;
        _cores[assetId] = AssetCore(bytes24(0), 0, AssetStatus.Active);
        AssetTerms storage terms = _terms[assetId];
        terms.issuer = owner;
        terms.assetType = assetType_;
        terms.decisionHash = decision.documentHash;
        terms.issuerDetailsHash = detailsHash;
        terms.issuedUnits = uint96(decision.units);
        terms.issuedAt = uint64(block.timestamp);
        terms.decisionURI = decision.uri;
        IssuanceRules.announce(assetId, _msgSender(), assetType_, decision, issuer, attestation, detailsHash);

        // The owner's eligibility (registered, not frozen, disclosure acknowledged) is a rule of {_post}.
        _post(
            _msgSender(), address(0), owner, assetId, decision.units, decision.documentHash, false, 0,
            _holdings[assetId][address(0)]
        );
    }

    // ---------------------------------------------------------------- circulation

    /// @inheritdoc ISecuredAssetLedger
    function transferWithAuthorization(TransferAuthorization calldata auth, bytes calldata signature) external {
        Holding storage holding = _holdings[auth.assetId][auth.from];
        TransferCheck check = _authorizationCheck(auth, signature, holding);
        if (check != TransferCheck.Ok) _revertAuthorization(check, auth);
        _relay(auth, holding);
    }

    /// @inheritdoc ISecuredAssetLedger
    function transferBatchWithAuthorization(TransferAuthorization[] calldata auths, bytes[] calldata signatures)
        external
        returns (uint256 posted)
    {
        uint256 n = auths.length;
        if (n == 0) revert BatchEmpty();
        if (n != signatures.length) revert BatchLengthMismatch(n, signatures.length);
        _requireNotPaused();
        _checkPermitted(_msgSender());
        for (uint256 i = 0; i < n; ++i) {
            TransferAuthorization calldata auth = auths[i];
            Holding storage holding = _holdings[auth.assetId][auth.from];
            TransferCheck check = _authorizationCheck(auth, signatures[i], holding);
            if (check == TransferCheck.Ok) {
                check = _ruleCheck(_msgSender(), auth.from, auth.to, auth.assetId, auth.amount, false);
                // A transfer to the zero address would be a burn: refuse it on its own, not the whole batch.
                if (auth.to == address(0)) check = TransferCheck.RecipientNotRegistered;
            }
            if (check != TransferCheck.Ok) {
                emit AuthorizationRejected(i, auth.from, auth.nonce, check);
                continue;
            }
            _relay(auth, holding);
            ++posted;
        }
    }

    /// @inheritdoc ISecuredAssetLedger
    function redeem(uint256 assetId, uint256 amount, bytes32 ref) external {
        _post(address(0), _msgSender(), address(0), assetId, amount, ref, false, 0, _holdings[assetId][_msgSender()]);
    }

    /// @inheritdoc ISecuredAssetLedger
    function redeemWithAuthorization(
        address holder,
        uint256 assetId,
        uint256 amount,
        uint256 nonce,
        uint256 deadline,
        bytes32 ref,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert TransferAuthorizationExpired(deadline, block.timestamp);
        Holding storage holding = _holdings[assetId][holder];
        if (nonce != holding.nonce) revert TransferNonceMismatch(holder, assetId, holding.nonce, nonce);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(REDEMPTION_TYPEHASH, holder, assetId, amount, nonce, deadline, ref))
        );
        if (!SignatureValidation.isValidNow(holder, digest, signature)) revert TransferSignatureInvalid(holder);

        _post(_msgSender(), holder, address(0), assetId, amount, ref, false, uint32(nonce + 1), holding);
    }

    /// @inheritdoc ISecuredAssetLedger
    function declareObligationsFulfilled(uint256 assetId, uint256 deadline, bytes calldata issuerSignature) external {
        AssetCore storage core = _existingAsset(assetId);
        address issuer = _terms[assetId].issuer;
        if (_msgSender() != issuer) {
            _checkPermitted(_msgSender());
            if (block.timestamp > deadline) revert TransferAuthorizationExpired(deadline, block.timestamp);
            bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(OBLIGATIONS_TYPEHASH, assetId, deadline)));
            if (!SignatureValidation.isValidNow(issuer, digest, issuerSignature)) revert NotIssuer(_msgSender(), assetId);
        }
        if (core.status == AssetStatus.Closed) revert AssetNotActive(assetId, core.status);
        uint256 supply = _terms[assetId].supply;
        if (supply != 0) revert ObligationsOutstanding(assetId, supply);

        core.status = AssetStatus.Closed;
        emit ObligationsFulfilled(assetId, issuer);
    }

    /// @inheritdoc ISecuredAssetLedger
    function changeDecisionDocument(uint256 assetId, bytes32 newHash, string calldata newUri, string calldata reason)
        external
    {
        _checkPermitted(_msgSender());
        AssetCore storage core = _existingAsset(assetId);
        if (core.status == AssetStatus.Closed) revert DecisionChangeWhileClosed(assetId);
        if (newHash == bytes32(0)) revert IssuanceDecisionHashMissing();
        if (bytes(newUri).length == 0) revert IssuanceDecisionURIMissing();
        if (bytes(reason).length == 0) revert ReasonMissing();

        AssetTerms storage terms = _terms[assetId];
        bytes32 oldHash = terms.decisionHash;
        terms.decisionHash = newHash;
        terms.decisionURI = newUri;
        emit DecisionDocumentChanged(assetId, oldHash, newHash, newUri, reason, _msgSender());
    }

    // ---------------------------------------------------------------- authority actions

    /// @inheritdoc ISecuredAssetLedger
    function suspendAsset(uint256 assetId, string calldata reason) external onlyRole(PlatformRoles.AUTHORITY) {
        AssetCore storage core = _existingAsset(assetId);
        if (core.status != AssetStatus.Active) revert AssetNotActive(assetId, core.status);
        if (bytes(reason).length == 0) revert ReasonMissing();
        core.status = AssetStatus.Suspended;
        emit AssetSuspended(assetId, reason);
    }

    /// @inheritdoc ISecuredAssetLedger
    function resumeAsset(uint256 assetId, string calldata reason) external onlyRole(PlatformRoles.AUTHORITY) {
        AssetCore storage core = _existingAsset(assetId);
        if (core.status != AssetStatus.Suspended) revert AssetNotSuspended(assetId);
        if (bytes(reason).length == 0) revert ReasonMissing();
        core.status = AssetStatus.Active;
        emit AssetResumed(assetId, reason);
    }

    /// @inheritdoc ISecuredAssetLedger
    function forcedTransfer(
        address from,
        address to,
        uint256 assetId,
        uint256 amount,
        LegalBasis basis,
        bytes32 ref
    ) external onlyRole(PlatformRoles.AUTHORITY) {
        if (basis == LegalBasis.None || ref == bytes32(0)) revert ForcedTransferBasisMissing();
        // From the zero address it would mint units without collateral (Art. 6.8): never.
        if (from == address(0)) revert ERC1155InvalidSender(from);
        // To the zero address it would destroy units; to the sender itself it would only lower its frozen units.
        if (to == address(0) || to == from) revert ERC1155InvalidReceiver(to);
        emit ForcedTransfer(from, to, assetId, amount);
        emit ForcedTransferOrdered(assetId, from, to, amount, basis, ref);
        _post(address(0), from, to, assetId, amount, ref, true, 0, _holdings[assetId][from]);
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function setFrozenTokens(address account, uint256 tokenId, uint256 amount) external returns (bool result) {
        _checkAuthorityOrOperator(_msgSender());
        _existingAsset(tokenId);
        uint112 frozen = amount > type(uint112).max ? type(uint112).max : uint112(amount);
        Holding storage holding = _holdings[tokenId][account];
        if (holding.frozen != frozen) {
            holding.frozen = frozen;
            emit Frozen(account, tokenId, frozen);
        }
        return true;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISecuredAssetLedger
    function checkTransfer(address operator, address from, address to, uint256 assetId, uint256 amount)
        external
        view
        returns (TransferCheck)
    {
        if (to == address(0)) return TransferCheck.RecipientNotRegistered;
        return _ruleCheck(operator, from, to, assetId, amount, false);
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function canSend(address account) external view returns (bool allowed) {
        (TransferCheck check, ) = _participantCheck(account, true, currentDisclosureVersion());
        return check == TransferCheck.Ok;
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function canReceive(address account) external view returns (bool allowed) {
        (TransferCheck check, ) = _participantCheck(account, false, currentDisclosureVersion());
        return check == TransferCheck.Ok;
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function getFrozenTokens(address account, uint256 tokenId) external view returns (uint256 amount) {
        return _holdings[tokenId][account].frozen;
    }

    /// @inheritdoc IERC7943MultiTokenChecks
    function canTransfer(address from, address to, uint256 tokenId, uint256 amount) external view returns (bool allowed) {
        return to != address(0) && _ruleCheck(address(0), from, to, tokenId, amount, false) == TransferCheck.Ok;
    }

    /// @inheritdoc ISecuredAssetLedger
    function nonceOf(address account, uint256 assetId) external view returns (uint256) {
        return _holdings[assetId][account].nonce;
    }

    /// @inheritdoc ISecuredAssetLedger
    function assetInfo(uint256 assetId) external view returns (AssetInfo memory info) {
        AssetCore storage core = _cores[assetId];
        AssetTerms storage terms = _terms[assetId];
        info = AssetInfo({
            status: core.status,
            issuer: terms.issuer,
            assetType: terms.assetType,
            decisionHash: terms.decisionHash,
            decisionURI: terms.decisionURI,
            issuerDetailsHash: terms.issuerDetailsHash,
            issuedUnits: terms.issuedUnits,
            supply: terms.supply,
            issuedAt: terms.issuedAt,
            recordCount: core.recordCount,
            recordHead: core.recordHead
        });
    }

    /// @inheritdoc ISecuredAssetLedger
    function assetCount() external view returns (uint256) {
        return _assetCount;
    }

    /// @inheritdoc ISecuredAssetLedger
    function isIssuanceNonceUsed(address owner, uint256 nonce) external view returns (bool) {
        return _issuanceNonces[owner][nonce];
    }

    /// @inheritdoc ISecuredAssetLedger
    function hashTransferAuthorization(TransferAuthorization calldata auth) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    TRANSFER_TYPEHASH, auth.from, auth.to, auth.assetId, auth.amount, auth.nonce, auth.deadline, auth.ref
                )
            )
        );
    }

    /// @notice Units of `assetId` outstanding.
    function totalSupply(uint256 assetId) external view returns (uint256) {
        return _terms[assetId].supply;
    }

    /// @notice Units of `id` held by `account`.
    function balanceOf(address account, uint256 id) public view override returns (uint256) {
        return _holdings[id][account].balance;
    }

    /// @notice The URI of the asset's issuance decision (Art. 7.1).
    function uri(uint256 id) public view override returns (string memory) {
        return _terms[id].decisionURI;
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- the one gate

    /**
     * @dev ERC-1155's own entry points (safeTransferFrom, safeBatchTransferFrom) land here: each id goes through
     * {_apply}, the gate every balance change of the platform passes.
     */
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        uint256 n = ids.length;
        if (n != values.length) revert ERC1155InvalidArrayLength(n, values.length);
        for (uint256 i = 0; i < n; ++i) {
            _apply(address(0), from, to, ids[i], values[i], bytes32(0), false, 0, _holdings[ids[i]][from]);
        }
        if (n == 1) {
            emit TransferSingle(_msgSender(), from, to, ids[0], values[0]);
        } else {
            emit TransferBatch(_msgSender(), from, to, ids, values);
        }
    }

    /**
     * @dev The ERC-1155 acceptance call is made to recipients registered as contract wallets only: a registered
     * externally owned account cannot reject units, and skipping the cold EXTCODESIZE saves 2,600 gas per transfer.
     * An unregistered recipient is refused by {_update} before this point.
     */
    function _updateWithAcceptanceCheck(
        address from,
        address to,
        uint256[] memory ids,
        uint256[] memory values,
        bytes memory data,
        bool batch
    ) internal override {
        if (to != address(0) && _participant(to).contractWallet) {
            super._updateWithAcceptanceCheck(from, to, ids, values, data, batch);
        } else {
            _update(from, to, ids, values);
        }
    }

    /// @dev The platform's own postings (issue, relayed transfer, redemption, forced transfer): gate, event, acceptance.
    function _post(
        address operator,
        address from,
        address to,
        uint256 id,
        uint256 value,
        bytes32 ref,
        bool forced,
        uint32 nextNonce,
        Holding storage holding
    ) private {
        bool toContractWallet = _apply(operator, from, to, id, value, ref, forced, nextNonce, holding);
        emit TransferSingle(_msgSender(), from, to, id, value);
        if (toContractWallet) {
            ERC1155Utils.checkOnERC1155Received(_msgSender(), from, to, id, value, "");
        }
    }

    /**
     * @dev The gate: the rules of {_ruleCheck}, then balances, supply and the transfer record. `operator` is the
     * posting operator of a relayed action (zero for a holder's own call or an authority order); `nextNonce`, when
     * non-zero, is the sender's authorization nonce after this posting, kept in the same slot as the balance.
     */
    function _apply(
        address operator,
        address from,
        address to,
        uint256 id,
        uint256 value,
        bytes32 ref,
        bool forced,
        uint32 nextNonce,
        Holding storage holding
    ) private returns (bool toContractWallet) {
        // Storage locations are derived once and shared by the rules and the accounting; `holding` is the
        // sender's, passed in by callers that already derived it.
        AssetCore storage core = _cores[id];
        TransferCheck check;
        (check, toContractWallet) = _rules(operator, from, to, value, forced, core, holding);
        if (check != TransferCheck.Ok) _revertRefusal(check, operator, from, to, id, value);

        if (from == address(0)) {
            // Issuance: units <= type(uint96).max was checked by IssuanceRules, and each asset is minted once.
            _terms[id].supply += uint96(value);
        } else {
            uint112 remaining;
            // The rules checked value <= balance.
            unchecked {
                remaining = holding.balance - uint112(value);
            }
            holding.balance = remaining;
            if (nextNonce != 0) holding.nonce = nextNonce;
            if (forced && holding.frozen > remaining) {
                holding.frozen = remaining;
                emit Frozen(from, id, remaining);
            }
        }
        uint56 sequence;
        unchecked {
            if (to == address(0)) {
                // Burned units were held, so they are part of the supply.
                _terms[id].supply -= uint96(value);
            } else {
                // A balance never exceeds the supply, which fits in uint96.
                _holdings[id][to].balance += uint112(value);
            }
            // 2^56 records per asset cannot be reached.
            sequence = core.recordCount + 1;
        }
        bytes24 recordHash =
            TransferRecords.hash(core.recordHead, id, sequence, from, to, value, ref, block.timestamp);
        core.recordHead = recordHash;
        core.recordCount = sequence;
        emit RecordPosted(id, sequence, from, to, value, ref, block.timestamp);
    }

    /**
     * @dev The transfer rules, in the order the gateway reports them: platform paused, posting operator's permit
     * (Art. 6.1), amount, asset status, then sender and recipient registered (Art. 6.3), not frozen (Art. 6.3),
     * acknowledged the current disclosure (Art. 6.4), and the sender's unfrozen balance. A forced transfer skips
     * the sender's rules but not the recipient's.
     */
    function _ruleCheck(address operator, address from, address to, uint256 id, uint256 amount, bool forced)
        private
        view
        returns (TransferCheck check)
    {
        (check, ) = _rules(operator, from, to, amount, forced, _cores[id], _holdings[id][from]);
    }

    /// @dev {_ruleCheck} on given storage locations; also tells whether the recipient is a contract wallet.
    function _rules(
        address operator,
        address from,
        address to,
        uint256 amount,
        bool forced,
        AssetCore storage core,
        Holding storage holding
    ) private view returns (TransferCheck, bool toContractWallet) {
        (bool isPaused, uint32 disclosureVersion) = _policyState();
        if (isPaused) return (TransferCheck.PlatformPaused, false);
        if (operator != address(0) && !isPermitted(operator)) return (TransferCheck.OperatorNotPermitted, false);
        if (amount == 0) return (TransferCheck.ZeroAmount, false);
        if (core.status != AssetStatus.Active) return (TransferCheck.AssetNotActive, false);
        if (from != address(0)) {
            if (!forced) {
                (TransferCheck senderCheck, ) = _participantCheck(from, true, disclosureVersion);
                if (senderCheck != TransferCheck.Ok) return (senderCheck, false);
            }
            uint256 balance = holding.balance;
            if (balance < amount) return (TransferCheck.InsufficientBalance, false);
            if (!forced && amount > _unfrozen(balance, holding.frozen)) {
                return (TransferCheck.InsufficientUnfrozenBalance, false);
            }
        }
        if (to != address(0)) return _participantCheck(to, false, disclosureVersion);
        return (TransferCheck.Ok, false);
    }

    function _participantCheck(address account, bool sender, uint32 current)
        private
        view
        returns (TransferCheck, bool contractWallet)
    {
        Participant storage p = _participant(account);
        if (p.kind == ParticipantKind.None) {
            return (sender ? TransferCheck.SenderNotRegistered : TransferCheck.RecipientNotRegistered, false);
        }
        if (p.frozen) return (sender ? TransferCheck.SenderFrozen : TransferCheck.RecipientFrozen, false);
        if (current == 0 || p.acknowledgedVersion != current) {
            return (sender ? TransferCheck.SenderNotAcknowledged : TransferCheck.RecipientNotAcknowledged, false);
        }
        return (TransferCheck.Ok, p.contractWallet);
    }

    function _relay(TransferAuthorization calldata auth, Holding storage holding) private {
        if (auth.to == address(0)) revert ERC1155InvalidReceiver(auth.to);
        _post(
            _msgSender(), auth.from, auth.to, auth.assetId, auth.amount, auth.ref, false, uint32(auth.nonce + 1), holding
        );
    }

    function _authorizationCheck(
        TransferAuthorization calldata auth,
        bytes calldata signature,
        Holding storage holding
    ) private view returns (TransferCheck) {
        if (block.timestamp > auth.deadline) return TransferCheck.AuthorizationExpired;
        if (auth.nonce != holding.nonce) return TransferCheck.NonceMismatch;
        if (!SignatureValidation.isValidNow(auth.from, hashTransferAuthorization(auth), signature)) {
            return TransferCheck.SignatureInvalid;
        }
        return TransferCheck.Ok;
    }

    function _revertAuthorization(TransferCheck check, TransferAuthorization calldata auth) private view {
        if (check == TransferCheck.AuthorizationExpired) {
            revert TransferAuthorizationExpired(auth.deadline, block.timestamp);
        }
        if (check == TransferCheck.NonceMismatch) {
            revert TransferNonceMismatch(auth.from, auth.assetId, _holdings[auth.assetId][auth.from].nonce, auth.nonce);
        }
        revert TransferSignatureInvalid(auth.from);
    }

    function _revertRefusal(TransferCheck check, address operator, address from, address to, uint256 id, uint256 value)
        private
        view
    {
        if (check == TransferCheck.PlatformPaused) revert EnforcedPause();
        if (check == TransferCheck.OperatorNotPermitted) revert OperatorNotPermitted(operator);
        if (check == TransferCheck.ZeroAmount) revert TransferAmountZero();
        if (check == TransferCheck.AssetNotActive) {
            AssetStatus status = _cores[id].status;
            if (status == AssetStatus.None) revert AssetNotFound(id);
            revert AssetNotActive(id, status);
        }
        if (check == TransferCheck.SenderNotRegistered) revert ParticipantNotRegistered(from);
        if (check == TransferCheck.RecipientNotRegistered) revert ParticipantNotRegistered(to);
        if (check == TransferCheck.SenderFrozen) revert ParticipantIsFrozen(from);
        if (check == TransferCheck.RecipientFrozen) revert ParticipantIsFrozen(to);
        if (check == TransferCheck.SenderNotAcknowledged || check == TransferCheck.RecipientNotAcknowledged) {
            address account = check == TransferCheck.SenderNotAcknowledged ? from : to;
            revert DisclosureNotAcknowledged(
                account, _participant(account).acknowledgedVersion, currentDisclosureVersion()
            );
        }
        Holding storage holding = _holdings[id][from];
        if (check == TransferCheck.InsufficientBalance) revert InsufficientBalance(from, id, holding.balance, value);
        revert ERC7943InsufficientUnfrozenBalance(from, id, value, _unfrozen(holding.balance, holding.frozen));
    }

    function _requireNotPaused() private view {
        if (paused()) revert EnforcedPause();
    }

    function _existingAsset(uint256 assetId) private view returns (AssetCore storage core) {
        core = _cores[assetId];
        if (core.status == AssetStatus.None) revert AssetNotFound(assetId);
    }

    function _unfrozen(uint256 balance, uint256 frozen) private pure returns (uint256) {
        return balance > frozen ? balance - frozen : 0;
    }
}
