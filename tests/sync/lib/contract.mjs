// What the sync stream may contain, as Immich 3.x defines it (facts from Immich's server
// `server/src/dtos/sync.dto.ts` (the SyncItem type) and `server/src/services/sync.service.ts`;
// the names themselves come from the SDK 3.2.2 enums, which the tests load at run time).

/** The DTO (a type in @immich/sdk 3.2.2's fetch-client.d.ts) each SyncEntityType carries. */
export const DTO_OF_TYPE = {
  AuthUserV1: 'SyncAuthUserV1',
  UserV1: 'SyncUserV1',
  UserDeleteV1: 'SyncUserDeleteV1',
  AssetV1: 'SyncAssetV1',
  AssetV2: 'SyncAssetV2',
  AssetDeleteV1: 'SyncAssetDeleteV1',
  AssetExifV1: 'SyncAssetExifV1',
  AssetEditV1: 'SyncAssetEditV1',
  AssetEditDeleteV1: 'SyncAssetEditDeleteV1',
  AssetMetadataV1: 'SyncAssetMetadataV1',
  AssetMetadataDeleteV1: 'SyncAssetMetadataDeleteV1',
  AssetOcrV1: 'SyncAssetOcrV1',
  AssetOcrDeleteV1: 'SyncAssetOcrDeleteV1',
  PartnerV1: 'SyncPartnerV1',
  PartnerDeleteV1: 'SyncPartnerDeleteV1',
  PartnerAssetV1: 'SyncAssetV1',
  PartnerAssetV2: 'SyncAssetV2',
  PartnerAssetBackfillV1: 'SyncAssetV1',
  PartnerAssetBackfillV2: 'SyncAssetV2',
  PartnerAssetDeleteV1: 'SyncAssetDeleteV1',
  PartnerAssetExifV1: 'SyncAssetExifV1',
  PartnerAssetExifBackfillV1: 'SyncAssetExifV1',
  PartnerStackBackfillV1: 'SyncStackV1',
  PartnerStackDeleteV1: 'SyncStackDeleteV1',
  PartnerStackV1: 'SyncStackV1',
  AlbumV1: 'SyncAlbumV1',
  AlbumV2: 'SyncAlbumV2',
  AlbumDeleteV1: 'SyncAlbumDeleteV1',
  AlbumUserV1: 'SyncAlbumUserV1',
  AlbumUserBackfillV1: 'SyncAlbumUserV1',
  AlbumUserDeleteV1: 'SyncAlbumUserDeleteV1',
  AlbumAssetCreateV1: 'SyncAssetV1',
  AlbumAssetCreateV2: 'SyncAssetV2',
  AlbumAssetUpdateV1: 'SyncAssetV1',
  AlbumAssetUpdateV2: 'SyncAssetV2',
  AlbumAssetBackfillV1: 'SyncAssetV1',
  AlbumAssetBackfillV2: 'SyncAssetV2',
  AlbumAssetExifCreateV1: 'SyncAssetExifV1',
  AlbumAssetExifUpdateV1: 'SyncAssetExifV1',
  AlbumAssetExifBackfillV1: 'SyncAssetExifV1',
  AlbumToAssetV1: 'SyncAlbumToAssetV1',
  AlbumToAssetDeleteV1: 'SyncAlbumToAssetDeleteV1',
  AlbumToAssetBackfillV1: 'SyncAlbumToAssetV1',
  MemoryV1: 'SyncMemoryV1',
  MemoryDeleteV1: 'SyncMemoryDeleteV1',
  MemoryToAssetV1: 'SyncMemoryAssetV1',
  MemoryToAssetDeleteV1: 'SyncMemoryAssetDeleteV1',
  StackV1: 'SyncStackV1',
  StackDeleteV1: 'SyncStackDeleteV1',
  PersonV1: 'SyncPersonV1',
  PersonDeleteV1: 'SyncPersonDeleteV1',
  AssetFaceV1: 'SyncAssetFaceV1',
  AssetFaceV2: 'SyncAssetFaceV2',
  AssetFaceDeleteV1: 'SyncAssetFaceDeleteV1',
  UserMetadataV1: 'SyncUserMetadataV1',
  UserMetadataDeleteV1: 'SyncUserMetadataDeleteV1',
  SyncAckV1: 'SyncAckV1',
  SyncResetV1: 'SyncResetV1',
  SyncCompleteV1: 'SyncCompleteV1',
};

/** Line types that may appear whatever was requested. */
export const CONTROL_TYPES = ['SyncAckV1', 'SyncResetV1', 'SyncCompleteV1'];

/**
 * The line types each request type of the 3.x app may produce (Immich's sync service:
 * upserts, deletes, and for the types that backfill, the *Backfill* lines closed by SyncAckV1).
 */
export const TYPES_OF_REQUEST = {
  AuthUsersV1: ['AuthUserV1'],
  UsersV1: ['UserV1', 'UserDeleteV1'],
  PartnersV1: ['PartnerV1', 'PartnerDeleteV1'],
  AssetsV2: ['AssetV2', 'AssetDeleteV1'],
  AssetExifsV1: ['AssetExifV1'],
  AssetEditsV1: ['AssetEditV1', 'AssetEditDeleteV1'],
  AssetMetadataV1: ['AssetMetadataV1', 'AssetMetadataDeleteV1'],
  PartnerAssetsV2: ['PartnerAssetV2', 'PartnerAssetBackfillV2', 'PartnerAssetDeleteV1'],
  PartnerAssetExifsV1: ['PartnerAssetExifV1', 'PartnerAssetExifBackfillV1'],
  AlbumsV2: ['AlbumV2', 'AlbumDeleteV1'],
  AlbumUsersV1: ['AlbumUserV1', 'AlbumUserBackfillV1', 'AlbumUserDeleteV1'],
  AlbumAssetsV2: ['AlbumAssetCreateV2', 'AlbumAssetUpdateV2', 'AlbumAssetBackfillV2'],
  AlbumAssetExifsV1: ['AlbumAssetExifCreateV1', 'AlbumAssetExifUpdateV1', 'AlbumAssetExifBackfillV1'],
  AlbumToAssetsV1: ['AlbumToAssetV1', 'AlbumToAssetBackfillV1', 'AlbumToAssetDeleteV1'],
  MemoriesV1: ['MemoryV1', 'MemoryDeleteV1'],
  MemoryToAssetsV1: ['MemoryToAssetV1', 'MemoryToAssetDeleteV1'],
  StacksV1: ['StackV1', 'StackDeleteV1'],
  PartnerStacksV1: ['PartnerStackV1', 'PartnerStackBackfillV1', 'PartnerStackDeleteV1'],
  UserMetadataV1: ['UserMetadataV1', 'UserMetadataDeleteV1'],
  PeopleV1: ['PersonV1', 'PersonDeleteV1'],
  AssetFacesV2: ['AssetFaceV2', 'AssetFaceDeleteV1'],
  AssetOcrV1: ['AssetOcrV1', 'AssetOcrDeleteV1'],
};

/** Every DTO named in DTO_OF_TYPE, once. */
export const SYNC_DTOS = [...new Set(Object.values(DTO_OF_TYPE))].sort();

/**
 * Fields the app parses as DateTime (Dart's DateTime.parse on an ISO 8601 string): a string
 * there that is not a date would fail in the app although it passes the type check.
 */
export const DATE_FIELDS = new Set([
  'createdAt', 'updatedAt', 'deletedAt', 'fileCreatedAt', 'fileModifiedAt', 'localDateTime',
  'dateTimeOriginal', 'modifyDate', 'profileChangedAt', 'memoryAt', 'showAt', 'hideAt', 'seenAt',
  'birthDate',
]);
