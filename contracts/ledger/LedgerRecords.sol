// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {LedgerCore} from "./LedgerCore.sol";
import {TransferRecords} from "./TransferRecords.sol";

/**
 * @title LedgerRecords
 * @notice The transfer records (Law "On digital assets", Art. 5.1.7): after every balance change, one record per
 * asset moved, chained by hash to the previous record of the same asset. The block time of the record is the
 * moment rights arise (Art. 6.6).
 */
abstract contract LedgerRecords is LedgerCore {
    /// @dev Records what the accounting has just done, with the posting's reference.
    function _update(address from, address to, uint256 id, uint256 value, Posting memory posting)
        internal
        virtual
        override
    {
        super._update(from, to, id, value, posting);
        _record(id, from, to, value, posting.ref);
    }

    function _record(uint256 id, address from, address to, uint256 value, bytes32 ref) private {
        AssetCore storage core = _core(id);
        uint56 sequence;
        // 2^56 records per asset cannot be reached.
        unchecked {
            sequence = core.recordCount + 1;
        }
        bytes24 recordHash = TransferRecords.hash(core.recordHead, id, sequence, from, to, value, ref, block.timestamp);
        // One write of the slot for both fields.
        (core.recordHead, core.recordCount) = (recordHash, sequence);
        emit RecordPosted(id, sequence, from, to, value, ref, block.timestamp);
    }
}
