// Random but reproducible sequences of real API operations (through @immich/sdk), over a small
// model of what exists, so each operation picks a target that is valid right now.
import * as sdk from '@immich/sdk';
import jpeg from 'jpeg-js';
import { as, call } from './api.mjs';

/** mulberry32: a small seeded PRNG; same seed, same sequence. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    sample: (list, k) => {
      const copy = [...list];
      const out = [];
      while (copy.length && out.length < k) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
      return out;
    },
  };
}

/** A small valid JPEG whose pixels (and so checksum) depend on the seed. */
export function makeJpeg(seed, width = 32, height = 24) {
  const random = rng(seed);
  const data = Buffer.alloc(width * height * 4);
  const base = [random.int(256), random.int(256), random.int(256)];
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = (base[c] + ((i * (c + 3)) % 64) + random.int(32)) & 255;
    data[i * 4 + 3] = 255;
  }
  return Buffer.from(jpeg.encode({ data, width, height }, 85).data);
}

let uploadCounter = 0;

/** Uploads one generated JPEG as the user; returns the new asset id. */
export async function upload(user, seed, when = new Date(Date.UTC(2021, 0, 1) + seed * 3_600_000)) {
  const bytes = makeJpeg(seed * 7919 + ++uploadCounter);
  const name = `sync-${seed}-${uploadCounter}.jpg`;
  const res = await call(`upload ${name} as ${user.name}`, () =>
    sdk.uploadAsset(
      {
        assetMediaCreateDto: {
          assetData: new File([bytes], name, { type: 'image/jpeg' }),
          fileCreatedAt: when.toISOString(),
          fileModifiedAt: when.toISOString(),
          filename: name,
        },
      },
      as(user.apiKey),
    ),
  );
  if (res.status !== 'created') throw new Error(`upload ${name}: expected status "created", got ${JSON.stringify(res)}`);
  return res.id;
}

/**
 * The world: users and what they own, in creation order (so a seed always picks the same
 * targets). `users` are accounts from api.mjs; `sync(user)` is called for the sync operation.
 */
export class World {
  constructor(users, random) {
    this.users = users;
    this.random = random;
    this.assets = []; // { id, owner, trashed }
    this.albums = []; // { id, owner, members: Map(userId -> role) }
    this.partners = new Set(); // "sharedById>sharedWithId"
    // Pairs that stopped sharing never share again within a seed: Immich's protocol sends no
    // PartnerAssetDeleteV1 to an ex-partner, so assets deleted during the gap would stay on a
    // re-added partner's phone (docs/sync-contract.md §4) — upstream behaviour, not a server bug.
    this.endedPartners = new Set();
    this.memories = []; // { id, owner }
    this.log = [];
  }

  userById(id) {
    return this.users.find((u) => u.userId === id);
  }

  live(owner) {
    return this.assets.filter((a) => a.owner === owner.userId && !a.trashed);
  }

  trashed(owner) {
    return this.assets.filter((a) => a.owner === owner.userId && a.trashed);
  }

  /** Operations possible now, each { name, weight, run } for a randomly chosen user. */
  candidates(u) {
    const r = this.random;
    const key = as(u.apiKey);
    const others = this.users.filter((o) => o !== u);
    const mine = this.live(u);
    const myTrash = this.trashed(u);
    const ownedAlbums = this.albums.filter((a) => a.owner === u.userId);
    const editable = this.albums.filter((a) => a.owner === u.userId || a.members.get(u.userId) === 'editor');
    const memberOf = this.albums.filter((a) => a.members.has(u.userId));
    const myMemories = this.memories.filter((m) => m.owner === u.userId);
    const ops = [];
    const add = (name, weight, run) => ops.push({ name, weight, run });
    const edit = (name, dto) =>
      add(name, 2, async () => {
        const asset = r.pick(mine);
        await call(`${name} ${asset.id}`, () => sdk.updateAsset({ id: asset.id, updateAssetDto: dto() }, key));
        return `${name} ${asset.id}`;
      });

    add('upload', 5, async () => {
      const id = await upload(u, r.int(1_000_000));
      this.assets.push({ id, owner: u.userId, trashed: false });
      return `upload ${id}`;
    });
    if (mine.length) {
      edit('favorite', () => ({ isFavorite: r.chance(0.6) }));
      edit('describe', () => ({ description: r.chance(0.8) ? `note ${r.int(1000)}` : '' }));
      edit('date', () => ({ dateTimeOriginal: `20${10 + r.int(15)}-0${1 + r.int(9)}-1${r.int(9)}T0${r.int(10)}:15:00.000+0${r.int(6)}:00` }));
      edit('locate', () => ({ latitude: Math.round((r.next() * 120 - 60) * 1e4) / 1e4, longitude: Math.round((r.next() * 300 - 150) * 1e4) / 1e4 }));
      edit('rate', () => ({ rating: r.int(6) }));
      edit('archive', () => ({ visibility: r.chance(0.5) ? sdk.AssetVisibility.Archive : sdk.AssetVisibility.Timeline }));
      add('trash', 2, async () => {
        const picked = r.sample(mine, 1 + r.int(2));
        await call('trash', () => sdk.deleteAssets({ assetBulkDeleteDto: { ids: picked.map((a) => a.id) } }, key));
        for (const a of picked) a.trashed = true;
        return `trash ${picked.map((a) => a.id).join(',')}`;
      });
      add('force-delete', 1, async () => {
        const asset = r.pick(mine);
        await call('force delete', () => sdk.deleteAssets({ assetBulkDeleteDto: { ids: [asset.id], force: true } }, key));
        this.#gone(asset.id);
        return `force delete ${asset.id}`;
      });
    }
    if (myTrash.length) {
      add('restore', 2, async () => {
        const asset = r.pick(myTrash);
        await call('restore', () => sdk.restoreAssets({ bulkIdsDto: { ids: [asset.id] } }, key));
        asset.trashed = false;
        return `restore ${asset.id}`;
      });
      add('purge', 1, async () => {
        const asset = r.pick(myTrash);
        await call('purge', () => sdk.deleteAssets({ assetBulkDeleteDto: { ids: [asset.id], force: true } }, key));
        this.#gone(asset.id);
        return `purge ${asset.id}`;
      });
      add('empty-trash', 1, async () => {
        await call('empty trash', () => sdk.emptyTrash(key));
        for (const a of myTrash) this.#gone(a.id);
        return `empty trash (${myTrash.length})`;
      });
    }
    add('album-create', 2, async () => {
      const assets = r.sample(mine, r.int(3));
      const album = await call('create album', () =>
        sdk.createAlbum({ createAlbumDto: { albumName: `album ${r.int(1000)}`, assetIds: assets.map((a) => a.id) } }, key),
      );
      this.albums.push({ id: album.id, owner: u.userId, members: new Map() });
      return `create album ${album.id} with ${assets.length}`;
    });
    if (ownedAlbums.length) {
      add('album-rename', 1, async () => {
        const album = r.pick(ownedAlbums);
        const dto = { albumName: `renamed ${r.int(1000)}`, description: r.chance(0.5) ? `about ${r.int(100)}` : '' };
        await call('rename album', () => sdk.updateAlbumInfo({ id: album.id, updateAlbumDto: dto }, key));
        return `rename album ${album.id}`;
      });
      add('album-remove-assets', 1, async () => {
        const album = r.pick(ownedAlbums);
        const ids = this.assets.filter((a) => a.owner === u.userId).slice(0, 1 + r.int(3)).map((a) => a.id);
        if (!ids.length) return 'remove from album: nothing';
        await call('remove from album', () => sdk.removeAssetFromAlbum({ id: album.id, bulkIdsDto: { ids } }, key));
        return `remove ${ids.length} from album ${album.id}`;
      });
      add('album-delete', 1, async () => {
        const album = r.pick(ownedAlbums);
        await call('delete album', () => sdk.deleteAlbum({ id: album.id }, key));
        this.albums = this.albums.filter((a) => a !== album);
        return `delete album ${album.id}`;
      });
      const shareable = ownedAlbums.flatMap((album) => others.filter((o) => !album.members.has(o.userId)).map((o) => [album, o]));
      if (shareable.length) {
        add('album-share', 3, async () => {
          const [album, other] = r.pick(shareable);
          const role = r.chance(0.5) ? sdk.AlbumUserRole.Editor : sdk.AlbumUserRole.Viewer;
          await call('share album', () => sdk.addUsersToAlbum({ id: album.id, addUsersDto: { albumUsers: [{ userId: other.userId, role }] } }, key));
          album.members.set(other.userId, role);
          return `share album ${album.id} with ${other.name} as ${role}`;
        });
      }
      const shared = ownedAlbums.flatMap((album) => [...album.members.keys()].map((id) => [album, id]));
      if (shared.length) {
        add('album-unshare', 1, async () => {
          const [album, memberId] = r.pick(shared);
          await call('unshare album', () => sdk.removeUserFromAlbum({ id: album.id, userId: memberId }, key));
          album.members.delete(memberId);
          return `unshare album ${album.id} from ${memberId}`;
        });
        add('album-role', 1, async () => {
          const [album, memberId] = r.pick(shared);
          const role = album.members.get(memberId) === 'editor' ? sdk.AlbumUserRole.Viewer : sdk.AlbumUserRole.Editor;
          await call('change role', () => sdk.updateAlbumUser({ id: album.id, userId: memberId, updateAlbumUserDto: { role } }, key));
          album.members.set(memberId, role);
          return `album ${album.id}: ${memberId} becomes ${role}`;
        });
      }
    }
    if (editable.length && mine.length) {
      add('album-add-assets', 3, async () => {
        const album = r.pick(editable);
        const ids = r.sample(mine, 1 + r.int(3)).map((a) => a.id);
        await call('add to album', () => sdk.addAssetsToAlbum({ id: album.id, bulkIdsDto: { ids } }, key));
        return `add ${ids.length} to album ${album.id}`;
      });
    }
    const leavable = memberOf;
    if (leavable.length) {
      add('album-leave', 1, async () => {
        const album = r.pick(leavable);
        await call('leave album', () => sdk.removeUserFromAlbum({ id: album.id, userId: u.userId }, key));
        album.members.delete(u.userId);
        return `${u.name} leaves album ${album.id}`;
      });
    }
    const notPartners = others.filter((o) => !this.partners.has(`${u.userId}>${o.userId}`) && !this.endedPartners.has(`${u.userId}>${o.userId}`));
    if (notPartners.length) {
      add('partner-add', 3, async () => {
        const other = r.pick(notPartners);
        await call('add partner', () => sdk.createPartner({ partnerCreateDto: { sharedWithId: other.userId } }, key));
        this.partners.add(`${u.userId}>${other.userId}`);
        return `${u.name} shares with ${other.name}`;
      });
    }
    const myPartners = others.filter((o) => this.partners.has(`${u.userId}>${o.userId}`));
    if (myPartners.length) {
      add('partner-remove', 1, async () => {
        const other = r.pick(myPartners);
        await call('remove partner', () => sdk.removePartner({ id: other.userId }, key));
        this.partners.delete(`${u.userId}>${other.userId}`);
        this.endedPartners.add(`${u.userId}>${other.userId}`);
        return `${u.name} stops sharing with ${other.name}`;
      });
    }
    const sharingWithMe = others.filter((o) => this.partners.has(`${o.userId}>${u.userId}`));
    if (sharingWithMe.length) {
      add('partner-timeline', 1, async () => {
        const other = r.pick(sharingWithMe);
        const inTimeline = r.chance(0.5);
        await call('partner in timeline', () => sdk.updatePartner({ id: other.userId, partnerUpdateDto: { inTimeline } }, key));
        return `${u.name} shows ${other.name} in timeline: ${inTimeline}`;
      });
    }
    if (mine.length >= 2) {
      add('stack-create', 2, async () => {
        const ids = r.sample(mine, 2 + r.int(2)).map((a) => a.id);
        const stack = await call('create stack', () => sdk.createStack({ stackCreateDto: { assetIds: ids } }, key));
        return `stack ${stack.id} of ${ids.length}`;
      });
    }
    add('stack-delete', 1, async () => {
      const order = new Map(this.assets.map((a, i) => [a.id, i]));
      const stacks = (await call('list stacks', () => sdk.searchStacks({}, key))).sort(
        (a, b) => (order.get(a.primaryAssetId) ?? 0) - (order.get(b.primaryAssetId) ?? 0),
      );
      if (!stacks.length) return 'delete stack: none';
      const stack = r.pick(stacks);
      await call('delete stack', () => sdk.deleteStack({ id: stack.id }, key));
      return `delete stack ${stack.id}`;
    });
    add('memory-create', 1, async () => {
      const ids = r.sample(mine, r.int(3)).map((a) => a.id);
      const memory = await call('create memory', () =>
        sdk.createMemory(
          { memoryCreateDto: { type: sdk.MemoryType.OnThisDay, data: { year: 2000 + r.int(25) }, memoryAt: new Date(Date.UTC(2024, r.int(12), 1 + r.int(28))).toISOString(), assetIds: ids } },
          key,
        ),
      );
      this.memories.push({ id: memory.id, owner: u.userId });
      return `memory ${memory.id} with ${ids.length}`;
    });
    if (myMemories.length) {
      add('memory-update', 1, async () => {
        const memory = r.pick(myMemories);
        const dto = r.chance(0.5) ? { isSaved: r.chance(0.5) } : { seenAt: new Date(Date.UTC(2025, r.int(12), 2)).toISOString() };
        await call('update memory', () => sdk.updateMemory({ id: memory.id, memoryUpdateDto: dto }, key));
        return `update memory ${memory.id} ${JSON.stringify(dto)}`;
      });
      add('memory-delete', 1, async () => {
        const memory = r.pick(myMemories);
        await call('delete memory', () => sdk.deleteMemory({ id: memory.id }, key));
        this.memories = this.memories.filter((m) => m !== memory);
        return `delete memory ${memory.id}`;
      });
    }
    return ops;
  }

  #gone(id) {
    this.assets = this.assets.filter((a) => a.id !== id);
  }

  /** Runs one random operation as a random user; returns its description. */
  async step() {
    const user = this.random.pick(this.users);
    const ops = this.candidates(user);
    const total = ops.reduce((sum, op) => sum + op.weight, 0);
    let roll = this.random.next() * total;
    const op = ops.find((o) => (roll -= o.weight) < 0) ?? ops[ops.length - 1];
    const what = `${user.name}: ${await op.run()}`;
    this.log.push(what);
    return what;
  }
}
