// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title TransferRecords
 * @notice The hash of one transfer record (Art. 5.1.7): it covers the previous record's hash, so a copy of the
 * records kept elsewhere can prove it is complete and unaltered by recomputing the chain up to the head.
 */
library TransferRecords {
    /**
     * @dev The first 24 bytes of keccak256(abi.encode(previous, assetId, sequence, from, to, amount, ref, postedAt)).
     * The first record of an asset has sequence 1 and previous = 0. 192 bits leave a second preimage out of reach
     * (2^192 work) and let the head share one storage slot with the record count and the asset status, which
     * every transfer reads and writes.
     */
    function hash(
        bytes24 previous,
        uint256 assetId,
        uint256 sequence,
        address from,
        address to,
        uint256 amount,
        bytes32 ref,
        uint256 postedAt
    ) internal pure returns (bytes24 result) {
        result = bytes24(keccak256(abi.encode(previous, assetId, sequence, from, to, amount, ref, postedAt)));
    }
}
