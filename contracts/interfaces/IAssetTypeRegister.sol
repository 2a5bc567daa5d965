// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/**
 * @title IAssetTypeRegister
 * @notice The list of types of secured digital assets recognised in the Republic of Kazakhstan
 * (Law "On digital assets", Art. 4.1.8), kept by the designated authority.
 */
interface IAssetTypeRegister {
    /**
     * @notice What a type certifies a right to. The last five can never be listed: a secured digital asset
     * certifies rights to services and assets other than money and securities (Art. 5.1.1) and is neither
     * a unit of account, legal tender (Art. 5.1.3) nor a financial instrument or asset (Art. 5.1.4).
     */
    enum AssetCategory {
        None,
        TangibleAsset,
        Service,
        IntellectualProperty,
        IntellectualService,
        Money,
        LegalTender,
        UnitOfAccount,
        Security,
        FinancialInstrument
    }

    struct AssetType {
        bool listed;
        AssetCategory category;
        string name;
    }

    event AssetTypeListed(bytes32 indexed code, string name, AssetCategory category);
    event AssetTypeDelisted(bytes32 indexed code);

    /// @notice The category may never be a secured digital asset (Art. 5.1.1, 5.1.3, 5.1.4).
    error AssetTypeCategoryNotEligible(bytes32 code, AssetCategory category);
    /// @notice The code is already on the list.
    error AssetTypeAlreadyListed(bytes32 code);
    /// @notice The code is not on the list.
    error AssetTypeNotRecognised(bytes32 code);
    /// @notice Code or name is empty.
    error AssetTypeInvalid(bytes32 code);

    /**
     * @notice Adds a recognised type (Art. 4.1.8).
     * Requirements: caller holds AUTHORITY_ROLE; `code` and `name` non-empty; `code` not listed;
     * `category` is an eligible one.
     */
    function listAssetType(bytes32 code, string calldata name, AssetCategory category) external;

    /**
     * @notice Removes a type from the list: no new issuance of it; assets already issued stay.
     * Requirements: caller holds AUTHORITY_ROLE; `code` listed.
     */
    function delistAssetType(bytes32 code) external;

    /// @notice Whether `code` is on the list now.
    function isRecognisedAssetType(bytes32 code) external view returns (bool);

    /// @notice The list entry of `code`.
    function assetType(bytes32 code) external view returns (AssetType memory);
}
