// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title PlatformRoles
 * @notice Role identifiers shared by every module of the platform.
 * @dev AUTHORITY is the designated authority of Art. 4 of the Law "On digital assets"; OPERATOR is the
 * platform operator of Art. 6.1 (posting additionally needs an active permit); VERIFIER is the collateral
 * verifier (appraiser, registrar or notary) whose attestation Art. 6.8 requires before issuance.
 */
library PlatformRoles {
    bytes32 internal constant AUTHORITY = keccak256("AUTHORITY_ROLE");
    bytes32 internal constant OPERATOR = keccak256("OPERATOR_ROLE");
    bytes32 internal constant VERIFIER = keccak256("VERIFIER_ROLE");
}
