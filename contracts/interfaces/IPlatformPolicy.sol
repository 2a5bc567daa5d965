// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IPlatformPolicy
 * @notice Platform-wide policy: the emergency pause and the risk disclosure in force, which every participant
 * must acknowledge before acquiring or disposing of secured digital assets (Law "On digital assets", Art. 6.4).
 */
interface IPlatformPolicy {
    struct Disclosure {
        bytes32 documentHash;
        string uri;
        uint64 publishedAt;
    }

    event Paused(address account);
    event Unpaused(address account);
    event DisclosurePublished(uint32 indexed version, bytes32 documentHash, string uri);

    /// @notice Balance changes are halted.
    error EnforcedPause();
    /// @notice The platform is not paused.
    error ExpectedPause();
    error DisclosureInvalid();
    /// @notice No risk disclosure has been published yet.
    error DisclosureNotPublished();
    /// @notice The version asked for is not the current one, or does not exist.
    error DisclosureVersionNotCurrent(uint32 version, uint32 current);

    /// @notice Halts every balance change. Requirements: caller holds AUTHORITY_ROLE; not paused.
    function pause() external;

    /// @notice Lifts the halt. Requirements: caller holds AUTHORITY_ROLE; paused.
    function unpause() external;

    /**
     * @notice Publishes a new risk disclosure version; it is current at once and every participant must
     * acknowledge it before acquiring or disposing of assets again (Art. 6.4).
     * Requirements: caller holds AUTHORITY_ROLE, or OPERATOR_ROLE and an active permit; `documentHash` non-zero;
     * `uri` non-empty.
     */
    function publishDisclosure(bytes32 documentHash, string calldata uri) external returns (uint32 version);

    function paused() external view returns (bool);
    function currentDisclosureVersion() external view returns (uint32);
    function disclosure(uint32 version) external view returns (Disclosure memory);
}
