// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IERC7943MultiTokenChecks
 * @notice The checks, freezes, events and errors of ERC-7943 (uRWA), ERC-1155 variant.
 * @dev The standard's four-argument `forcedTransfer` is deliberately absent: here a forced transfer always
 * carries its legal basis (see ISecuredAssetLedger.forcedTransfer), so the ERC-7943 interface id is not claimed.
 */
interface IERC7943MultiTokenChecks {
    event ForcedTransfer(address indexed from, address indexed to, uint256 indexed tokenId, uint256 amount);
    event Frozen(address indexed account, uint256 indexed tokenId, uint256 amount);

    error ERC7943CannotSend(address account);
    error ERC7943CannotReceive(address account);
    error ERC7943CannotTransfer(address from, address to, uint256 tokenId, uint256 amount);
    error ERC7943InsufficientUnfrozenBalance(address account, uint256 tokenId, uint256 amount, uint256 unfrozen);

    /**
     * @notice Sets how many units of `tokenId` held by `account` are frozen (a partial freeze, Art. 6.3).
     * Requirements: caller holds AUTHORITY_ROLE or OPERATOR_ROLE.
     */
    function setFrozenTokens(address account, uint256 tokenId, uint256 amount) external returns (bool result);

    /// @notice Whether `account` may send now: registered, not frozen, acknowledged the current disclosure.
    function canSend(address account) external view returns (bool allowed);

    /// @notice Whether `account` may receive now: registered, not frozen, acknowledged the current disclosure.
    function canReceive(address account) external view returns (bool allowed);

    /// @notice Units of `tokenId` frozen for `account`.
    function getFrozenTokens(address account, uint256 tokenId) external view returns (uint256 amount);

    /// @notice Whether a direct transfer would succeed now under every rule of the platform.
    function canTransfer(address from, address to, uint256 tokenId, uint256 amount) external view returns (bool allowed);
}
