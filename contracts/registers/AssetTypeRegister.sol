// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAssetTypeRegister} from "../interfaces/IAssetTypeRegister.sol";
import {PlatformRoles} from "../access/PlatformRoles.sol";
import {RegisterRules} from "./RegisterRules.sol";

/**
 * @title AssetTypeRegister
 * @notice The authority's list of recognised types of secured digital assets (Art. 4.1.8). Money, legal
 * tender, units of account, securities and financial instruments can never be listed (Art. 5.1.1, 5.1.3-4).
 */
abstract contract AssetTypeRegister is IAssetTypeRegister, AccessControl {
    mapping(bytes32 code => AssetType) private _assetTypes;

    /// @inheritdoc IAssetTypeRegister
    function listAssetType(bytes32 code, string calldata name, AssetCategory category)
        external
        onlyRole(PlatformRoles.AUTHORITY)
    {
        RegisterRules.listAssetType(_assetTypes, code, name, category);
    }

    /// @inheritdoc IAssetTypeRegister
    function delistAssetType(bytes32 code) external onlyRole(PlatformRoles.AUTHORITY) {
        if (!_assetTypes[code].listed) revert AssetTypeNotRecognised(code);
        _assetTypes[code].listed = false;
        emit AssetTypeDelisted(code);
    }

    /// @inheritdoc IAssetTypeRegister
    function isRecognisedAssetType(bytes32 code) public view returns (bool) {
        return _assetTypes[code].listed;
    }

    /// @inheritdoc IAssetTypeRegister
    function assetType(bytes32 code) external view returns (AssetType memory) {
        return _assetTypes[code];
    }
}
