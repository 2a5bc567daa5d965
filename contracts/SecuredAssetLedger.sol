// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {PlatformRoles} from "./access/PlatformRoles.sol";
import {LedgerCore} from "./ledger/LedgerCore.sol";
import {LedgerCompliance} from "./ledger/LedgerCompliance.sol";
import {LedgerRecords} from "./ledger/LedgerRecords.sol";
import {HolderAuthorizations} from "./ledger/HolderAuthorizations.sol";
import {LedgerIssuance} from "./ledger/LedgerIssuance.sol";
import {AuthorityActions} from "./ledger/AuthorityActions.sol";
import {LedgerSuccession} from "./ledger/LedgerSuccession.sol";

/**
 * @title SecuredAssetLedger
 * @notice The digital platform for the storage and exchange of secured digital assets (Law "On digital assets",
 * Art. 1, 5, 6, 7): an ERC-1155 ledger in which each asset id is one issuance, composed with the permit register,
 * the list of recognised asset types and the participant register.
 *
 * Every balance change (issue, transfer, redemption, forced transfer) passes through one hook, {_update}: the
 * compliance rules first ({LedgerCompliance}), then the accounting ({LedgerCore}), then a transfer record chained by
 * hash to the previous record of the same asset ({LedgerRecords}, Art. 5.1.7). The block time of that record is the
 * moment rights arise (Art. 6.6).
 *
 * The ledger is immutable: a successor is a new deployment seeded from it ({LedgerSuccession}, docs/design.md
 * "Upgrades").
 */
contract SecuredAssetLedger is LedgerIssuance, HolderAuthorizations, AuthorityActions, LedgerSuccession, LedgerRecords {
    /**
     * @param authority the designated authority: admin of every role, keeper of the registers; it alone appoints
     * operators and collateral verifiers
     * @param operator the first platform operator (may be zero); it still needs a permit to act
     * @param verifier the first collateral verifier (may be zero)
     * @dev The deployer receives no role.
     */
    constructor(address authority, address operator, address verifier)
        ERC1155("")
        EIP712("SecuredDigitalAssets", "1")
    {
        if (authority == address(0)) revert LedgerAuthorityMissing();
        _grantRole(DEFAULT_ADMIN_ROLE, authority);
        _grantRole(PlatformRoles.AUTHORITY, authority);
        if (operator != address(0)) _grantRole(PlatformRoles.OPERATOR, operator);
        if (verifier != address(0)) _grantRole(PlatformRoles.VERIFIER, verifier);
    }

    /// @dev Compliance, then accounting, then records (C3 order of the extensions).
    function _update(address from, address to, uint256 id, uint256 value, Posting memory posting)
        internal
        override(LedgerCore, LedgerCompliance, LedgerRecords)
    {
        super._update(from, to, id, value, posting);
    }
}
