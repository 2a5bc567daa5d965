// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title MockContractWallet
 * @notice Test only: a minimal smart-contract wallet. It answers ERC-1271 by checking that its owner's externally
 * owned key signed the digest, and accepts every ERC-1155 unit sent to it unless its owner told it to refuse.
 */
contract MockContractWallet is IERC1271, IERC1155Receiver {
    /// @notice The key whose ECDSA signatures the wallet accepts as its own.
    address public immutable owner;
    /// @notice Whether ERC-1155 transfers to the wallet are refused (the receiver hook answers a wrong value).
    bool public refusing;

    /// @notice Emitted when the owner switches refusal on or off.
    event RefusingSet(bool refusing);

    /// @notice The caller is not the wallet's owner.
    error NotOwner();

    /// @param owner_ the externally owned account that signs for the wallet
    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice ERC-1271: the magic value when `signature` is the owner's ECDSA signature of `hash`.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4 magicValue) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    /// @notice The owner makes the wallet refuse (or accept again) ERC-1155 transfers.
    /// @param refusing_ true to refuse
    function setRefusing(bool refusing_) external {
        if (msg.sender != owner) revert NotOwner();
        refusing = refusing_;
        emit RefusingSet(refusing_);
    }

    /// @notice Accepts a single ERC-1155 transfer, unless refusing.
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external view returns (bytes4) {
        return refusing ? bytes4(0) : IERC1155Receiver.onERC1155Received.selector;
    }

    /// @notice Accepts a batch ERC-1155 transfer.
    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
        returns (bytes4)
    {
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    /// @notice ERC-165: ERC-1155 receiver and ERC-165 itself.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }
}
