// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/**
 * @title SignatureValidation
 * @notice Checks a participant's signature: an ECDSA signature of the address itself, or, when the address is a
 * contract wallet, its ERC-1271 answer.
 * @dev ECDSA is tried first so that the common case (an externally owned key) never pays for a cold
 * EXTCODESIZE; OpenZeppelin's SignatureChecker reads the code size first.
 */
library SignatureValidation {
    function isValidNow(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return signer.code.length != 0 && SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature);
    }
}
