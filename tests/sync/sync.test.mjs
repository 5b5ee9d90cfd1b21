// The Immich 3.x mobile app's sync against a running Shoebox: the reference client (lib/client.mjs)
// syncs users whose libraries change through the real API, and its mirror must equal what the
// REST API shows them. Run by run.sh, which starts the server:
//   SHOEBOX_URL=http://127.0.0.1:2283 node --test tests/sync/sync.test.mjs
// Env: SYNC_SEEDS ("1 2 3 4 5 6"), SYNC_STEPS (60 operations per seed).
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import * as sdk from '@immich/sdk';
import { adminAccount, as, bearer, call, createUser, serverUrls, waitForIdleQueues, waitForServer } from './lib/api.mjs';
import { APP_REQUEST_TYPES, SyncClient } from './lib/client.mjs';
import { Mirror } from './lib/mirror.mjs';
import { rng, upload, World } from './lib/ops.mjs';
import { diffViews, mirrorView, restView } from './lib/project.mjs';
import { LineValidator, loadSchemas } from './lib/validate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const urls = serverUrls();
sdk.setBaseUrl(urls.api);
const SEEDS = (process.env.SYNC_SEEDS ?? '1 2 3 4 5 6').split(/\s+/).filter(Boolean).map(Number);
const STEPS = Number(process.env.SYNC_STEPS ?? 60);
const RUN = `${Date.now().toString(36)}`;

const ctx = {};
let userCount = 0;

before(async () => {
  await waitForServer(urls);
  ctx.validator = new LineValidator(await loadSchemas(join(here, '.cache', 'sync-schemas.json')));
  ctx.admin = await adminAccount();
});

async function freshUser(label) {
  userCount += 1;
  return createUser(ctx.admin.apiKey, { email: `${label}-${RUN}-${userCount}@sync.test`, name: `${label}${userCount}` });
}

function clientFor(user, options = {}) {
  return new SyncClient({ api: urls.api, token: user.token, mirror: new Mirror(), validator: ctx.validator, ...options });
}

/** Waits for the queues, syncs, and asserts that the mirror equals the REST view. */
async function syncAndCompare(user, client, history = []) {
  await waitForIdleQueues(ctx.admin.apiKey);
  const report = await client.sync();
  assert.ok(report.complete, `${user.name}: the stream ended without SyncCompleteV1`);
  const server = await restView(user.apiKey, user.userId);
  const diff = diffViews(server, mirrorView(client.mirror, user.userId));
  if (diff.length) {
    const recent = history.slice(-15).map((op) => `    ${op}`).join('\n');
    assert.fail(`${user.name}'s mirror differs from the REST API after a sync (${diff.length}):\n  ${diff.slice(0, 40).join('\n  ')}` +
      `${recent ? `\n  last operations:\n${recent}` : ''}`);
  }
  return report;
}

const post = (path, token, body, headers = {}) =>
  fetch(`${urls.api}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('sync stories', () => {
  it('a first sync brings the whole library and ends with SyncCompleteV1; GET /sync/ack holds what the app acked', async () => {
    const user = await freshUser('first');
    for (let i = 0; i < 3; i++) await upload(user, 100 + i);
    const client = clientFor(user);
    const report = await syncAndCompare(user, client);
    assert.equal(report.lines.filter((l) => l.type === 'AssetV2').length, 3, 'three AssetV2 lines');
    assert.equal(report.lines.at(-1).type, 'SyncCompleteV1', 'the last line is SyncCompleteV1');

    const stored = await call('GET /sync/ack', () => sdk.getSyncAck(bearer(user.token)));
    const lastAckOf = new Map(report.acks.map((ack) => [ack.split('|')[0], ack]));
    for (const { type, ack } of stored) {
      if (lastAckOf.has(type)) assert.equal(ack, lastAckOf.get(type), `stored ack for ${type}`);
    }
    for (const type of lastAckOf.keys()) {
      if (type === 'SyncCompleteV1' || type === 'SyncResetV1') continue;
      assert.ok(stored.some((s) => s.type === type), `GET /sync/ack lacks ${type}, which the app acked`);
    }
  });

  it('an incremental sync after one change returns only that change', async () => {
    const user = await freshUser('incr');
    const ids = [await upload(user, 200), await upload(user, 201)];
    const client = clientFor(user);
    await syncAndCompare(user, client);

    const again = await client.sync();
    assert.deepEqual(again.lines.map((l) => l.type), ['SyncCompleteV1'], 'nothing changed: only SyncCompleteV1');

    await call('favorite', () => sdk.updateAsset({ id: ids[1], updateAssetDto: { isFavorite: true } }, as(user.apiKey)));
    const report = await syncAndCompare(user, client);
    const changes = report.lines.filter((l) => l.type !== 'SyncCompleteV1');
    assert.deepEqual(changes.map((l) => [l.type, l.data.id ?? l.data.assetId]), [['AssetV2', ids[1]]],
      `expected only the favorited asset, got ${JSON.stringify(changes.map((l) => l.type))}`);
    assert.equal(changes[0].data.isFavorite, true);
  });

  it('a permanently deleted asset arrives as AssetDeleteV1 and leaves the mirror', async () => {
    const user = await freshUser('del');
    const id = await upload(user, 300);
    const client = clientFor(user);
    await syncAndCompare(user, client);
    await call('force delete', () => sdk.deleteAssets({ assetBulkDeleteDto: { ids: [id], force: true } }, as(user.apiKey)));
    const report = await syncAndCompare(user, client);
    assert.ok(report.lines.some((l) => l.type === 'AssetDeleteV1' && l.data.assetId === id), 'an AssetDeleteV1 line for the asset');
    assert.equal(client.mirror.rows('asset').length, 0);
  });

  it('reset: true makes the server send everything again', async () => {
    const user = await freshUser('reset');
    for (let i = 0; i < 2; i++) await upload(user, 400 + i);
    const client = clientFor(user);
    await syncAndCompare(user, client);
    const report = await client.sync({ reset: true });
    assert.equal(report.lines.filter((l) => l.type === 'AssetV2').length, 2, 'both assets again after reset: true');
    assert.ok(report.complete);
  });

  it('a session marked isPendingSyncReset gets SyncResetV1; the app wipes, acks it and syncs from scratch', async () => {
    const user = await freshUser('pending');
    await upload(user, 500);
    const client = clientFor(user);
    await syncAndCompare(user, client);
    // Something the server no longer has must vanish from the mirror through the wipe.
    client.mirror.applyBatch('AssetV2', [ghostAsset(user.userId)]);

    const sessions = await call('GET /sessions', () => sdk.getSessions(bearer(user.token)));
    const current = sessions.find((s) => s.current);
    assert.ok(current, `GET /sessions with the session token marks one session current: ${JSON.stringify(sessions)}`);
    await call(`PUT /sessions/${current.id}`, () =>
      sdk.updateSession({ id: current.id, sessionUpdateDto: { isPendingSyncReset: true } }, as(user.apiKey)),
    );

    const report = await syncAndCompare(user, client);
    assert.equal(report.reset, true, 'the app saw SyncResetV1 and streamed again');
    assert.equal(report.streams, 2);
    const first = report.lines.findIndex((l) => l.type === 'SyncResetV1');
    assert.equal(first, 0, `SyncResetV1 comes first: ${JSON.stringify(report.lines.slice(0, 3).map((l) => l.type))}`);
    assert.ok(report.acks.some((a) => a.startsWith('SyncResetV1')), 'the app acked SyncResetV1');
    const after = (await call('GET /sessions', () => sdk.getSessions(bearer(user.token)))).find((s) => s.id === current.id);
    assert.equal(after.isPendingSyncReset, false, 'the reset is no longer pending once acked');
  });

  it('a client that loses the connection mid-stream resumes without losing anything', async () => {
    const user = await freshUser('resume');
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push(await upload(user, 600 + i));
    const album = await call('album', () => sdk.createAlbum({ createAlbumDto: { albumName: 'resume', assetIds: ids.slice(0, 5) } }, as(user.apiKey)));
    await waitForIdleQueues(ctx.admin.apiKey);
    const client = clientFor(user, { batchSize: 3 });
    const cut = await client.sync({ abortAfterLines: 7 });
    assert.equal(cut.aborted, true);
    assert.ok(cut.acks.length > 0, 'some runs were acked before the cut');
    assert.ok(!cut.complete, 'the cut stream did not reach SyncCompleteV1');
    await call('rename', () => sdk.updateAlbumInfo({ id: album.id, updateAlbumDto: { albumName: 'resumed' } }, as(user.apiKey)));
    await syncAndCompare(user, client);
  });

  it('DELETE /sync/ack for a type makes the next sync send that type again', async () => {
    const user = await freshUser('unack');
    await upload(user, 700);
    const client = clientFor(user);
    await syncAndCompare(user, client);
    const res = await fetch(`${urls.api}/sync/ack`, {
      method: 'DELETE',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ types: ['AssetV2'] }),
    });
    assert.equal(res.status, 204, `DELETE /sync/ack: ${res.status} ${await res.text()}`);
    const report = await client.sync();
    assert.deepEqual(report.lines.filter((l) => l.type !== 'SyncCompleteV1').map((l) => l.type), ['AssetV2']);
  });

  it('acks: more than 1,000 or an unknown type is a 400, and API keys get 403 on every sync route', async () => {
    const user = await freshUser('acks');
    await upload(user, 900);
    const client = clientFor(user);
    await syncAndCompare(user, client);
    // Real acks (their positions are the server's business), 1,001 and 1,000 of them.
    const real = client.lastReport.lines.find((l) => l.type === 'AssetV2').ack;
    const many = Array.from({ length: 1001 }, () => real);
    let res = await post('/sync/ack', user.token, { acks: many });
    assert.equal(res.status, 400, `1,001 acks: ${res.status} ${await res.text()}`);
    res = await post('/sync/ack', user.token, { acks: many.slice(0, 1000) });
    assert.equal(res.status, 204, `1,000 acks are allowed: ${res.status} ${await res.text()}`);
    res = await post('/sync/ack', user.token, { acks: [real.replace(/^AssetV2/, 'NotAType')] });
    assert.equal(res.status, 400, `an unknown type: ${res.status} ${await res.text()}`);
    res = await post('/sync/stream', user.token, { types: ['NotARequestType'] });
    assert.equal(res.status, 400, `an unknown request type: ${res.status} ${await res.text()}`);

    const key = { 'x-api-key': user.apiKey };
    res = await post('/sync/stream', null, { types: APP_REQUEST_TYPES }, key);
    assert.equal(res.status, 403, `POST /sync/stream with an API key: ${res.status}`);
    res = await post('/sync/ack', null, { acks: [] }, key);
    assert.equal(res.status, 403, `POST /sync/ack with an API key: ${res.status}`);
    res = await fetch(`${urls.api}/sync/ack`, { headers: key });
    assert.equal(res.status, 403, `GET /sync/ack with an API key: ${res.status}`);
    res = await fetch(`${urls.api}/sync/ack`, { method: 'DELETE', headers: { ...key, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 403, `DELETE /sync/ack with an API key: ${res.status}`);
    res = await post('/sync/stream', null, { types: APP_REQUEST_TYPES });
    assert.equal(res.status, 401, `POST /sync/stream without credentials: ${res.status}`);
  });

  it('a shared album brings its owner as role owner, the member, and the owner\'s assets in it', async () => {
    const [owner, member] = [await freshUser('owner'), await freshUser('member')];
    const ids = [await upload(owner, 800), await upload(owner, 801)];
    const memberClient = clientFor(member);
    await syncAndCompare(member, memberClient);
    const album = await call('album', () => sdk.createAlbum({ createAlbumDto: { albumName: 'shared', assetIds: ids } }, as(owner.apiKey)));
    await call('share', () => sdk.addUsersToAlbum({ id: album.id, addUsersDto: { albumUsers: [{ userId: member.userId, role: sdk.AlbumUserRole.Viewer }] } }, as(owner.apiKey)));
    const report = await syncAndCompare(member, memberClient);
    const members = memberClient.mirror.rows('album_user').filter((m) => m.album_id === album.id).map((m) => `${m.user_id === owner.userId ? 'owner' : 'member'}:${m.role}`).sort();
    assert.deepEqual(members, ['member:viewer', 'owner:owner']);
    assert.ok(report.lines.some((l) => l.type.startsWith('AlbumAsset')), 'the album\'s assets came as AlbumAsset* lines');
  });
});

/** An asset the server never had, for the reset story (owned by the user, so the FK holds). */
function ghostAsset(ownerId) {
  const now = new Date().toISOString();
  return {
    id: '00000000-0000-4000-8000-00000000dead', ownerId, checksum: 'Z2hvc3Q=', originalFileName: 'ghost.jpg', type: 'IMAGE',
    visibility: 'timeline', isFavorite: false, isEdited: false, createdAt: now, deletedAt: null, fileCreatedAt: now,
    fileModifiedAt: now, localDateTime: now, duration: null, width: null, height: null, thumbhash: null,
    livePhotoVideoId: null, stackId: null, libraryId: null,
  };
}

describe(`property: after random operations the mirror equals the REST view (${SEEDS.length} seeds × ${STEPS} steps)`, () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => {
      const random = rng(seed);
      const users = [await freshUser(`p${seed}a`), await freshUser(`p${seed}b`), await freshUser(`p${seed}c`)];
      const clients = new Map(users.map((u) => [u, clientFor(u)]));
      const world = new World(users, random);
      for (let step = 0; step < STEPS; step++) {
        if (step > 3 && random.chance(0.15)) {
          const user = random.pick(users);
          world.log.push(`${user.name}: sync`);
          await syncAndCompare(user, clients.get(user), world.log);
        } else {
          await world.step();
        }
      }
      for (const user of users) await syncAndCompare(user, clients.get(user), world.log);
    });
  }
});
