// Two views of one user's library that must agree once the queues are idle and the client has
// synced: what the REST API shows that user, and what the app's mirror holds. Both sides are
// projected onto the same plain shape (sorted, ids as keys), so a difference reads as
// "section / key / field: server=…, mirror=…".
import * as sdk from '@immich/sdk';
import { as, call, ownAssets, timelineIds } from './api.mjs';

const ms = (value) => (value == null ? null : Date.parse(value));
const byKey = (rows, key) => Object.fromEntries(rows.map((row) => [row[key], row]).sort(([a], [b]) => (a < b ? -1 : 1)));
const sorted = (list) => [...list].sort();
const round6 = (value) => (value == null ? null : Math.round(value * 1e6) / 1e6);

/**
 * The fields of an asset both sides know, from an AssetResponseDto seen by `viewerId`. The sync
 * stream masks isFavorite to false on assets the viewer does not own (docs/sync-contract.md §7.6),
 * so that is what the app can show for a partner's or an album member's asset.
 */
function restAsset(a, viewerId) {
  return {
    ownerId: a.ownerId,
    checksum: a.checksum,
    originalFileName: a.originalFileName,
    type: a.type,
    visibility: a.visibility,
    isFavorite: a.ownerId === viewerId ? a.isFavorite : false,
    trashed: a.isTrashed,
    fileCreatedAt: ms(a.fileCreatedAt),
    localDateTime: ms(a.localDateTime),
    stackId: a.stack?.id ?? null,
    thumbhash: a.thumbhash ?? null,
    description: a.exifInfo?.description || null,
    rating: a.exifInfo?.rating ?? null,
    latitude: round6(a.exifInfo?.latitude),
    longitude: round6(a.exifInfo?.longitude),
    dateTimeOriginal: ms(a.exifInfo?.dateTimeOriginal),
  };
}

function mirrorAsset(row, exif) {
  return {
    ownerId: row.owner_id,
    checksum: row.checksum,
    originalFileName: row.original_file_name,
    type: row.type,
    visibility: row.visibility,
    isFavorite: row.is_favorite === 1,
    trashed: row.deleted_at !== null,
    fileCreatedAt: ms(row.file_created_at),
    localDateTime: ms(row.local_date_time),
    stackId: row.stack_id,
    thumbhash: row.thumbhash,
    description: exif?.description || null,
    rating: exif?.rating ?? null,
    latitude: round6(exif?.latitude),
    longitude: round6(exif?.longitude),
    dateTimeOriginal: ms(exif?.dateTimeOriginal),
  };
}

/** What the REST API shows the user of `apiKey` (userId is theirs). */
export async function restView(apiKey, userId) {
  const me = await call('GET /users/me', () => sdk.getMyUser(as(apiKey)));
  const users = await call('GET /users', () => sdk.searchUsers(as(apiKey)));

  const own = [];
  // Search also returns the assets of partners shown in the user's timeline: keep their own.
  for (const { id } of (await ownAssets(apiKey)).filter((a) => a.ownerId === userId)) {
    own.push({ id, ...restAsset(await call(`GET /assets/${id}`, () => sdk.getAssetInfo({ id }, as(apiKey))), userId) });
  }

  const sharingWithMe = await call('GET /partners?direction=shared-with', () => sdk.getPartners({ direction: 'shared-with' }, as(apiKey)));
  const sharedByMe = await call('GET /partners?direction=shared-by', () => sdk.getPartners({ direction: 'shared-by' }, as(apiKey)));
  const partners = [
    ...sharingWithMe.map((p) => ({ key: `${p.id}>${userId}`, inTimeline: p.inTimeline ?? null })),
    ...sharedByMe.map((p) => ({ key: `${userId}>${p.id}` })),
  ];

  const partnerAssets = [];
  for (const partner of sharingWithMe) {
    for (const id of await timelineIds(apiKey, { userId: partner.id, visibility: sdk.AssetVisibility.Timeline })) {
      partnerAssets.push({ id, ...restAsset(await call(`GET /assets/${id} (partner's)`, () => sdk.getAssetInfo({ id }, as(apiKey))), userId) });
    }
  }

  const albums = [];
  for (const album of await call('GET /albums', () => sdk.getAllAlbums({}, as(apiKey)))) {
    const info = await call(`GET /albums/${album.id}`, () => sdk.getAlbumInfo({ id: album.id }, as(apiKey)));
    albums.push({
      id: info.id,
      name: info.albumName,
      description: info.description,
      isActivityEnabled: info.isActivityEnabled,
      members: sorted(info.albumUsers.map((m) => `${m.user.id}:${m.role}`)),
      assets: sorted(await timelineIds(apiKey, { albumId: info.id })),
    });
  }

  const stacks = (await call('GET /stacks', () => sdk.searchStacks({}, as(apiKey)))).map((s) => ({
    id: s.id,
    primaryAssetId: s.primaryAssetId,
    assets: sorted(s.assets.filter((a) => !a.isTrashed).map((a) => a.id)),
  }));

  const memories = (await call('GET /memories', () => sdk.searchMemories({}, as(apiKey)))).map((m) => ({
    id: m.id,
    type: m.type,
    data: m.data,
    isSaved: m.isSaved,
    memoryAt: ms(m.memoryAt),
    seenAt: ms(m.seenAt),
    assets: sorted(m.assets.filter((a) => !a.isTrashed).map((a) => a.id)),
  }));

  const people = (await call('GET /people', () => sdk.getAllPeople({ withHidden: true }, as(apiKey)))).people.map((p) => ({
    id: p.id,
    name: p.name,
    isHidden: p.isHidden,
    isFavorite: p.isFavorite ?? false,
    birthDate: p.birthDate ?? null,
  }));

  return {
    authUser: { id: me.id, email: me.email, name: me.name, isAdmin: me.isAdmin },
    users: byKey(users.map((u) => ({ id: u.id, email: u.email, name: u.name })), 'id'),
    ownAssets: byKey(own, 'id'),
    partners: byKey(partners, 'key'),
    partnerTimelineAssets: byKey(partnerAssets, 'id'),
    albums: byKey(albums, 'id'),
    stacks: byKey(stacks, 'id'),
    memories: byKey(memories, 'id'),
    people: byKey(people, 'id'),
  };
}

/** The same view from the app's mirror, filtered the way the app's screens filter. */
export function mirrorView(mirror, userId) {
  const assets = mirror.rows('asset');
  const exif = new Map(mirror.rows('exif').map((row) => [row.asset_id, JSON.parse(row.json)]));
  const assetById = new Map(assets.map((a) => [a.id, a]));
  const live = (id) => assetById.has(id) && assetById.get(id).deleted_at === null;
  const onTimeline = (id) => live(id) && assetById.get(id).visibility === 'timeline';
  const project = (row) => ({ id: row.id, ...mirrorAsset(row, exif.get(row.id)) });

  const [authUser] = mirror.rows('auth_user');
  const partnerRows = mirror.rows('partner').filter((p) => p.shared_by_id === userId || p.shared_with_id === userId);
  const sharingWithMe = new Set(partnerRows.filter((p) => p.shared_with_id === userId).map((p) => p.shared_by_id));
  const albumUsers = mirror.rows('album_user');
  const albumAssets = mirror.rows('album_asset');
  const memoryAssets = mirror.rows('memory_asset');

  return {
    authUser: authUser ? { id: authUser.id, email: authUser.email, name: authUser.name, isAdmin: authUser.is_admin === 1 } : null,
    users: byKey(mirror.rows('user').map((u) => ({ id: u.id, email: u.email, name: u.name })), 'id'),
    ownAssets: byKey(assets.filter((a) => a.owner_id === userId).map(project), 'id'),
    partners: byKey(
      partnerRows.map((p) =>
        p.shared_with_id === userId
          ? { key: `${p.shared_by_id}>${userId}`, inTimeline: p.in_timeline === 1 }
          : { key: `${userId}>${p.shared_with_id}` },
      ),
      'key',
    ),
    partnerTimelineAssets: byKey(
      assets.filter((a) => sharingWithMe.has(a.owner_id) && a.visibility === 'timeline' && a.deleted_at === null).map(project),
      'id',
    ),
    albums: byKey(
      mirror.rows('album').map((a) => ({
        id: a.id,
        name: a.name,
        description: a.description,
        isActivityEnabled: a.is_activity_enabled === 1,
        members: sorted(albumUsers.filter((m) => m.album_id === a.id).map((m) => `${m.user_id}:${m.role}`)),
        assets: sorted(albumAssets.filter((l) => l.album_id === a.id && live(l.asset_id)).map((l) => l.asset_id)),
      })),
      'id',
    ),
    stacks: byKey(
      mirror.rows('stack').filter((s) => s.owner_id === userId).map((s) => ({
        id: s.id,
        primaryAssetId: s.primary_asset_id,
        assets: sorted(assets.filter((a) => a.stack_id === s.id && a.deleted_at === null).map((a) => a.id)),
      })),
      'id',
    ),
    memories: byKey(
      mirror.rows('memory').filter((m) => m.owner_id === userId && m.deleted_at === null).map((m) => ({
        id: m.id,
        type: m.type,
        data: JSON.parse(m.data),
        isSaved: m.is_saved === 1,
        memoryAt: ms(m.memory_at),
        seenAt: ms(m.seen_at),
        // A memory shows only assets on the timeline (not trashed, not archived), as GET /memories does.
        assets: sorted(memoryAssets.filter((l) => l.memory_id === m.id && onTimeline(l.asset_id)).map((l) => l.asset_id)),
      })),
      'id',
    ),
    people: byKey(
      mirror.rows('person').filter((p) => p.owner_id === userId).map((p) => ({
        id: p.id,
        name: p.name,
        isHidden: p.is_hidden === 1,
        isFavorite: p.is_favorite === 1,
        birthDate: p.birth_date,
      })),
      'id',
    ),
  };
}

const show = (value) => JSON.stringify(value);

/** Readable differences between the two views ([] when equal). */
export function diffViews(server, mirror) {
  const out = [];
  for (const section of Object.keys(server)) {
    const s = server[section];
    const m = mirror[section];
    if (section === 'authUser') {
      if (show(s) !== show(m)) out.push(`authUser: server=${show(s)} mirror=${show(m)}`);
      continue;
    }
    for (const key of Object.keys(s)) {
      if (!(key in m)) out.push(`${section}: ${key} is on the server but not in the mirror: ${show(s[key])}`);
    }
    for (const key of Object.keys(m)) {
      if (!(key in s)) out.push(`${section}: ${key} is in the mirror but not on the server: ${show(m[key])}`);
    }
    for (const key of Object.keys(s)) {
      if (!(key in m)) continue;
      for (const field of new Set([...Object.keys(s[key]), ...Object.keys(m[key])])) {
        if (show(s[key][field]) !== show(m[key][field])) {
          out.push(`${section}: ${key}.${field}: server=${show(s[key][field])} mirror=${show(m[key][field])}`);
        }
      }
    }
  }
  return out;
}
