// Sharing in the web app: albums shared with other users and their roles,
// shared links for an album and for a timeline selection (password, custom
// ending, no metadata, uploads), the Shared links page, and the public page a
// visitor without an account sees. A real server and Chromium (harness.mjs).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BROWSER, api, base, browser, expectCount, jobsSettle, loginAs, markProcessed, page, problems, recordProblems, selectAssets, shot, shotOf,
  signInInBrowser, signUpAdminByApi, startApp, stopApp, uploadFile, work,
} from './harness.mjs';

const BOB = { name: 'Bob Builder', email: 'bob@example.com', password: 'bobs secret passphrase' };
const LINK_PASSWORD = 'open sesame';

function photo(name, source, date) {
  const file = join(work, name);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `${source}=size=640x426`, '-frames:v', '1', file]);
  execFileSync('exiftool', ['-q', '-overwrite_original', `-DateTimeOriginal=${date}`, '-ImageDescription=A secret place', file]);
  return file;
}

describe('sharing in the web app', () => {
  let bearer;
  let bob;
  const ids = {};
  let albumId;
  let albumUrl;
  let pickUrl;
  let visitor;

  before(async () => {
    await startApp();
    bearer = await signUpAdminByApi();
    bob = await api('POST', '/admin/users', bearer, BOB);
    const files = {
      harbour: photo('harbour.jpg', 'testsrc2', '2023:06:01 10:00:00'),
      garden: photo('garden.jpg', 'mandelbrot', '2023:06:02 11:00:00'),
      street: photo('street.jpg', 'smptebars', '2023:07:03 12:00:00'),
      field: photo('field.jpg', 'rgbtestsrc', '2023:07:04 13:00:00'),
    };
    for (const [key, file] of Object.entries(files)) ids[key] = await uploadFile(bearer, file);
    await jobsSettle(bearer);
    const album = await api('POST', '/albums', bearer, { albumName: 'Harbour days', assetIds: [ids.harbour, ids.garden] });
    albumId = album.id;
    await signInInBrowser();
  });

  after(async () => {
    await visitor?.close();
    await stopApp();
  });

  it('shares an album with another user, changes the role and takes it back', async () => {
    await page.goto(`${base}/albums/${albumId}`);
    await expectCount(2);
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /Share “Harbour days”/ });
    await dialog.getByLabel('Person to add').selectOption(bob.id);
    await dialog.getByLabel('Role', { exact: true }).selectOption('viewer');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByTestId('album-users').getByText(BOB.name).waitFor();
    const roleOf = async () => (await api('GET', `/albums/${albumId}`, bearer)).albumUsers.find((u) => u.user.id === bob.id)?.role;
    assert.equal(await roleOf(), 'viewer');
    await dialog.getByLabel(`Role of ${BOB.name}`).selectOption('editor');
    await waitFor(async () => (await roleOf()) === 'editor');
    await shot('sharing-01-album-users');
    await dialog.getByRole('button', { name: `Remove ${BOB.name}` }).click();
    await dialog.getByText('Not shared with anyone yet.').waitFor();
    assert.equal(await roleOf(), undefined);
    // Shared again, as a viewer, so Bob really sees it.
    await dialog.getByLabel('Person to add').selectOption(bob.id);
    await dialog.getByLabel('Role', { exact: true }).selectOption('viewer');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByTestId('album-users').getByText(BOB.name).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByText('Shared with 1').waitFor();
    const bobToken = await loginAs(BOB.email, BOB.password);
    const bobsAlbums = await api('GET', '/albums?shared=true', bobToken);
    assert.deepEqual(bobsAlbums.map((a) => a.id), [albumId]);
  });

  it('creates a password-protected link for the album', async () => {
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByRole('button', { name: 'Create a shared link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share album by link' });
    await dialog.getByLabel('Description').fill('For the family');
    await dialog.getByLabel('Password').fill(LINK_PASSWORD);
    await dialog.getByLabel('Expires').selectOption({ label: '7 days' });
    await shot('sharing-02-create-link');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    albumUrl = await dialog.getByTestId('share-url').inputValue();
    assert.match(albumUrl, new RegExp(`^${base}/share/[A-Za-z0-9_-]{67}$`));
    await dialog.getByRole('button', { name: 'Done' }).click();
    const [link] = await api('GET', `/shared-links?albumId=${albumId}`, bearer);
    assert.equal(link.password, LINK_PASSWORD);
    assert.equal(link.description, 'For the family');
    assert.equal(link.allowDownload, true);
    assert.equal(link.allowUpload, false);
    const days = (new Date(link.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `expires in ${days} days`);
  });

  it('shares a timeline selection with a custom ending and no metadata', async () => {
    await page.getByRole('link', { name: 'Photos' }).click();
    await expectCount(4);
    await selectAssets([ids.street, ids.field]);
    await page.getByRole('toolbar').getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share 2 by link' });
    await dialog.getByLabel('Custom URL ending').fill('july-walk');
    await dialog.getByLabel(/Show metadata/).uncheck();
    assert.equal(await dialog.getByLabel(/Allow downloads/).isDisabled(), true);
    await dialog.getByRole('button', { name: 'Create link' }).click();
    pickUrl = await dialog.getByTestId('share-url').inputValue();
    assert.equal(pickUrl, `${base}/s/july-walk`);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('selected-count').waitFor({ state: 'detached' });
    const links = await api('GET', '/shared-links', bearer);
    const pick = links.find((l) => l.slug === 'july-walk');
    assert.equal(pick.type, 'INDIVIDUAL');
    assert.deepEqual(pick.assets.map((a) => a.id).sort(), [ids.street, ids.field].sort());
    assert.equal(pick.showMetadata, false);
    assert.equal(pick.allowDownload, false);
  });

  it('lists the links on the Shared links page and edits one', async () => {
    await page.getByRole('link', { name: 'Shared links' }).click();
    const cards = page.getByTestId('shared-link');
    await cards.nth(1).waitFor();
    assert.equal(await cards.count(), 2);
    const album = cards.filter({ hasText: 'Harbour days' });
    await album.getByText('Password').waitFor();
    await cards.filter({ hasText: '/s/july-walk' }).getByText('No metadata').waitFor();
    await shot('sharing-03-links');
    await album.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit shared link' });
    assert.equal(await dialog.getByLabel('Password').inputValue(), LINK_PASSWORD);
    await dialog.getByLabel('Description').fill('For the whole family');
    await dialog.getByLabel('Allow uploads').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await album.getByText('For the whole family').waitFor();
    await album.getByText('Upload', { exact: true }).waitFor();
    const [link] = await api('GET', `/shared-links?albumId=${albumId}`, bearer);
    assert.equal(link.description, 'For the whole family');
    assert.equal(link.allowUpload, true);
    assert.ok(link.expiresAt, 'the expiry was kept');
  });

  it('asks a visitor for the password, then shows the album, the viewer and downloads', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    visitor = await context.newPage();
    visitor.setDefaultTimeout(15_000);
    recordProblems(visitor);
    await visitor.goto(albumUrl);
    await visitor.getByRole('heading', { name: 'Password required' }).waitFor();
    await visitor.getByLabel('Password').fill('not it');
    await visitor.getByRole('button', { name: 'Open' }).click();
    await visitor.getByRole('alert').filter({ hasText: 'Wrong password' }).waitFor();
    await shotOf(visitor, 'sharing-04-password');
    await visitor.getByLabel('Password').fill(LINK_PASSWORD);
    await visitor.getByRole('button', { name: 'Open' }).click();
    await visitor.getByTestId('share-title').filter({ hasText: 'Harbour days' }).waitFor();
    for (const id of [ids.harbour, ids.garden]) await visitor.locator(`[data-asset-id="${id}"]`).waitFor();
    assert.equal(await visitor.locator(`[data-asset-id="${ids.street}"]`).count(), 0);
    await visitor.waitForFunction(() => [...document.querySelectorAll('[data-asset-id] img')].every((i) => i.complete && i.naturalWidth > 0));
    await shotOf(visitor, 'sharing-05-visitor-album');

    await visitor.locator(`[data-asset-id="${ids.harbour}"]`).getByRole('button', { name: /^Open photo/ }).click();
    const viewer = visitor.getByTestId('viewer');
    await visitor.waitForFunction(() => document.querySelector('[data-testid=preview]')?.naturalWidth > 0);
    assert.equal(await viewer.getByRole('button', { name: /Favorite|Delete|Archive/ }).count(), 0, 'a visitor cannot edit');
    const original = await viewer.getByRole('link', { name: 'Download' }).getAttribute('href');
    assert.match(original, new RegExp(`^/api/assets/${ids.harbour}/original\\?key=`));
    const response = await visitor.request.get(base + original);
    assert.equal(response.status(), 200);
    assert.deepEqual(await response.body(), readFileSync(join(work, 'harbour.jpg')));
    await visitor.keyboard.press('i');
    await viewer.getByTestId('info').getByText('harbour.jpg').waitFor();
    assert.equal(await viewer.getByTestId('description').count(), 0, 'no description editing');
    await shotOf(visitor, 'sharing-06-visitor-viewer');
    await visitor.keyboard.press('Escape');

    let zip;
    if (BROWSER === 'firefox') {
      // Over BiDi, Firefox ESR reports no download of a blob: URL; the zip is
      // checked as the page received it.
      const [archive] = await Promise.all([
        visitor.waitForResponse((r) => r.url().includes('/api/download/archive')),
        visitor.getByRole('button', { name: 'Download all' }).click(),
      ]);
      assert.equal(archive.status(), 200);
      zip = await archive.body();
    } else {
      const [download] = await Promise.all([visitor.waitForEvent('download'), visitor.getByRole('button', { name: 'Download all' }).click()]);
      assert.equal(download.suggestedFilename(), 'Harbour days.zip');
      zip = readFileSync(await download.path());
    }
    assert.equal(zip.readUInt32LE(0), 0x04034b50, 'a zip archive');
    for (const name of ['harbour.jpg', 'garden.jpg']) assert.ok(zip.includes(Buffer.from(name)), `${name} in the zip`);
  });

  it('lets a visitor upload into the album when the link allows it', async () => {
    const extra = photo('visitor-upload.jpg', 'yuvtestsrc', '2023:06:05 09:00:00');
    await visitor.getByTestId('file-input').setInputFiles([extra]);
    await visitor.getByTestId('upload-summary').filter({ hasText: '1 uploaded' }).waitFor();
    await waitFor(async () => (await api('GET', `/albums/${albumId}`, bearer)).assetCount === 3);
    await jobsSettle(bearer);
    // From here on a missing thumbnail is an error.
    markProcessed();
    await visitor.locator('[data-asset-id]').nth(2).waitFor();
  });

  it('shows a selection link by its custom ending, without metadata or downloads', async () => {
    await visitor.goto(pickUrl);
    await visitor.getByTestId('share-title').filter({ hasText: '2 shared items' }).waitFor();
    for (const id of [ids.street, ids.field]) await visitor.locator(`[data-asset-id="${id}"]`).waitFor();
    assert.equal(await visitor.getByRole('button', { name: /^Download/ }).count(), 0);
    await visitor.locator(`[data-asset-id="${ids.street}"]`).getByRole('button', { name: /^Open photo/ }).click();
    const viewer = visitor.getByTestId('viewer');
    await visitor.waitForFunction(() => document.querySelector('[data-testid=preview]')?.naturalWidth > 0);
    assert.equal(await viewer.getByRole('link', { name: 'Download' }).count(), 0);
    await visitor.keyboard.press('i');
    await viewer.getByTestId('info').waitFor();
    assert.equal(await viewer.getByTestId('info').getByText('A secret place').count(), 0, 'no description');
    assert.equal(await viewer.getByTestId('info').getByText('street.jpg').count(), 0, 'no file name');
    await visitor.keyboard.press('Escape');
    await visitor.setViewportSize({ width: 390, height: 844 });
    await shotOf(visitor, 'sharing-07-visitor-phone');
    await visitor.setViewportSize({ width: 1280, height: 860 });
  });

  it('a deleted link shows the visitor that it is gone', async () => {
    await page.getByRole('link', { name: 'Shared links' }).click();
    page.once('dialog', (d) => d.accept());
    await page.getByTestId('shared-link').filter({ hasText: '/s/july-walk' }).getByRole('button', { name: 'Delete' }).click();
    await waitFor(async () => (await page.getByTestId('shared-link').count()) === 1);
    await visitor.goto(pickUrl);
    await visitor.getByRole('heading', { name: 'Link not found' }).waitFor();
  });

  it('has a dark theme and a phone layout for the sharing pages', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.getByRole('link', { name: 'Shared links' }).click();
    await page.getByTestId('shared-link').first().waitFor();
    await shot('sharing-08-links-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/albums/${albumId}`);
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByRole('dialog').getByText(BOB.name).waitFor();
    await shot('sharing-09-album-share-phone');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('logged no errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});

async function waitFor(check, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, 'timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
