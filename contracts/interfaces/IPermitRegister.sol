// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IPermitRegister
 * @notice The state register of persons permitted to issue and circulate secured digital assets
 * (Law "On digital assets", Art. 4.1.10, 4.1.14, 6.1, 6.2), kept by the designated authority.
 */
interface IPermitRegister {
    /// @notice Stored lifecycle state. A suspension whose end time has passed counts as active.
    enum PermitStatus {
        None,
        Active,
        Suspended,
        Revoked
    }

    /// @notice Register entry of one operator.
    struct PermitDetails {
        string legalName;
        string bin;
        string permitNumber;
        string scope;
    }

    /**
     * @notice The hot part of an entry, packed into one slot because every posting reads it.
     * @dev `operatorRole` mirrors OPERATOR_ROLE (kept by the grant and revoke hooks), so that "holds the role and an
     * active permit", the condition of every operator power, is one storage read.
     */
    struct PermitState {
        PermitStatus status;
        uint64 suspendedUntil;
        uint64 grantedAt;
        bool operatorRole;
    }

    event PermitGranted(address indexed operator, string legalName, string bin, string permitNumber, string scope);
    event PermitSuspended(address indexed operator, string reason, uint64 until);
    event PermitResumed(address indexed operator);
    event PermitRevoked(address indexed operator, string courtDecision);

    /// @notice The operator already holds a permit that is not revoked.
    error PermitAlreadyGranted(address operator);
    /// @notice The operator has never been granted a permit.
    error PermitNotFound(address operator);
    /// @notice The operator's permit is revoked; only a new grant brings it back.
    error PermitAlreadyRevoked(address operator);
    /// @notice A suspension must end in the future.
    error PermitSuspensionEndNotInFuture(uint64 until, uint256 now_);
    /// @notice Only a permit that is suspended now can be resumed.
    error PermitNotSuspended(address operator);
    /// @notice Only an active permit can be suspended.
    error PermitNotActive(address operator);
    /// @notice A required text of the register entry is empty (field name given).
    error PermitDetailMissing(string field);
    /// @notice The operator's BIN is not twelve digits whose last is the mod-11 control digit of the first eleven.
    error PermitIdentificationNumberInvalid(string bin);
    /// @notice A suspension needs a reason; a revocation needs the court decision it rests on.
    error PermitReasonMissing();
    /// @notice The posting operator holds no active permit now (Art. 6.1).
    error OperatorNotPermitted(address operator);
    /// @notice The operator address is zero.
    error PermitInvalidOperator(address operator);

    /**
     * @notice Grants a permit to issue and circulate secured digital assets (Art. 4.1.14, 6.2).
     * Requirements: caller holds AUTHORITY_ROLE; `operator` is not zero and holds no unrevoked permit;
     * every field of `details` is non-empty; `details.bin` is a BIN: twelve digits, the last the mod-11 control digit
     * of the first eleven.
     */
    function grantPermit(address operator, PermitDetails calldata details) external;

    /**
     * @notice Suspends a permit until `until`; issuance and circulation through the operator are banned
     * meanwhile and the suspension ends by itself at `until` (Art. 9.4-9.5 by analogy).
     * Requirements: caller holds AUTHORITY_ROLE; the permit is active; `reason` non-empty; `until` in the future.
     */
    function suspendPermit(address operator, string calldata reason, uint64 until) external;

    /**
     * @notice Ends a suspension before its end time.
     * Requirements: caller holds AUTHORITY_ROLE; the permit is suspended now.
     */
    function resumePermit(address operator) external;

    /**
     * @notice Revokes a permit on a court decision (Art. 9.7 by analogy). Final: only a new grant restores it.
     * Requirements: caller holds AUTHORITY_ROLE; the permit exists and is not revoked; `courtDecision` non-empty.
     */
    function revokePermit(address operator, string calldata courtDecision) external;

    /// @notice Whether `operator` may use any operator power at this moment (Art. 6.1): it holds OPERATOR_ROLE and a
    /// permit that is active now.
    function isPermitted(address operator) external view returns (bool);

    /**
     * @notice The register entry of `operator`: its state and keccak256(abi.encode(legalName, bin, permitNumber,
     * scope)); the texts themselves are in the PermitGranted event.
     */
    function permitOf(address operator) external view returns (PermitState memory state, bytes32 detailsHash);
}
