// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IParticipantRegister
 * @notice Participants admitted by an operator after KYC (Law "On digital assets", Art. 6.3), their freezes
 * (financial monitoring) and their acknowledgement of the risk disclosure (Art. 6.4). No personal data is
 * stored: only a hash of the identity record the operator keeps off-chain.
 */
interface IParticipantRegister {
    enum ParticipantKind {
        None,
        NaturalPerson,
        IndividualEntrepreneur,
        LegalEntity
    }

    /// @notice One slot: every transfer reads it for the sender and the recipient.
    struct Participant {
        ParticipantKind kind;
        bool frozen;
        /// @dev true when the address had code at registration: signatures are then checked with ERC-1271.
        bool contractWallet;
        uint32 acknowledgedVersion;
        uint64 registeredAt;
        /// @dev the freeze was ordered by the authority: an operator cannot lift it (Art. 6.3)
        bool frozenByAuthority;
    }

    event ParticipantRegistered(address indexed account, ParticipantKind kind, bytes32 identityHash, bool contractWallet);
    event ParticipantDeregistered(address indexed account);
    event ParticipantWalletKindUpdated(address indexed account, bool contractWallet);
    event ParticipantFrozen(address indexed account, address indexed by, string reason);
    event ParticipantUnfrozen(address indexed account, address indexed by, string reason);
    event DisclosureAcknowledged(address indexed account, uint32 indexed version, address relayedBy);

    error ParticipantInvalidAccount(address account);
    error ParticipantAlreadyRegistered(address account);
    error ParticipantNotRegistered(address account);
    error ParticipantKindInvalid();
    error ParticipantIdentityHashMissing();
    /// @notice The participant is under a freeze order (Art. 6.3).
    error ParticipantIsFrozen(address account);
    error ParticipantNotFrozen(address account);
    /// @notice The freeze was ordered by the authority; only the authority lifts it.
    error ParticipantFrozenByAuthority(address account);
    error FreezeReasonMissing();
    error DisclosureAlreadyAcknowledged(address account, uint32 version);
    /// @notice The participant has not acknowledged the current risk disclosure (Art. 6.4).
    error DisclosureNotAcknowledged(address account, uint32 acknowledged, uint32 current);
    error AcknowledgementExpired(uint256 deadline);
    error AcknowledgementSignatureInvalid(address account);

    /**
     * @notice Admits `account` after the operator's KYC (Art. 6.3).
     * Requirements: caller holds OPERATOR_ROLE and an active permit; `account` not zero and not registered; `kind` set;
     * `identityHash` non-zero.
     */
    function registerParticipant(address account, ParticipantKind kind, bytes32 identityHash) external;

    /**
     * @notice Admits `account` and records its acknowledgement of the current disclosure in one transaction:
     * the usual onboarding after KYC. The signature is as for acknowledgeDisclosureBySig.
     * Requirements: as registerParticipant and acknowledgeDisclosureBySig.
     */
    function registerParticipantWithAcknowledgement(
        address account,
        ParticipantKind kind,
        bytes32 identityHash,
        uint32 version,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /**
     * @notice Removes `account`: it can no longer send or receive. Units it holds stay recorded and can be
     * moved by a forced transfer. A freeze survives deregistration: registering the account again keeps it.
     * Requirements: caller holds OPERATOR_ROLE and an active permit; `account` registered.
     */
    function deregisterParticipant(address account) external;

    /**
     * @notice Re-reads whether `account` has code (a contract wallet deployed after registration).
     * Requirements: caller holds OPERATOR_ROLE and an active permit; `account` registered.
     */
    function refreshWalletKind(address account) external;

    /**
     * @notice Freezes `account` entirely: it can neither send nor receive (Art. 6.3). The freeze records whether the
     * authority ordered it; the authority may take over an operator's freeze, never the reverse.
     * Requirements: caller holds AUTHORITY_ROLE, or OPERATOR_ROLE and an active permit; `account` registered and
     * not frozen (or frozen by an operator, when the caller is the authority); `reason` non-empty.
     */
    function freezeParticipant(address account, string calldata reason) external;

    /**
     * @notice Lifts a freeze.
     * Requirements: caller holds AUTHORITY_ROLE, or OPERATOR_ROLE and an active permit and the freeze is an
     * operator's; `account` frozen; `reason` non-empty.
     */
    function unfreezeParticipant(address account, string calldata reason) external;

    /**
     * @notice The caller acknowledges the current disclosure (Art. 6.4).
     * Requirements: caller registered; `version` is current; not acknowledged already.
     */
    function acknowledgeDisclosure(uint32 version) external;

    /**
     * @notice Records an acknowledgement signed by `account` as EIP-712 typed data
     * `DisclosureAcknowledgement(address account,uint32 version,bytes32 documentHash,uint256 deadline)`.
     * Requirements: caller holds OPERATOR_ROLE and an active permit; `account` registered; `version` current; `deadline` not passed;
     * the signature is `account`'s (ECDSA, or ERC-1271 for contract wallets).
     */
    function acknowledgeDisclosureBySig(address account, uint32 version, uint256 deadline, bytes calldata signature)
        external;

    function participant(address account) external view returns (Participant memory);
    function identityHashOf(address account) external view returns (bytes32);
    function isRegistered(address account) external view returns (bool);
    /// @notice Whether `account` acknowledged the current version.
    function hasAcknowledgedCurrent(address account) external view returns (bool);
}
