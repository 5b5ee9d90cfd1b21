// The app's local copy of the server, in SQLite (node:sqlite): one table per kind of row the
// sync stream carries. Upserts replace the row, deletes remove it; foreign keys are on, with
// cascading deletes where the app's tables cascade (an asset's exif, faces, album links… go
// with it), so a child that arrives before its parent fails here as it would in the app.
// Partner, album and own assets share one `asset` table, as they do in the app.
import { DatabaseSync } from 'node:sqlite';

const SCHEMA = `
CREATE TABLE auth_user (id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, is_admin INTEGER NOT NULL,
  avatar_color TEXT, deleted_at TEXT, has_profile_image INTEGER NOT NULL, oauth_id TEXT NOT NULL, pin_code TEXT,
  profile_changed_at TEXT NOT NULL, quota_size INTEGER, quota_usage INTEGER NOT NULL, storage_label TEXT);
CREATE TABLE user (id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, avatar_color TEXT, deleted_at TEXT,
  has_profile_image INTEGER NOT NULL, profile_changed_at TEXT NOT NULL);
CREATE TABLE partner (shared_by_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  shared_with_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE, in_timeline INTEGER NOT NULL,
  PRIMARY KEY (shared_by_id, shared_with_id));
CREATE TABLE asset (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  checksum TEXT NOT NULL, original_file_name TEXT NOT NULL, type TEXT NOT NULL, visibility TEXT NOT NULL,
  is_favorite INTEGER NOT NULL, is_edited INTEGER NOT NULL, created_at TEXT, deleted_at TEXT, file_created_at TEXT,
  file_modified_at TEXT, local_date_time TEXT, duration INTEGER, width INTEGER, height INTEGER, thumbhash TEXT,
  live_photo_video_id TEXT, stack_id TEXT, library_id TEXT);
CREATE TABLE exif (asset_id TEXT PRIMARY KEY REFERENCES asset(id) ON DELETE CASCADE, json TEXT NOT NULL);
CREATE TABLE album (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, thumbnail_asset_id TEXT, is_activity_enabled INTEGER NOT NULL, "order" TEXT NOT NULL);
CREATE TABLE album_user (album_id TEXT NOT NULL REFERENCES album(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE, role TEXT NOT NULL, PRIMARY KEY (album_id, user_id));
CREATE TABLE album_asset (album_id TEXT NOT NULL REFERENCES album(id) ON DELETE CASCADE,
  asset_id TEXT NOT NULL REFERENCES asset(id) ON DELETE CASCADE, PRIMARY KEY (album_id, asset_id));
CREATE TABLE stack (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  primary_asset_id TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE memory (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  type TEXT NOT NULL, data TEXT NOT NULL, is_saved INTEGER NOT NULL, memory_at TEXT NOT NULL, seen_at TEXT,
  show_at TEXT, hide_at TEXT, deleted_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE memory_asset (memory_id TEXT NOT NULL REFERENCES memory(id) ON DELETE CASCADE,
  asset_id TEXT NOT NULL REFERENCES asset(id) ON DELETE CASCADE, PRIMARY KEY (memory_id, asset_id));
CREATE TABLE person (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
  name TEXT NOT NULL, birth_date TEXT, color TEXT, face_asset_id TEXT, is_favorite INTEGER NOT NULL,
  is_hidden INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE face (id TEXT PRIMARY KEY, asset_id TEXT NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
  person_id TEXT REFERENCES person(id) ON DELETE SET NULL, json TEXT NOT NULL);
CREATE TABLE user_metadata (user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE, key TEXT NOT NULL,
  value TEXT NOT NULL, PRIMARY KEY (user_id, key));
CREATE TABLE asset_metadata (asset_id TEXT NOT NULL REFERENCES asset(id) ON DELETE CASCADE, key TEXT NOT NULL,
  value TEXT NOT NULL, PRIMARY KEY (asset_id, key));
CREATE TABLE ocr (id TEXT PRIMARY KEY, asset_id TEXT NOT NULL REFERENCES asset(id) ON DELETE CASCADE, json TEXT NOT NULL);
CREATE TABLE edit (id TEXT PRIMARY KEY, asset_id TEXT NOT NULL REFERENCES asset(id) ON DELETE CASCADE,
  action TEXT NOT NULL, sequence INTEGER NOT NULL, parameters TEXT NOT NULL);
`;

export const TABLES = [...SCHEMA.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]);
/** The primary key of each table. */
const KEYS = {
  auth_user: ['id'], user: ['id'], partner: ['shared_by_id', 'shared_with_id'], asset: ['id'], exif: ['asset_id'],
  album: ['id'], album_user: ['album_id', 'user_id'], album_asset: ['album_id', 'asset_id'], stack: ['id'],
  memory: ['id'], memory_asset: ['memory_id', 'asset_id'], person: ['id'], face: ['id'],
  user_metadata: ['user_id', 'key'], asset_metadata: ['asset_id', 'key'], ocr: ['id'], edit: ['id'],
};
// Children first, so a wipe never trips a foreign key.
const WIPE_ORDER = ['edit', 'ocr', 'asset_metadata', 'user_metadata', 'face', 'person', 'memory_asset', 'memory',
  'stack', 'album_asset', 'album_user', 'album', 'exif', 'asset', 'partner', 'user', 'auth_user'];

const b = (value) => (value ? 1 : 0);
const json = (value) => JSON.stringify(value);

/** Thrown when a line cannot be applied (e.g. its parent row is not in the mirror). */
export class ApplyError extends Error {}

export class Mirror {
  constructor(path = ':memory:') {
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.statements = new Map();
  }

  close() {
    this.db.close();
  }

  #run(sql, ...params) {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement.run(...params);
  }

  // In-place upserts: INSERT OR REPLACE would delete the old row first and cascade away its
  // children (an asset's exif, an album's members), which the app's upserts do not do.
  #upsert(table, row) {
    const keys = KEYS[table];
    const columns = Object.keys(row);
    const others = columns.filter((c) => !keys.includes(c));
    const onConflict = others.length
      ? `DO UPDATE SET ${others.map((c) => `"${c}" = excluded."${c}"`).join(', ')}`
      : 'DO NOTHING';
    this.#run(
      `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ` +
        `ON CONFLICT (${keys.join(', ')}) ${onConflict}`,
      ...columns.map((c) => row[c] ?? null),
    );
  }

  /** Removes every row (what the app does on SyncResetV1). */
  wipe() {
    for (const table of WIPE_ORDER) this.db.exec(`DELETE FROM ${table}`);
  }

  /** Applies a batch of lines of one type in one transaction, as the app does per batch. */
  applyBatch(type, datas) {
    this.db.exec('BEGIN');
    try {
      for (const data of datas) this.apply(type, data);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  apply(type, d) {
    try {
      this.#apply(type, d);
    } catch (error) {
      throw new ApplyError(`${type} ${JSON.stringify(d)}: ${error.message}`);
    }
  }

  #apply(type, d) {
    switch (type) {
      case 'AuthUserV1':
        return this.#upsert('auth_user', {
          id: d.id, email: d.email, name: d.name, is_admin: b(d.isAdmin), avatar_color: d.avatarColor,
          deleted_at: d.deletedAt, has_profile_image: b(d.hasProfileImage), oauth_id: d.oauthId, pin_code: d.pinCode,
          profile_changed_at: d.profileChangedAt, quota_size: d.quotaSizeInBytes, quota_usage: d.quotaUsageInBytes,
          storage_label: d.storageLabel,
        });
      case 'UserV1':
        return this.#upsertUser(d);
      case 'UserDeleteV1':
        return this.#run('DELETE FROM user WHERE id = ?', d.userId);
      case 'PartnerV1':
        return this.#upsert('partner', { shared_by_id: d.sharedById, shared_with_id: d.sharedWithId, in_timeline: b(d.inTimeline) });
      case 'PartnerDeleteV1':
        return this.#run('DELETE FROM partner WHERE shared_by_id = ? AND shared_with_id = ?', d.sharedById, d.sharedWithId);
      case 'AssetV2':
      case 'PartnerAssetV2':
      case 'PartnerAssetBackfillV2':
      case 'AlbumAssetCreateV2':
      case 'AlbumAssetUpdateV2':
      case 'AlbumAssetBackfillV2':
        return this.#upsertAsset(d);
      case 'AssetDeleteV1':
      case 'PartnerAssetDeleteV1':
        return this.#run('DELETE FROM asset WHERE id = ?', d.assetId);
      case 'AssetExifV1':
      case 'PartnerAssetExifV1':
      case 'PartnerAssetExifBackfillV1':
      case 'AlbumAssetExifCreateV1':
      case 'AlbumAssetExifUpdateV1':
      case 'AlbumAssetExifBackfillV1':
        return this.#upsert('exif', { asset_id: d.assetId, json: json(d) });
      case 'AlbumV2':
        return this.#upsert('album', {
          id: d.id, name: d.name, description: d.description, created_at: d.createdAt, updated_at: d.updatedAt,
          thumbnail_asset_id: d.thumbnailAssetId, is_activity_enabled: b(d.isActivityEnabled), order: d.order,
        });
      case 'AlbumDeleteV1':
        return this.#run('DELETE FROM album WHERE id = ?', d.albumId);
      case 'AlbumUserV1':
      case 'AlbumUserBackfillV1':
        return this.#upsert('album_user', { album_id: d.albumId, user_id: d.userId, role: d.role });
      case 'AlbumUserDeleteV1':
        return this.#run('DELETE FROM album_user WHERE album_id = ? AND user_id = ?', d.albumId, d.userId);
      case 'AlbumToAssetV1':
      case 'AlbumToAssetBackfillV1':
        return this.#upsert('album_asset', { album_id: d.albumId, asset_id: d.assetId });
      case 'AlbumToAssetDeleteV1':
        return this.#run('DELETE FROM album_asset WHERE album_id = ? AND asset_id = ?', d.albumId, d.assetId);
      case 'StackV1':
      case 'PartnerStackV1':
      case 'PartnerStackBackfillV1':
        return this.#upsert('stack', {
          id: d.id, owner_id: d.ownerId, primary_asset_id: d.primaryAssetId, created_at: d.createdAt, updated_at: d.updatedAt,
        });
      case 'StackDeleteV1':
      case 'PartnerStackDeleteV1':
        return this.#run('DELETE FROM stack WHERE id = ?', d.stackId);
      case 'MemoryV1':
        return this.#upsert('memory', {
          id: d.id, owner_id: d.ownerId, type: d.type, data: json(d.data), is_saved: b(d.isSaved), memory_at: d.memoryAt,
          seen_at: d.seenAt, show_at: d.showAt, hide_at: d.hideAt, deleted_at: d.deletedAt, created_at: d.createdAt,
          updated_at: d.updatedAt,
        });
      case 'MemoryDeleteV1':
        return this.#run('DELETE FROM memory WHERE id = ?', d.memoryId);
      case 'MemoryToAssetV1':
        return this.#upsert('memory_asset', { memory_id: d.memoryId, asset_id: d.assetId });
      case 'MemoryToAssetDeleteV1':
        return this.#run('DELETE FROM memory_asset WHERE memory_id = ? AND asset_id = ?', d.memoryId, d.assetId);
      case 'PersonV1':
        return this.#upsert('person', {
          id: d.id, owner_id: d.ownerId, name: d.name, birth_date: d.birthDate, color: d.color,
          face_asset_id: d.faceAssetId, is_favorite: b(d.isFavorite), is_hidden: b(d.isHidden), created_at: d.createdAt,
          updated_at: d.updatedAt,
        });
      case 'PersonDeleteV1':
        return this.#run('DELETE FROM person WHERE id = ?', d.personId);
      case 'AssetFaceV2':
        return this.#upsert('face', { id: d.id, asset_id: d.assetId, person_id: d.personId, json: json(d) });
      case 'AssetFaceDeleteV1':
        return this.#run('DELETE FROM face WHERE id = ?', d.assetFaceId);
      case 'UserMetadataV1':
        return this.#upsert('user_metadata', { user_id: d.userId, key: d.key, value: json(d.value) });
      case 'UserMetadataDeleteV1':
        return this.#run('DELETE FROM user_metadata WHERE user_id = ? AND key = ?', d.userId, d.key);
      case 'AssetMetadataV1':
        return this.#upsert('asset_metadata', { asset_id: d.assetId, key: d.key, value: json(d.value) });
      case 'AssetMetadataDeleteV1':
        return this.#run('DELETE FROM asset_metadata WHERE asset_id = ? AND key = ?', d.assetId, d.key);
      case 'AssetOcrV1':
        return this.#upsert('ocr', { id: d.id, asset_id: d.assetId, json: json(d) });
      case 'AssetOcrDeleteV1':
        return this.#run('DELETE FROM ocr WHERE id = ?', d.id);
      case 'AssetEditV1':
        return this.#upsert('edit', {
          id: d.id, asset_id: d.assetId, action: d.action, sequence: d.sequence, parameters: json(d.parameters),
        });
      case 'AssetEditDeleteV1':
        return this.#run('DELETE FROM edit WHERE id = ?', d.editId);
      case 'SyncAckV1':
      case 'SyncCompleteV1':
        return undefined;
      case 'SyncResetV1':
        return this.wipe();
      default:
        throw new Error(`the 3.x app has no handler for ${type}`);
    }
  }

  #upsertUser(d) {
    this.#upsert('user', {
      id: d.id, email: d.email, name: d.name, avatar_color: d.avatarColor, deleted_at: d.deletedAt,
      has_profile_image: b(d.hasProfileImage), profile_changed_at: d.profileChangedAt,
    });
  }

  #upsertAsset(d) {
    this.#upsert('asset', {
      id: d.id, owner_id: d.ownerId, checksum: d.checksum, original_file_name: d.originalFileName, type: d.type,
      visibility: d.visibility, is_favorite: b(d.isFavorite), is_edited: b(d.isEdited), created_at: d.createdAt,
      deleted_at: d.deletedAt, file_created_at: d.fileCreatedAt, file_modified_at: d.fileModifiedAt,
      local_date_time: d.localDateTime, duration: d.duration, width: d.width, height: d.height, thumbhash: d.thumbhash,
      live_photo_video_id: d.livePhotoVideoId, stack_id: d.stackId, library_id: d.libraryId,
    });
  }

  /** All rows of a table, as plain objects. */
  rows(table) {
    return this.db.prepare(`SELECT * FROM ${table}`).all().map((row) => ({ ...row }));
  }
}
