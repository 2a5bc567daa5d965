// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

/// @notice Benchmark baseline only: a bare OpenZeppelin ERC-1155 with an unrestricted mint.
contract BaselineERC1155 is ERC1155 {
    constructor() ERC1155("") {}

    /// @notice Mints `value` units of `id` to `to`; anyone may call it.
    function mint(address to, uint256 id, uint256 value) external {
        _mint(to, id, value, "");
    }
}
