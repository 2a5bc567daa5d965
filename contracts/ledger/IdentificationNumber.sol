// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IdentificationNumber
 * @notice The business or individual identification number (BIN / IIN) of the Republic of Kazakhstan that an
 * issuer's details carry (Law "On digital assets", Art. 5.1.5) and that names an operator in the permit register
 * (Art. 4.1.14): twelve digits, the twelfth a mod-11 control digit. The gateway applies the same rule
 * (server/domain/identification-number.ts), so neither side accepts a number the other refuses.
 * @dev The control digit is the weighted sum of the first eleven digits (weights 1..11) modulo 11; when that is 10
 * the sum is taken again with weights 3..11, 1, 2, and a second 10 means no valid number has these eleven digits.
 * Each second weight is its first weight plus 2 modulo 11, so the second sum is the first plus twice the digit sum:
 * one pass over the digits gives both.
 */
library IdentificationNumber {
    /// @notice Whether `value` is twelve ASCII digits whose last is the control digit of the first eleven (Art. 5.1.5).
    function isValid(bytes calldata value) internal pure returns (bool) {
        if (value.length != 12) return false;
        // The twelve bytes as one number, first character highest: bits 96 - 8w .. 103 - 8w hold the w-th character.
        // bytes32(value) takes the first 32 bytes, zero-padded: the length is exactly 12, so nothing is cut.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 word = uint256(bytes32(value)) >> 160;
        uint256 weighted;
        uint256 digitSum;
        unchecked {
            for (uint256 weight = 1; weight < 12; ++weight) {
                // A character below "0" wraps around and, like one above "9", comes out greater than 9.
                uint256 digit = ((word >> (96 - 8 * weight)) & 0xff) - 0x30;
                if (digit > 9) return false;
                weighted += digit * weight;
                digitSum += digit;
            }
            uint256 remainder = weighted % 11;
            if (remainder == 10) remainder = (weighted + 2 * digitSum) % 11;
            // A remainder of 10 matches no control digit; testing it also keeps ":" (0x3A, "digit" 10) out.
            return remainder < 10 && remainder == (word & 0xff) - 0x30;
        }
    }
}
