// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";

/**
 * @title TransferStateReader
 * @notice Never deployed: the gateway sends its creation code with `eth_call` (no `to`), and the constructor answers
 * the pre-submission reads of many transfer requests at once — each sender's next nonce and the ledger's verdict
 * ({ISecuredAssetLedger-checkTransfer}, Art. 6.1, 6.3, 6.4) — in one call instead of two per request. On a node
 * each `eth_call` has a fixed cost (state and block set up for it) far above these views' own work.
 * @dev The answer is raw words, two per query in order: the nonce, then the check's position in
 * {ISecuredAssetLedger-TransferCheck}; a view that reverted is `FAILED` (the gateway asks it on its own then).
 */
contract TransferStateReader {
    /// @notice One transfer request's reads: `nonceOf(from, assetId)` and `checkTransfer(operator, from, to, ...)`.
    struct Query {
        address operator;
        address from;
        address to;
        uint256 assetId;
        uint256 amount;
    }

    /// @notice The word answered for a view that reverted.
    uint256 internal constant FAILED = type(uint256).max;

    /// @notice Reads `queries` from `ledger` and returns the words as the creation's output (nothing is deployed:
    /// the gateway only ever runs this code in `eth_call`).
    /// @param ledger The platform's ledger.
    /// @param queries The requests' reads, answered in order.
    constructor(ISecuredAssetLedger ledger, Query[] memory queries) {
        uint256[] memory out = new uint256[](queries.length * 2);
        for (uint256 i = 0; i < queries.length; ++i) {
            Query memory q = queries[i];
            try ledger.nonceOf(q.from, q.assetId) returns (uint256 nonce) {
                out[2 * i] = nonce;
            } catch {
                out[2 * i] = FAILED;
            }
            try ledger.checkTransfer(q.operator, q.from, q.to, q.assetId, q.amount) returns (
                ISecuredAssetLedger.TransferCheck check
            ) {
                out[2 * i + 1] = uint256(check);
            } catch {
                out[2 * i + 1] = FAILED;
            }
        }
        // The words alone, without the ABI's offset and length: a constructor's output is raw bytes.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            return(add(out, 0x20), mul(mload(out), 0x20))
        }
    }
}
