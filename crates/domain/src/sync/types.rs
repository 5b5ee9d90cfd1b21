//! The closed sets of the sync protocol: what a client may request and what a line may be.

use serde::{Deserialize, Serialize};

use crate::system_config::wire_enum;

wire_enum! {
    /// What a client asks the stream for, in the order the stream answers (Immich 3.x).
    pub enum SyncRequestType {
        AuthUsersV1 = "AuthUsersV1",
        UsersV1 = "UsersV1",
        PartnersV1 = "PartnersV1",
        AssetsV1 = "AssetsV1",
        AssetsV2 = "AssetsV2",
        StacksV1 = "StacksV1",
        PartnerAssetsV1 = "PartnerAssetsV1",
        PartnerAssetsV2 = "PartnerAssetsV2",
        PartnerStacksV1 = "PartnerStacksV1",
        AlbumAssetsV1 = "AlbumAssetsV1",
        AlbumAssetsV2 = "AlbumAssetsV2",
        AlbumsV1 = "AlbumsV1",
        AlbumsV2 = "AlbumsV2",
        AlbumUsersV1 = "AlbumUsersV1",
        AlbumToAssetsV1 = "AlbumToAssetsV1",
        AssetExifsV1 = "AssetExifsV1",
        AlbumAssetExifsV1 = "AlbumAssetExifsV1",
        AssetOcrV1 = "AssetOcrV1",
        PartnerAssetExifsV1 = "PartnerAssetExifsV1",
        MemoriesV1 = "MemoriesV1",
        MemoryToAssetsV1 = "MemoryToAssetsV1",
        PeopleV1 = "PeopleV1",
        AssetFacesV1 = "AssetFacesV1",
        AssetFacesV2 = "AssetFacesV2",
        UserMetadataV1 = "UserMetadataV1",
        AssetMetadataV1 = "AssetMetadataV1",
        AssetEditsV1 = "AssetEditsV1",
    }
}

wire_enum! {
    /// The type of one line of the stream, and of a checkpoint.
    pub enum SyncEntityType {
        AuthUserV1 = "AuthUserV1",
        UserV1 = "UserV1",
        UserDeleteV1 = "UserDeleteV1",
        AssetV1 = "AssetV1",
        AssetV2 = "AssetV2",
        AssetDeleteV1 = "AssetDeleteV1",
        AssetExifV1 = "AssetExifV1",
        AssetEditV1 = "AssetEditV1",
        AssetEditDeleteV1 = "AssetEditDeleteV1",
        AssetMetadataV1 = "AssetMetadataV1",
        AssetMetadataDeleteV1 = "AssetMetadataDeleteV1",
        AssetOcrV1 = "AssetOcrV1",
        AssetOcrDeleteV1 = "AssetOcrDeleteV1",
        PartnerV1 = "PartnerV1",
        PartnerDeleteV1 = "PartnerDeleteV1",
        PartnerAssetV1 = "PartnerAssetV1",
        PartnerAssetV2 = "PartnerAssetV2",
        PartnerAssetBackfillV1 = "PartnerAssetBackfillV1",
        PartnerAssetBackfillV2 = "PartnerAssetBackfillV2",
        PartnerAssetDeleteV1 = "PartnerAssetDeleteV1",
        PartnerAssetExifV1 = "PartnerAssetExifV1",
        PartnerAssetExifBackfillV1 = "PartnerAssetExifBackfillV1",
        PartnerStackBackfillV1 = "PartnerStackBackfillV1",
        PartnerStackDeleteV1 = "PartnerStackDeleteV1",
        PartnerStackV1 = "PartnerStackV1",
        AlbumV1 = "AlbumV1",
        AlbumV2 = "AlbumV2",
        AlbumDeleteV1 = "AlbumDeleteV1",
        AlbumUserV1 = "AlbumUserV1",
        AlbumUserBackfillV1 = "AlbumUserBackfillV1",
        AlbumUserDeleteV1 = "AlbumUserDeleteV1",
        AlbumAssetCreateV1 = "AlbumAssetCreateV1",
        AlbumAssetCreateV2 = "AlbumAssetCreateV2",
        AlbumAssetUpdateV1 = "AlbumAssetUpdateV1",
        AlbumAssetUpdateV2 = "AlbumAssetUpdateV2",
        AlbumAssetBackfillV1 = "AlbumAssetBackfillV1",
        AlbumAssetBackfillV2 = "AlbumAssetBackfillV2",
        AlbumAssetExifCreateV1 = "AlbumAssetExifCreateV1",
        AlbumAssetExifUpdateV1 = "AlbumAssetExifUpdateV1",
        AlbumAssetExifBackfillV1 = "AlbumAssetExifBackfillV1",
        AlbumToAssetV1 = "AlbumToAssetV1",
        AlbumToAssetDeleteV1 = "AlbumToAssetDeleteV1",
        AlbumToAssetBackfillV1 = "AlbumToAssetBackfillV1",
        MemoryV1 = "MemoryV1",
        MemoryDeleteV1 = "MemoryDeleteV1",
        MemoryToAssetV1 = "MemoryToAssetV1",
        MemoryToAssetDeleteV1 = "MemoryToAssetDeleteV1",
        StackV1 = "StackV1",
        StackDeleteV1 = "StackDeleteV1",
        PersonV1 = "PersonV1",
        PersonDeleteV1 = "PersonDeleteV1",
        AssetFaceV1 = "AssetFaceV1",
        AssetFaceV2 = "AssetFaceV2",
        AssetFaceDeleteV1 = "AssetFaceDeleteV1",
        UserMetadataV1 = "UserMetadataV1",
        UserMetadataDeleteV1 = "UserMetadataDeleteV1",
        SyncAckV1 = "SyncAckV1",
        SyncResetV1 = "SyncResetV1",
        SyncCompleteV1 = "SyncCompleteV1",
    }
}

impl SyncRequestType {
    /// Immich 3.x refuses these with a pointer to their successor.
    pub fn replacement(self) -> Option<SyncRequestType> {
        match self {
            SyncRequestType::AssetsV1 => Some(SyncRequestType::AssetsV2),
            SyncRequestType::PartnerAssetsV1 => Some(SyncRequestType::PartnerAssetsV2),
            SyncRequestType::AlbumAssetsV1 => Some(SyncRequestType::AlbumAssetsV2),
            SyncRequestType::AssetFacesV1 => Some(SyncRequestType::AssetFacesV2),
            _ => None,
        }
    }
}
