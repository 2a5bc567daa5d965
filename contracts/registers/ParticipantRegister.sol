// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IParticipantRegister} from "../interfaces/IParticipantRegister.sol";
import {RegisterRules} from "./RegisterRules.sol";
import {PlatformPolicy} from "./PlatformPolicy.sol";

/**
 * @title ParticipantRegister
 * @notice Participants admitted after KYC, freezes ordered under financial monitoring (Art. 6.3), and each
 * participant's acknowledgement of the risk disclosure in force (Art. 6.4). Only a hash of the identity record
 * goes on-chain; the record itself stays with the operator.
 */
abstract contract ParticipantRegister is IParticipantRegister, PlatformPolicy, EIP712 {
    mapping(address account => Participant) private _participants;
    mapping(address account => bytes32) private _identityHashes;

    /// @inheritdoc IParticipantRegister
    function registerParticipant(address account, ParticipantKind kind, bytes32 identityHash) external {
        _checkOperator(_msgSender());
        _register(account, kind, identityHash);
    }

    /// @inheritdoc IParticipantRegister
    function registerParticipantWithAcknowledgement(
        address account,
        ParticipantKind kind,
        bytes32 identityHash,
        uint32 version,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _checkOperator(_msgSender());
        _register(account, kind, identityHash);
        _checkAcknowledgementSignature(account, version, deadline, signature);
        _acknowledge(account, version, _msgSender());
    }

    /// @inheritdoc IParticipantRegister
    function deregisterParticipant(address account) external {
        _checkOperator(_msgSender());
        Participant storage p = _requireRegistered(account);
        // A freeze outlives the registration, so that deregistering and registering again cannot lift it.
        _participants[account] = Participant(ParticipantKind.None, p.frozen, false, 0, 0, p.frozenByAuthority);
        delete _identityHashes[account];
        emit ParticipantDeregistered(account);
    }

    /// @inheritdoc IParticipantRegister
    function refreshWalletKind(address account) external {
        _checkOperator(_msgSender());
        Participant storage p = _requireRegistered(account);
        bool contractWallet = account.code.length != 0;
        if (p.contractWallet != contractWallet) {
            p.contractWallet = contractWallet;
            emit ParticipantWalletKindUpdated(account, contractWallet);
        }
    }

    /// @inheritdoc IParticipantRegister
    function freezeParticipant(address account, string calldata reason) external {
        bool byAuthority = _checkAuthorityOrOperator(_msgSender());
        RegisterRules.freeze(_requireRegistered(account), account, byAuthority, reason);
    }

    /// @inheritdoc IParticipantRegister
    function unfreezeParticipant(address account, string calldata reason) external {
        bool byAuthority = _checkAuthorityOrOperator(_msgSender());
        RegisterRules.unfreeze(_participants[account], account, byAuthority, reason);
    }

    /// @inheritdoc IParticipantRegister
    function acknowledgeDisclosure(uint32 version) external {
        _acknowledge(_msgSender(), version, address(0));
    }

    /// @inheritdoc IParticipantRegister
    function acknowledgeDisclosureBySig(address account, uint32 version, uint256 deadline, bytes calldata signature)
        external
    {
        _checkOperator(_msgSender());
        _checkAcknowledgementSignature(account, version, deadline, signature);
        _acknowledge(account, version, _msgSender());
    }

    /// @inheritdoc IParticipantRegister
    function participant(address account) external view returns (Participant memory) {
        return _participants[account];
    }

    /// @inheritdoc IParticipantRegister
    function identityHashOf(address account) external view returns (bytes32) {
        return _identityHashes[account];
    }

    /// @inheritdoc IParticipantRegister
    function isRegistered(address account) external view returns (bool) {
        return _participants[account].kind != ParticipantKind.None;
    }

    /// @inheritdoc IParticipantRegister
    function hasAcknowledgedCurrent(address account) external view returns (bool) {
        uint32 current = currentDisclosureVersion();
        return current != 0 && _participants[account].acknowledgedVersion == current;
    }

    /// @dev The identity hashes themselves, for a library that writes them (LedgerMigration).
    function _identityHashStorage() internal view returns (mapping(address => bytes32) storage) {
        return _identityHashes;
    }

    /// @dev The participant slot, for the transfer rules of the ledger.
    function _participant(address account) internal view returns (Participant storage) {
        return _participants[account];
    }

    function _register(address account, ParticipantKind kind, bytes32 identityHash) private {
        RegisterRules.register(_participants[account], _identityHashes, account, kind, identityHash);
    }

    function _requireRegistered(address account) private view returns (Participant storage p) {
        p = _participants[account];
        if (p.kind == ParticipantKind.None) revert ParticipantNotRegistered(account);
    }

    function _checkAcknowledgementSignature(address account, uint32 version, uint256 deadline, bytes calldata signature)
        private
        view
    {
        RegisterRules.checkAcknowledgement(
            _domainSeparatorV4(), account, version, _disclosureHash(version), deadline, signature
        );
    }

    function _acknowledge(address account, uint32 version, address relayedBy) private {
        Participant storage p = _requireRegistered(account);
        uint32 current = currentDisclosureVersion();
        if (current == 0) revert DisclosureNotPublished();
        if (version != current) revert DisclosureVersionNotCurrent(version, current);
        if (p.acknowledgedVersion == version) revert DisclosureAlreadyAcknowledged(account, version);
        p.acknowledgedVersion = version;
        emit DisclosureAcknowledged(account, version, relayedBy);
    }
}
