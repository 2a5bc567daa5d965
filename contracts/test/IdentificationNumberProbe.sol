// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IdentificationNumber} from "../ledger/IdentificationNumber.sol";

/**
 * @title IdentificationNumberProbe
 * @notice Test only: exposes the ledger's BIN/IIN rule (Art. 5.1.5) so a test can compare it with the gateway's on
 * many strings in one call.
 */
contract IdentificationNumberProbe {
    /// @notice For each of `values`, whether IdentificationNumber.isValid accepts it.
    /// @param values candidate BINs / IINs as UTF-8 strings
    function areValid(string[] calldata values) external pure returns (bool[] memory valid) {
        valid = new bool[](values.length);
        for (uint256 i = 0; i < values.length; ++i) {
            valid[i] = IdentificationNumber.isValid(bytes(values[i]));
        }
    }
}
