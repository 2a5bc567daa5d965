// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title ISecuredAssetLedger
 * @notice Issuance, circulation, records and redemption of secured digital assets
 * (Law "On digital assets", Art. 5, 6, 7). Every balance change appends a transfer record whose hash covers
 * the previous record's hash; the block time of the record is the moment rights arise (Art. 6.6).
 */
interface ISecuredAssetLedger {
    enum AssetStatus {
        None,
        Active,
        Suspended,
        /// @dev obligations to all holders fulfilled (Art. 7.1): nothing outstanding, decision may be withdrawn
        Closed
    }

    /// @notice Why a transfer would be refused, so the gateway can explain a refusal before it submits.
    enum TransferCheck {
        Ok,
        PlatformPaused,
        OperatorNotPermitted,
        AssetNotActive,
        SenderNotRegistered,
        RecipientNotRegistered,
        SenderFrozen,
        RecipientFrozen,
        SenderNotAcknowledged,
        RecipientNotAcknowledged,
        InsufficientBalance,
        InsufficientUnfrozenBalance,
        AuthorizationExpired,
        NonceMismatch,
        SignatureInvalid,
        ZeroAmount,
        /// @dev a transfer to oneself would post a record and spend a nonce while nothing changes hands
        SelfTransfer,
        /// @dev the sender's nonce for this asset reached its maximum: advancing it would wrap to an unused value
        NonceExhausted
    }

    /// @notice Legal ground of a forced transfer.
    enum LegalBasis {
        None,
        CourtDecision,
        Inheritance,
        LostKey
    }

    /// @notice The decision to issue (Art. 5.1.2, 6.7, 7): its document, where it is public, the rights.
    struct IssuanceDecision {
        bytes32 documentHash;
        string uri;
        bytes32 rightsType;
        string rightsExtent;
        uint256 units;
    }

    /// @notice Details of the person who issued the asset (Art. 5.1.5).
    struct IssuerDetails {
        string legalName;
        string bin;
        string registeredAddress;
    }

    /**
     * @notice A verifier's attestation that collateral exists and belongs to `owner` (Art. 5.1.6, 6.5, 6.8) and
     * secures `units` units, signed as EIP-712
     * `CollateralAttestation(address owner,bytes32 evidenceHash,bytes32 assetType,uint256 units,uint256 nonce,uint256 expiry)`
     * in this contract's domain (chain id and address). `nonce` is the owner's issuance nonce: usable once.
     */
    struct CollateralAttestation {
        address owner;
        bytes32 evidenceHash;
        bytes32 assetType;
        uint256 units;
        uint256 nonce;
        uint256 expiry;
        address verifier;
        bytes signature;
    }

    /**
     * @notice A holder's order to transfer, signed as EIP-712
     * `TransferAuthorization(address from,address to,uint256 assetId,uint256 amount,uint256 nonce,uint256 deadline,bytes32 ref)`.
     * `nonce` is the sender's next nonce for `assetId` (see nonceOf).
     */
    struct TransferAuthorization {
        address from;
        address to;
        uint256 assetId;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
        bytes32 ref;
    }

    /// @notice What is kept per asset besides balances.
    struct AssetInfo {
        AssetStatus status;
        address issuer;
        bytes32 assetType;
        bytes32 decisionHash;
        string decisionURI;
        bytes32 issuerDetailsHash;
        uint256 issuedUnits;
        uint256 supply;
        uint64 issuedAt;
        uint64 recordCount;
        bytes24 recordHead;
    }

    event AssetIssued(
        uint256 indexed assetId,
        address indexed owner,
        bytes32 indexed assetType,
        uint256 units,
        bytes32 collateralEvidenceHash,
        address verifier,
        address operator
    );
    event IssuanceDecisionRecorded(
        uint256 indexed assetId, bytes32 documentHash, string uri, bytes32 rightsType, string rightsExtent
    );
    event IssuerDetailsRecorded(
        uint256 indexed assetId, bytes32 detailsHash, string legalName, string bin, string registeredAddress
    );
    event DecisionDocumentChanged(
        uint256 indexed assetId, bytes32 oldHash, bytes32 newHash, string newUri, string reason, address operator
    );
    event ObligationsFulfilled(uint256 indexed assetId, address indexed issuer);
    event AssetSuspended(uint256 indexed assetId, string reason);
    event AssetResumed(uint256 indexed assetId, string reason);
    event ForcedTransferOrdered(
        uint256 indexed assetId, address indexed from, address indexed to, uint256 amount, LegalBasis basis, bytes32 ref
    );
    /// @notice One transfer record (Art. 5.1.7, 6.6); `postedAt` is the moment rights arise (Art. 6.6). The record's
    /// hash is the first 24 bytes of keccak256(abi.encode(previous hash, assetId, sequence, from, to, amount, ref,
    /// postedAt)), the first record's previous hash being zero: recomputed from these events, the last hash and the
    /// sequence must equal assetInfo(assetId).recordHead and recordCount.
    event RecordPosted(
        uint256 indexed assetId,
        uint256 sequence,
        address from,
        address to,
        uint256 amount,
        bytes32 ref,
        uint256 postedAt
    );
    /// @notice Units of `tokenId` held by `account` frozen by an order of `orderedBy`; while `byAuthority`, only the
    /// authority changes them (Art. 6.3). Emitted beside ERC-7943's Frozen.
    event FrozenUnitsOrdered(
        address indexed account, uint256 indexed tokenId, address indexed orderedBy, uint256 amount, bool byAuthority
    );
    /// @notice One authorization of a batch was refused; the others went on.
    event AuthorizationRejected(uint256 indexed index, address indexed from, uint256 nonce, TransferCheck reason);

    // Issuance (Art. 5.2: each missing element has its own error and nothing is recorded)
    error IssuanceDecisionHashMissing();
    error IssuanceDecisionURIMissing();
    error IssuanceRightsTypeMissing();
    error IssuanceRightsExtentMissing();
    error IssuanceUnitsInvalid(uint256 units);
    error IssuerLegalNameMissing();
    error IssuerIdentificationNumberInvalid(string bin);
    error IssuerAddressMissing();
    error CollateralEvidenceMissing();
    error CollateralAssetTypeMismatch(bytes32 attested, bytes32 requested);
    error CollateralAttestationExpired(uint256 expiry, uint256 now_);
    error CollateralAttestationUsed(address owner, uint256 nonce);
    error CollateralVerifierNotTrusted(address verifier);
    error CollateralAttestationSignatureInvalid(address verifier);
    error CollateralUnitsMismatch(uint256 attested, uint256 requested);
    error IssuanceRequestExpired(uint256 deadline, uint256 now_);
    error IssuanceRequestSignatureInvalid(address owner);

    // Circulation
    error AssetNotFound(uint256 assetId);
    error AssetNotActive(uint256 assetId, AssetStatus status);
    error AssetNotSuspended(uint256 assetId);
    error TransferAmountZero();
    error TransferAuthorizationExpired(uint256 deadline, uint256 now_);
    error TransferNonceMismatch(address from, uint256 assetId, uint256 expected, uint256 given);
    error TransferSignatureInvalid(address from);
    error TransferToSelf(address account);
    error TransferNonceExhausted(address from, uint256 assetId);
    error BatchLengthMismatch(uint256 authorizations, uint256 signatures);
    error BatchEmpty();
    error InsufficientBalance(address account, uint256 assetId, uint256 balance, uint256 needed);
    error ForcedTransferBasisMissing();
    error ReasonMissing();
    error ObligationsOutstanding(uint256 assetId, uint256 supply);
    error IssuerSignatureInvalid(address issuer, uint256 assetId);
    error ObligationsDeclarationExpired(uint256 deadline, uint256 now_);
    error DecisionChangeWhileClosed(uint256 assetId);
    error DecisionChangeExpired(uint256 deadline, uint256 now_);
    /// @notice This signed change was applied already: an issuer's signature changes the document once.
    error DecisionChangeReplayed(bytes32 digest);
    /// @notice The units were frozen by the authority; only the authority changes them.
    error FrozenUnitsOrderedByAuthority(address account, uint256 assetId);
    /// @notice ERC-1155 operator approvals are disabled: units move only by the holder, a relayed holder signature
    /// or an authority order, each under the platform's rules (docs/design.md "Approvals").
    error ApprovalsDisabled();
    /// @notice The constructor needs the designated authority.
    error LedgerAuthorityMissing();

    /**
     * @notice Issues a new secured digital asset to the attested owner (Art. 5, 6.5, 6.7, 6.8, 7).
     * `ownerSignature` is the owner's EIP-712 `IssuanceRequest(address owner,bytes32 assetType,bytes32 decisionHash,string decisionUri,bytes32 rightsType,string rightsExtent,bytes32 issuerDetailsHash,uint256 units,bytes32 evidenceHash,address verifier,uint256 nonce,uint256 deadline)`
     * where decisionHash = the decision's documentHash and issuerDetailsHash = keccak256(abi.encode(legalName, bin, registeredAddress)):
     * every field the ledger stores or publishes about the issuance is the owner's.
     * Requirements: platform not paused; caller holds OPERATOR_ROLE and an active permit; `assetType` recognised;
     * the decision and issuer details complete; the attestation signed by a VERIFIER, unexpired, unused and for the
     * same type and units;
     * the owner's signature valid and unexpired; the owner registered, not frozen, and has acknowledged the
     * current risk disclosure.
     */
    function issue(
        bytes32 assetType,
        IssuanceDecision calldata decision,
        IssuerDetails calldata issuer,
        CollateralAttestation calldata attestation,
        uint256 requestDeadline,
        bytes calldata ownerSignature
    ) external returns (uint256 assetId);

    /**
     * @notice Relays one holder-signed transfer. The contract verifies the holder's signature itself, so an
     * operator cannot move holdings on its own.
     * Requirements: caller holds OPERATOR_ROLE and an active permit; the signature is `auth.from`'s; unexpired; nonce
     * is next; `to` is not `from`; every transfer rule holds (see checkTransfer).
     */
    function transferWithAuthorization(TransferAuthorization calldata auth, bytes calldata signature) external;

    /**
     * @notice Relays many holder-signed transfers; each is checked on its own: a refused one (one to the zero
     * address or to its own sender included) emits AuthorizationRejected and the rest go on. A recipient that is a
     * registered contract wallet and rejects the units in its ERC-1155 hook reverts the whole batch: the hook runs
     * after the posting, so the gateway sends transfers to contract wallets one by one.
     * Requirements: caller holds OPERATOR_ROLE and an active permit; equal, non-zero lengths.
     * @return posted how many were posted
     */
    function transferBatchWithAuthorization(TransferAuthorization[] calldata auths, bytes[] calldata signatures)
        external
        returns (uint256 posted);

    /**
     * @notice Redeems units to the issuer: they are burned (Art. 7.1). Called by the holder.
     * Requirements: caller can send; asset active; unfrozen balance sufficient.
     */
    function redeem(uint256 assetId, uint256 amount, bytes32 ref) external;

    /**
     * @notice Relays a holder-signed redemption: EIP-712
     * `Redemption(address holder,uint256 assetId,uint256 amount,uint256 nonce,uint256 deadline,bytes32 ref)`.
     * Requirements: caller holds OPERATOR_ROLE and an active permit; as redeem; the signature, deadline and nonce
     * valid.
     */
    function redeemWithAuthorization(
        address holder,
        uint256 assetId,
        uint256 amount,
        uint256 nonce,
        uint256 deadline,
        bytes32 ref,
        bytes calldata signature
    ) external;

    /**
     * @notice The issuer declares its obligations to all holders fulfilled (Art. 7.1): the decision no longer
     * has to stay public and the asset is closed.
     * Requirements: caller is the issuer, or holds OPERATOR_ROLE and an active permit and relays the issuer's EIP-712
     * `ObligationsFulfilled(uint256 assetId,uint256 deadline)` signature (pass an empty signature for a direct
     * call); no units outstanding.
     */
    function declareObligationsFulfilled(uint256 assetId, uint256 deadline, bytes calldata issuerSignature) external;

    /**
     * @notice Records a change of the decision document while it must stay public (Art. 7.1), ordered by the issuer:
     * `issuerSignature` is the issuer's EIP-712
     * `DecisionChange(uint256 assetId,bytes32 previousHash,bytes32 newHash,string newUri,string reason,uint256 deadline)`,
     * usable once. DecisionDocumentChanged carries the previous and the new hash.
     * Requirements: caller holds OPERATOR_ROLE and an active permit; asset not closed; `newHash` non-zero; `newUri`
     * and `reason` non-empty; the signature is the issuer's, unexpired and not used before.
     */
    function changeDecisionDocument(
        uint256 assetId,
        bytes32 newHash,
        string calldata newUri,
        string calldata reason,
        uint256 deadline,
        bytes calldata issuerSignature
    ) external;

    /// @notice Suspends circulation of an asset. Requirements: AUTHORITY_ROLE; asset active; reason non-empty.
    function suspendAsset(uint256 assetId, string calldata reason) external;

    /// @notice Resumes a suspended asset. Requirements: AUTHORITY_ROLE; asset suspended; reason non-empty.
    function resumeAsset(uint256 assetId, string calldata reason) external;

    /**
     * @notice Moves units on a legal ground (court decision, inheritance, lost key), recorded like any other
     * movement. The sender's freezes do not apply, and only the frozen units the transfer takes are released (when
     * more is frozen than held, the rest stays frozen for units received later, as ERC-7943 orders); the recipient
     * must be registered, not frozen and have acknowledged the current disclosure.
     * Requirements: AUTHORITY_ROLE; `basis` set; `ref` non-zero; `from` and `to` not zero and different (a
     * forced transfer never creates or destroys units); balance sufficient.
     */
    function forcedTransfer(
        address from,
        address to,
        uint256 assetId,
        uint256 amount,
        LegalBasis basis,
        bytes32 ref
    ) external;

    /// @notice Why a transfer posted by `operator` (zero for a direct transfer) would be refused, or Ok. A zero
    /// recipient is RecipientNotRegistered (burning is redemption, not a transfer).
    function checkTransfer(address operator, address from, address to, uint256 assetId, uint256 amount)
        external
        view
        returns (TransferCheck);

    /// @notice Whether the units of `assetId` frozen for `account` were ordered by the authority (only it changes them).
    function isFrozenByAuthority(address account, uint256 assetId) external view returns (bool);

    /// @notice The next transfer or redemption nonce of `account` for `assetId`.
    function nonceOf(address account, uint256 assetId) external view returns (uint256);

    function assetInfo(uint256 assetId) external view returns (AssetInfo memory);
    function assetCount() external view returns (uint256);
    function isIssuanceNonceUsed(address owner, uint256 nonce) external view returns (bool);
}
