// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ISecuredAssetLedger} from "../interfaces/ISecuredAssetLedger.sol";
import {SignatureValidation} from "../access/SignatureValidation.sol";
import {LedgerCompliance} from "./LedgerCompliance.sol";

/**
 * @title HolderAuthorizations
 * @notice Holders sign transfers and redemptions as EIP-712 typed data and a permitted operator relays them
 * (Law "On digital assets", Art. 6.1, 6.6); the contract checks the holder's signature itself, so an operator cannot
 * move holdings on its own. Each authorization spends the holder's nonce for the asset.
 */
abstract contract HolderAuthorizations is LedgerCompliance {
    bytes32 private constant TRANSFER_TYPEHASH = keccak256(
        "TransferAuthorization(address from,address to,uint256 assetId,uint256 amount,uint256 nonce,uint256 deadline,bytes32 ref)"
    );
    bytes32 private constant REDEMPTION_TYPEHASH = keccak256(
        "Redemption(address holder,uint256 assetId,uint256 amount,uint256 nonce,uint256 deadline,bytes32 ref)"
    );

    /// @inheritdoc ISecuredAssetLedger
    function transferWithAuthorization(TransferAuthorization calldata auth, bytes calldata signature) external {
        TransferCheck check = _authorizationCheck(auth, signature);
        if (check != TransferCheck.Ok) _revertAuthorization(check, auth);
        if (auth.to == address(0)) revert ERC1155InvalidReceiver(auth.to);
        _post(Posting(_msgSender(), POST_ADVANCES_NONCE, auth.ref), auth.from, auth.to, auth.assetId, auth.amount);
    }

    /// @inheritdoc ISecuredAssetLedger
    function transferBatchWithAuthorization(TransferAuthorization[] calldata auths, bytes[] calldata signatures)
        external
        returns (uint256 posted)
    {
        uint256 n = auths.length;
        if (n == 0) revert BatchEmpty();
        if (n != signatures.length) revert BatchLengthMismatch(n, signatures.length);
        if (paused()) revert EnforcedPause();
        _checkOperator(_msgSender());
        for (uint256 i = 0; i < n; ++i) {
            TransferAuthorization calldata auth = auths[i];
            TransferCheck check = _authorizationCheck(auth, signatures[i]);
            if (check == TransferCheck.Ok) {
                check = _ruleCheck(_msgSender(), auth.from, auth.to, auth.assetId, auth.amount, false);
                // A transfer to the zero address would be a burn: refuse it on its own, not the whole batch.
                if (auth.to == address(0)) check = TransferCheck.RecipientNotRegistered;
            }
            if (check != TransferCheck.Ok) {
                emit AuthorizationRejected(i, auth.from, auth.nonce, check);
                continue;
            }
            _post(
                Posting(_msgSender(), POST_ADVANCES_NONCE | POST_PRECHECKED, auth.ref), auth.from, auth.to, auth.assetId,
                auth.amount
            );
            ++posted;
        }
    }

    /// @inheritdoc ISecuredAssetLedger
    function redeem(uint256 assetId, uint256 amount, bytes32 ref) external {
        _post(Posting(address(0), 0, ref), _msgSender(), address(0), assetId, amount);
    }

    /// @inheritdoc ISecuredAssetLedger
    function redeemWithAuthorization(
        address holder,
        uint256 assetId,
        uint256 amount,
        uint256 nonce,
        uint256 deadline,
        bytes32 ref,
        bytes calldata signature
    ) external {
        if (block.timestamp > deadline) revert TransferAuthorizationExpired(deadline, block.timestamp);
        uint256 expected = _holding(assetId, holder).nonce;
        if (expected == type(uint32).max) revert TransferNonceExhausted(holder, assetId);
        if (nonce != expected) revert TransferNonceMismatch(holder, assetId, expected, nonce);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(REDEMPTION_TYPEHASH, holder, assetId, amount, nonce, deadline, ref))
        );
        if (!SignatureValidation.isValidNow(holder, digest, signature)) revert TransferSignatureInvalid(holder);
        _post(Posting(_msgSender(), POST_ADVANCES_NONCE, ref), holder, address(0), assetId, amount);
    }

    /// @dev The EIP-712 digest a holder signs for `auth`.
    function _hashTransferAuthorization(TransferAuthorization calldata auth) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    TRANSFER_TYPEHASH, auth.from, auth.to, auth.assetId, auth.amount, auth.nonce, auth.deadline, auth.ref
                )
            )
        );
    }

    function _authorizationCheck(TransferAuthorization calldata auth, bytes calldata signature)
        private
        view
        returns (TransferCheck)
    {
        if (block.timestamp > auth.deadline) return TransferCheck.AuthorizationExpired;
        uint256 expected = _holding(auth.assetId, auth.from).nonce;
        // The last nonce cannot advance without wrapping to one already spent.
        if (expected == type(uint32).max) return TransferCheck.NonceExhausted;
        if (auth.nonce != expected) return TransferCheck.NonceMismatch;
        if (!SignatureValidation.isValidNow(auth.from, _hashTransferAuthorization(auth), signature)) {
            return TransferCheck.SignatureInvalid;
        }
        return TransferCheck.Ok;
    }

    function _revertAuthorization(TransferCheck check, TransferAuthorization calldata auth) private view {
        if (check == TransferCheck.AuthorizationExpired) {
            revert TransferAuthorizationExpired(auth.deadline, block.timestamp);
        }
        if (check == TransferCheck.NonceExhausted) revert TransferNonceExhausted(auth.from, auth.assetId);
        if (check == TransferCheck.NonceMismatch) {
            revert TransferNonceMismatch(auth.from, auth.assetId, _holding(auth.assetId, auth.from).nonce, auth.nonce);
        }
        revert TransferSignatureInvalid(auth.from);
    }
}
