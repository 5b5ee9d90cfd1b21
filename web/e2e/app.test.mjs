// The web app end to end: a real Shoebox binary on SQLite, driven through
// Debian's Chromium by playwright-core, as a person would use it (harness.mjs
// starts both and lists the environment variables).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN, BROWSER, CORPUS, api, base, expectCount, idsShownByScrolling, jobsSettle, library, markProcessed, page, problems,
  scrollToThumb, selectAssets, shot, startApp, stopApp, thumb, token, uploadByApi, work,
} from './harness.mjs';

const CORPUS_FILES = [
  'immich-test-assets/albums/nature/prairie_falcon.jpg',
  'immich-test-assets/albums/nature/wood_anemones.jpg',
  'immich-test-assets/albums/nature/silver_fir.jpg',
  'immich-test-assets/albums/nature/tanners_ridge.jpg',
  'immich-test-assets/formats/heic/IMG_2682.heic',
  'exif-samples/jpg/Canon_40D.jpg',
  'exif-samples/jpg/Nikon_D70.jpg',
  'exif-samples/jpg/gps/DSCN0010.jpg',
].map((rel) => join(CORPUS, rel));
const corpusPresent = CORPUS_FILES.every((f) => existsSync(f));
if (!corpusPresent) console.log(`# corpus not found at ${CORPUS}: its photos are not uploaded`);
const CAMERA = 'Shoebox E2E Cam';

function generateMedia() {
  const photo = join(work, 'picked-photo.jpg');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x480', '-frames:v', '1', photo]);
  // A camera only this file has, so searching by camera model finds exactly it.
  execFileSync('exiftool', ['-q', '-overwrite_original', `-Make=Shoebox`, `-Model=${CAMERA}`, '-DateTimeOriginal=2024:05:04 10:11:12', photo]);
  const dropped = join(work, 'dropped.jpg');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'mandelbrot=size=480x320', '-frames:v', '1', dropped]);
  const video = join(work, 'clip.mp4');
  execFileSync('ffmpeg', [
    '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15:duration=3',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    '-metadata', 'creation_time=2024-05-03T09:00:00Z',
    video,
  ]);
  return { photo, dropped, video };
}

describe(`the web app in ${BROWSER}`, () => {
  let media;

  before(async () => {
    media = generateMedia();
    await startApp();
  });

  after(stopApp);

  it('serves the app with a strict CSP, immutable hashed assets and the app for deep links', async () => {
    const index = await fetch(base + '/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    const csp = index.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    // The one other host is the configured map style's (by default Immich's tile server).
    assert.deepEqual([...new Set(csp.match(/https?:\/\/[^\s;]+/g))], ['https://tiles.immich.cloud']);
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, 'no inline script');
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)[1];
    const js = await fetch(base + script);
    assert.match(js.headers.get('content-type'), /javascript/);
    assert.match(js.headers.get('cache-control'), /immutable/);
    const deep = await fetch(base + '/albums/some/deep/link');
    assert.equal(await deep.text(), html);
    assert.equal(deep.headers.get('cache-control'), 'no-cache');
    assert.equal((await fetch(base + '/assets/missing-file.js')).status, 404);
    const apiMiss = await fetch(base + '/api/no-such-endpoint');
    assert.equal(apiMiss.status, 404);
    assert.equal((await apiMiss.json()).statusCode, 404);
  });

  it('signs up the first admin on a fresh server', async () => {
    await page.goto(base + '/');
    await page.waitForURL('**/auth/register');
    await page.getByLabel('Name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Confirm password').fill(ADMIN.password);
    await shot('01-sign-up');
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await page.waitForURL('**/photos');
    await page.getByText('Nothing here yet').waitFor();
  });

  it('signs out and back in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/auth\/login(\?|$)/);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await shot('02-login-error');
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/photos');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  it('uploads by file picker with progress, and reports a duplicate', async () => {
    await page.getByTestId('file-input').setInputFiles([media.photo, media.video]);
    await page.getByTestId('upload-summary').filter({ hasText: '2 uploaded · 0 duplicates · 0 failed' }).waitFor();
    await expectCount(2);
    await page.getByTestId('file-input').setInputFiles([media.photo]);
    await page.getByTestId('upload-summary').filter({ hasText: '0 uploaded · 1 duplicates · 0 failed' }).waitFor();
    await shot('03-upload-duplicate');
    await page.getByRole('button', { name: 'Close uploads' }).click();
    const bearer = await token();
    const found = await api('POST', '/search/metadata', bearer, {});
    for (const a of found.assets.items) library.set(a.id, a.originalFileName);
    assert.equal(library.size, 2);
  });

  it('uploads a file dropped on the window', async () => {
    const bytes = readFileSync(media.dropped).toString('base64');
    const transfer = await page.evaluateHandle((b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const t = new DataTransfer();
      t.items.add(new File([data], 'dropped.jpg', { type: 'image/jpeg' }));
      return t;
    }, bytes);
    await page.dispatchEvent('main', 'dragenter', { dataTransfer: transfer });
    await page.getByText('Drop photos and videos to upload').waitFor();
    await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
    await page.getByTestId('upload-summary').filter({ hasText: '1 uploaded · 0 duplicates · 0 failed' }).waitFor();
    await expectCount(3);
    await page.getByRole('button', { name: 'Close uploads' }).click();
    const found = await api('POST', '/search/metadata', await token(), { originalFileName: 'dropped.jpg' });
    assert.equal(found.assets.items.length, 1);
    library.set(found.assets.items[0].id, 'dropped.jpg');
  });

  it('the timeline shows every asset, grouped by month and day, with thumbnails', async () => {
    const bearer = await token();
    if (corpusPresent) for (const file of CORPUS_FILES) await uploadByApi(bearer, file);
    await jobsSettle(bearer);
    markProcessed();
    await page.reload();
    await expectCount(library.size);
    const shown = await idsShownByScrolling();
    assert.deepEqual([...shown].sort(), [...library.keys()].sort());
    await page.getByTestId('timeline').evaluate((el) => el.scrollTo(0, 0));
    await page.getByRole('heading', { level: 2, name: 'May 2024' }).waitFor();
    // Every thumbnail in view has loaded a real image.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-asset-id] img')].every((i) => i.complete && i.naturalWidth > 0));
    await shot('04-timeline');
  });

  it('opens the viewer, steps with the keyboard, shows EXIF and offers the original', async () => {
    const photoId = [...library].find(([, name]) => name === 'picked-photo.jpg')[0];
    await scrollToThumb(photoId);
    await thumb(photoId).getByRole('button', { name: /^Open photo/ }).click();
    const viewer = page.getByTestId('viewer');
    await viewer.waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=preview]')?.naturalWidth > 0);
    await page.keyboard.press('i');
    await viewer.getByTestId('camera').filter({ hasText: `Shoebox ${CAMERA}` }).waitFor();
    const download = viewer.getByRole('link', { name: 'Download' });
    assert.equal(await download.getAttribute('href'), `/api/assets/${photoId}/original`);
    await shot('05-viewer-info');
    const before = await viewer.getByTestId('preview').getAttribute('src');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(
      (src) => {
        const el = document.querySelector('[data-testid=viewer] [data-testid=preview], [data-testid=viewer] video');
        return el && el.getAttribute('src') !== src;
      },
      before,
    );
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });
  });

  it('plays the generated video through the playback endpoint', async () => {
    const videoId = [...library].find(([, name]) => name === 'clip.mp4')[0];
    await scrollToThumb(videoId);
    await thumb(videoId).getByRole('button', { name: /^Open video/ }).click();
    const video = page.getByTestId('video');
    await video.waitFor();
    assert.equal(await video.getAttribute('src'), `/api/assets/${videoId}/video/playback`);
    await page.waitForFunction(() => {
      const v = document.querySelector('[data-testid=video]');
      return v && v.readyState >= 2 && v.currentTime > 0.3;
    }, null, { timeout: 20_000 });
    // Seeking works (HTTP Range).
    await video.evaluate((v) => (v.currentTime = 2.5));
    await page.waitForFunction(() => document.querySelector('[data-testid=video]').currentTime >= 2.5);
    await shot('06-video');
    await page.keyboard.press('Escape');
  });

  it('creates an album from a selection, renames it and removes an asset', async () => {
    const ids = [...library.keys()].slice(0, 2);
    await selectAssets(ids);
    await page.getByRole('toolbar').getByRole('button', { name: 'Add to album' }).click();
    await page.getByLabel('New album name').fill('Holiday');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Albums' }).click();
    const card = page.getByTestId('album-card').filter({ hasText: 'Holiday' });
    await card.filter({ hasText: '2 items' }).waitFor();
    await shot('07-albums');
    await card.click();
    await expectCount(2);
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Album name').fill('Summer holiday');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Summer holiday' }).waitFor();
    await selectAssets([ids[1]]);
    await page.getByRole('button', { name: 'Set as album cover' }).click();
    await page.getByRole('status').filter({ hasText: 'Set as the album cover' }).waitFor();
    const [album] = await api('GET', '/albums', await token());
    assert.equal(album.albumThumbnailAssetId, ids[1]);
    await selectAssets([ids[0]]);
    await page.getByRole('button', { name: 'Remove from album' }).click();
    await expectCount(1);
    await shot('08-album');
    const bearer = await token();
    const albums = await api('GET', '/albums', bearer);
    assert.deepEqual(
      albums.map((a) => [a.albumName, a.assetCount]),
      [['Summer holiday', 1]],
    );
  });

  it('searches by camera model', async () => {
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Camera model').fill(CAMERA);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('result-count').filter({ hasText: /^1 result$/ }).waitFor();
    const photoId = [...library].find(([, name]) => name === 'picked-photo.jpg')[0];
    await thumb(photoId).waitFor();
    if (corpusPresent) {
      await page.getByLabel('Camera model').fill('Canon EOS 40D');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByTestId('result-count').filter({ hasText: /^1 result$/ }).waitFor();
      const canon = [...library].find(([, name]) => name === 'Canon_40D.jpg')[0];
      await thumb(canon).waitFor();
    }
    await shot('09-search');
  });

  it('moves assets to the trash and restores them', async () => {
    await page.getByRole('link', { name: 'Photos' }).click();
    await expectCount(library.size);
    // Thumbnails appear as their months load: wait for two before choosing them.
    await page.locator('[data-asset-id]').nth(1).waitFor();
    const victims = (await page.locator('[data-asset-id]').evaluateAll((els) => els.map((e) => e.dataset.assetId))).slice(0, 2);
    assert.equal(victims.length, 2);
    await selectAssets(victims);
    await page.getByRole('toolbar').getByRole('button', { name: 'Delete' }).click();
    await expectCount(library.size - 2);
    await page.getByRole('link', { name: 'Trash' }).click();
    await expectCount(2);
    await shot('10-trash');
    await selectAssets([victims[0]]);
    await page.getByRole('toolbar').getByRole('button', { name: 'Restore' }).click();
    await expectCount(1);
    await page.getByRole('button', { name: 'Restore all' }).click();
    await page.getByText('Trash is empty.').waitFor();
    await page.getByRole('link', { name: 'Photos' }).click();
    await expectCount(library.size);
  });

  it('an admin pauses and resumes a queue and starts a job', async () => {
    await page.getByRole('link', { name: 'Jobs' }).click();
    const queue = page.locator('[data-queue=thumbnailGeneration]');
    await queue.getByRole('button', { name: 'Pause' }).click();
    await queue.getByTestId('paused').waitFor();
    const bearer = await token();
    assert.equal((await api('GET', '/jobs', bearer)).thumbnailGeneration.queueStatus.isPaused, true);
    await shot('11-jobs-paused');
    await queue.getByRole('button', { name: 'Resume' }).click();
    await queue.getByTestId('paused').waitFor({ state: 'detached' });
    await page.locator('[data-queue=metadataExtraction]').getByRole('button', { name: 'All' }).click();
    await page.getByTestId('job-message').filter({ hasText: 'Extract metadata: start (all) sent' }).waitFor();
    await jobsSettle(bearer);
    const counts = (await api('GET', '/jobs', bearer)).metadataExtraction.jobCounts;
    assert.ok(counts.completed >= library.size, JSON.stringify(counts));
  });

  it('changes the password and makes and revokes an API key', async () => {
    await page.getByRole('link', { name: /Account settings/ }).click();
    await page.getByLabel('Current password').fill(ADMIN.password);
    await page.getByLabel('New password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    const login = (password) =>
      fetch(base + '/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN.email, password }),
      });
    assert.equal((await login(ADMIN.password)).status, 401);
    const fresh = await (await login('a brand new passphrase')).json();
    await api('POST', '/auth/change-password', fresh.accessToken, { password: 'a brand new passphrase', newPassword: ADMIN.password });

    await page.getByLabel('Key name').fill('e2e key');
    await page.getByRole('button', { name: 'New API key' }).click();
    const secret = await page.getByTestId('api-key-secret').textContent();
    const me = () => fetch(base + '/api/users/me', { headers: { 'x-api-key': secret } });
    assert.equal((await (await me()).json()).email, ADMIN.email);
    await shot('12-settings');
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Delete API key e2e key' }).click();
    await page.getByTestId('api-key').first().waitFor({ state: 'detached' });
    assert.equal((await me()).status, 401);
  });

  it('shows an upload made elsewhere as soon as its thumbnail is ready, told by socket.io', async () => {
    await page.getByRole('link', { name: 'Photos' }).click();
    await expectCount(library.size);
    const file = join(work, 'from-elsewhere.jpg');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240', '-frames:v', '1', file]);
    // Another client's upload: this page neither reloads nor makes it.
    await uploadByApi(await token(), file);
    const id = [...library].findLast(([, name]) => name === 'from-elsewhere.jpg')[0];
    await expectCount(library.size);
    await scrollToThumb(id);
    await page.waitForFunction((id) => {
      const img = document.querySelector(`[data-asset-id="${id}"] img`);
      return img?.complete && img.naturalWidth > 0;
    }, id);
  });

  it('has a dark theme and a phone layout', async () => {
    await page.getByRole('link', { name: 'Photos' }).click();
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await shot('13-timeline-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expectCount(library.size);
    await shot('14-phone');
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Albums' }).waitFor();
    await shot('15-phone-menu');
  });

  it('logged no errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});
