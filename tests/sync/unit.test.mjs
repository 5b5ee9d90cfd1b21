// Without a server: the generated schemas catch what the app would choke on, and the mirror
// applies lines as the app's database does.
//   node gen-schemas.mjs && node --test unit.test.mjs
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { SyncEntityType } from '@immich/sdk';
import { APP_REQUEST_TYPES } from './lib/client.mjs';
import { ApplyError, Mirror } from './lib/mirror.mjs';
import { LineValidator, loadSchemas } from './lib/validate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const validator = new LineValidator(await loadSchemas(join(here, '.cache', 'sync-schemas.json')));
const appAllowed = LineValidator.allowedTypes(APP_REQUEST_TYPES);

const U1 = '00000000-0000-4000-8000-000000000001';
const U2 = '00000000-0000-4000-8000-000000000002';
const A1 = '00000000-0000-4000-8000-0000000000a1';
const AL = '00000000-0000-4000-8000-0000000000b1';
const NOW = '2026-05-09T10:11:12.123Z';

const user = (id) => ({ id, email: `${id}@x.test`, name: 'U', avatarColor: null, deletedAt: null, hasProfileImage: false, profileChangedAt: NOW });
const asset = (over = {}) => ({
  id: A1, ownerId: U1, checksum: 'qUqP5cyxm6YcTAhz05Hph5gvu9M=', originalFileName: 'a.jpg', type: 'IMAGE', visibility: 'timeline',
  isFavorite: false, isEdited: false, createdAt: NOW, deletedAt: null, fileCreatedAt: NOW, fileModifiedAt: NOW,
  localDateTime: NOW, duration: null, width: 64, height: 48, thumbhash: null, livePhotoVideoId: null, stackId: null,
  libraryId: null, ...over,
});
const exif = (over = {}) => ({
  assetId: A1, city: null, country: null, dateTimeOriginal: NOW, description: 'd', exifImageHeight: 48, exifImageWidth: 64,
  exposureTime: null, fNumber: null, fileSizeInByte: 1234, focalLength: null, fps: null, iso: null, latitude: null,
  lensModel: null, longitude: null, make: null, model: null, modifyDate: null, orientation: null, profileDescription: null,
  projectionType: null, rating: null, state: null, timeZone: null, ...over,
});
const album = { id: AL, name: 'Trip', description: '', createdAt: NOW, updatedAt: NOW, thumbnailAssetId: null, isActivityEnabled: true, order: 'desc' };
const line = (type, data, ack = `${type}|019e0000-0000-7000-8000-000000000001`) => JSON.stringify({ type, data, ack });
const check = (text) => validator.check(text, appAllowed);

describe('every line is checked against the SDK 3.2.2 DTO of its type', () => {
  it('maps every SyncEntityType of the SDK to a schema', () => {
    for (const type of Object.values(SyncEntityType)) {
      assert.deepEqual(validator.check(line(type, {}), undefined).filter((p) => p.includes('not a SyncEntityType')), [], type);
    }
  });

  it('accepts well-formed lines of the types the app requests', () => {
    for (const text of [
      line('UserV1', user(U1)),
      line('AssetV2', asset()),
      line('AssetV2', asset({ deletedAt: NOW, duration: 1500, type: 'VIDEO' })),
      line('PartnerAssetBackfillV2', asset({ ownerId: U2 })),
      line('AlbumAssetCreateV2', asset()),
      line('AssetExifV1', exif()),
      line('AlbumV2', album),
      line('AlbumUserV1', { albumId: AL, userId: U1, role: 'editor' }),
      line('AlbumUserBackfillV1', { albumId: AL, userId: U2, role: 'viewer' }),
      line('SyncAckV1', {}, 'AlbumUserBackfillV1|019e|complete'),
      line('SyncCompleteV1', {}),
      line('SyncResetV1', {}, 'SyncResetV1|reset'),
      line('MemoryV1', { id: A1, ownerId: U1, type: 'on_this_day', data: { year: 2020 }, isSaved: false, memoryAt: NOW, seenAt: null, showAt: null, hideAt: null, deletedAt: null, createdAt: NOW, updatedAt: NOW }),
    ]) {
      assert.deepEqual(check(text), [], text);
    }
  });

  const bad = {
    'an unknown type': [line('AssetV3', asset()), /not a SyncEntityType/],
    'a type the app did not request': [line('AssetV1', { ...asset(), duration: null }), /was not requested/],
    'a field the DTO does not have': [line('AssetV2', { ...asset(), description: 'x' }), /must NOT have additional properties \(description\)/],
    'a missing required field': [line('AssetV2', (({ thumbhash, ...rest }) => rest)(asset())), /required property \(thumbhash\)|must have required property 'thumbhash'/],
    'null where the DTO does not allow it': [line('AssetV2', asset({ checksum: null })), /\/checksum must be string/],
    'a string where a boolean belongs': [line('AssetV2', asset({ isFavorite: 'true' })), /\/isFavorite must be boolean/],
    'a V1 duration string in a V2 asset': [line('AssetV2', asset({ duration: '0:00:01.5' })), /\/duration must be number,null/],
    'a value outside the enum': [line('AssetV2', asset({ visibility: 'public' })), /\/visibility must be equal to one of the allowed values/],
    'the owner inside AlbumV2 (V1 shape)': [line('AlbumV2', { ...album, ownerId: U1 }), /additional properties \(ownerId\)/],
    'fields in a control line': [line('SyncCompleteV1', { at: NOW }), /additional properties/],
    'an ack of another type': [line('AssetV2', asset(), 'AssetV1|x'), /is for AssetV1/],
    'no ack': [JSON.stringify({ type: 'AssetV2', data: asset() }), /ack undefined/],
    'a date the app cannot parse': [line('AssetV2', asset({ fileCreatedAt: 'yesterday' })), /not a date/],
    'an extra top-level key': [JSON.stringify({ type: 'SyncCompleteV1', data: {}, ack: 'SyncCompleteV1|x', extra: 1 }), /unexpected top-level keys extra/],
    'a line that is not JSON': ['{"type":"AssetV2"', /not JSON/],
  };
  for (const [what, [text, expected]] of Object.entries(bad)) {
    it(`rejects ${what}`, () => {
      const problems = check(text);
      assert.ok(problems.some((p) => expected.test(p)), `expected a problem matching ${expected}, got ${JSON.stringify(problems)}`);
    });
  }
});

describe('the mirror applies lines as the app database does', () => {
  const seeded = () => {
    const m = new Mirror();
    m.applyBatch('UserV1', [user(U1), user(U2)]);
    m.applyBatch('AssetV2', [asset()]);
    m.applyBatch('AssetExifV1', [exif()]);
    m.applyBatch('AlbumV2', [album]);
    m.applyBatch('AlbumUserV1', [{ albumId: AL, userId: U1, role: 'owner' }]);
    m.applyBatch('AlbumToAssetV1', [{ albumId: AL, assetId: A1 }]);
    return m;
  };

  it('updating an asset keeps its exif and album links', () => {
    const m = seeded();
    m.applyBatch('AssetV2', [asset({ isFavorite: true })]);
    assert.equal(m.rows('asset')[0].is_favorite, 1);
    assert.equal(m.rows('exif').length, 1);
    assert.equal(m.rows('album_asset').length, 1);
  });

  it('deleting an asset takes its exif and album links with it', () => {
    const m = seeded();
    m.applyBatch('AssetDeleteV1', [{ assetId: A1 }]);
    assert.deepEqual([m.rows('asset').length, m.rows('exif').length, m.rows('album_asset').length], [0, 0, 0]);
    assert.equal(m.rows('album').length, 1);
  });

  it('deleting an album takes its members and links, not its assets', () => {
    const m = seeded();
    m.applyBatch('AlbumDeleteV1', [{ albumId: AL }]);
    assert.deepEqual([m.rows('album_user').length, m.rows('album_asset').length, m.rows('asset').length], [0, 0, 1]);
  });

  it('refuses a child whose parent has not arrived, and rolls the batch back', () => {
    const m = new Mirror();
    m.applyBatch('UserV1', [user(U1)]);
    assert.throws(() => m.applyBatch('AssetExifV1', [exif()]), ApplyError);
    assert.throws(() => m.applyBatch('AssetV2', [asset(), asset({ id: U2, ownerId: 'nobody' })]), ApplyError);
    assert.equal(m.rows('asset').length, 0, 'the first asset of the failed batch was rolled back');
  });

  it('SyncResetV1 wipes every table', () => {
    const m = seeded();
    m.applyBatch('SyncResetV1', [{}]);
    for (const table of ['user', 'asset', 'exif', 'album', 'album_user', 'album_asset']) assert.equal(m.rows(table).length, 0, table);
  });

  it('deletes remove exactly the row named', () => {
    const m = seeded();
    m.applyBatch('PartnerV1', [{ sharedById: U1, sharedWithId: U2, inTimeline: false }, { sharedById: U2, sharedWithId: U1, inTimeline: true }]);
    m.applyBatch('PartnerDeleteV1', [{ sharedById: U1, sharedWithId: U2 }]);
    assert.deepEqual(m.rows('partner').map((p) => [p.shared_by_id, p.shared_with_id]), [[U2, U1]]);
    m.applyBatch('AlbumUserDeleteV1', [{ albumId: AL, userId: U1 }]);
    assert.equal(m.rows('album_user').length, 0);
  });
});
