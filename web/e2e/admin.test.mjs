// Administration in the browser: users (create, edit, delete, restore), the
// server settings with the server's validation errors, and server statistics.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ADMIN, BROWSER, api, base, expectFailure, jobsSettle, markProcessed, page, problems, refill, shot, signUpAndSignIn, startApp, stopApp, token,
  uploadByApi, work,
} from './harness.mjs';

const NEW_USER = { name: 'Bea Borrower', email: 'bea@example.com', password: 'bea secret pass' };

describe(`administration in ${BROWSER}`, () => {
  let bearer;

  before(async () => {
    await startApp();
    await signUpAndSignIn();
    bearer = await token();
    const photo = join(work, 'admin-photo.jpg');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1', photo]);
    await uploadByApi(bearer, photo);
    await jobsSettle(bearer);
    markProcessed();
  });

  after(stopApp);

  const row = (email) => page.locator(`tr[data-user="${email}"]`);
  const userByEmail = async (email) =>
    (await api('GET', '/admin/users?withDeleted=true', bearer)).find((u) => u.email === email);

  it('creates a user with a quota from the users page', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await row(ADMIN.email).waitFor();
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create user' });
    await dialog.getByLabel('Name').fill(NEW_USER.name);
    await dialog.getByLabel('Email').fill(NEW_USER.email);
    await dialog.getByLabel('Password', { exact: true }).fill(NEW_USER.password);
    await dialog.getByLabel(/Storage quota/).fill('2.5');
    await shot('admin-01-create-user');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row(NEW_USER.email).filter({ hasText: '2.5 GiB' }).waitFor();
    const user = await userByEmail(NEW_USER.email);
    assert.equal(user.name, NEW_USER.name);
    assert.equal(user.quotaSizeInBytes, 2.5 * 1024 ** 3);
    assert.equal(user.isAdmin, false);
    const login = await fetch(base + '/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: NEW_USER.email, password: NEW_USER.password }),
    });
    assert.equal(login.status, 201);
  });

  it('shows the server error for a second user with the same email', async () => {
    expectFailure(/^400 POST .*\/api\/admin\/users$/);
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create user' });
    await dialog.getByLabel('Name').fill('Copy');
    await dialog.getByLabel('Email').fill(NEW_USER.email);
    await dialog.getByLabel('Password', { exact: true }).fill('another password');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const error = await dialog.getByRole('alert').textContent();
    assert.match(error, /exist|already|use/i);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('edits name, email, password, quota and admin flag', async () => {
    await page.getByRole('button', { name: `Edit ${NEW_USER.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Edit ${NEW_USER.name}` });
    await dialog.getByLabel('Name').fill('Bea Admin');
    await refill(dialog.getByLabel('Email'), 'bea.admin@example.com');
    await dialog.getByLabel(/New password/).fill('a changed password');
    await dialog.getByLabel(/Storage quota/).fill('');
    await dialog.getByLabel('Administrator').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row('bea.admin@example.com').filter({ hasText: 'Unlimited' }).filter({ hasText: 'Admin' }).waitFor();
    const user = await userByEmail('bea.admin@example.com');
    assert.equal(user.name, 'Bea Admin');
    assert.equal(user.quotaSizeInBytes, null);
    assert.equal(user.isAdmin, true);
    const login = await fetch(base + '/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bea.admin@example.com', password: 'a changed password' }),
    });
    assert.equal(login.status, 201);
    await shot('admin-02-users');
  });

  it('deletes a user softly, restores them, then deletes them for good', async () => {
    const email = 'bea.admin@example.com';
    await page.getByRole('button', { name: 'Delete Bea Admin' }).click();
    let dialog = page.getByRole('dialog', { name: 'Delete Bea Admin' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await row(email).getByRole('button', { name: 'Restore' }).waitFor();
    assert.ok((await userByEmail(email)).deletedAt, 'soft-deleted user has deletedAt');
    await shot('admin-03-user-deleted');
    await row(email).getByRole('button', { name: 'Restore' }).click();
    await row(email).getByRole('button', { name: 'Edit Bea Admin' }).waitFor();
    assert.equal((await userByEmail(email)).deletedAt, null);

    await page.getByRole('button', { name: 'Delete Bea Admin' }).click();
    dialog = page.getByRole('dialog', { name: 'Delete Bea Admin' });
    await dialog.getByLabel(/now/).check();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByTestId('users-message').filter({ hasText: 'for good' }).waitFor();
    const gone = await userByEmail(email);
    assert.ok(!gone || gone.status !== 'active', `force-deleted user: ${JSON.stringify(gone)}`);
  });

  it('changes thumbnail settings and shows the server validation errors', async () => {
    expectFailure(/^400 PUT .*\/api\/system-config$/);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const images = page.locator('[data-section=image]');
    await refill(images.locator('[data-path="image.thumbnail.size"]'), '320');
    await images.locator('[data-path="image.thumbnail.format"]').selectOption('jpeg');
    await refill(images.locator('[data-path="image.preview.quality"]'), '150');
    await images.getByRole('button', { name: 'Save' }).click();
    const errors = images.getByTestId('config-errors');
    await errors.filter({ hasText: 'image.preview.quality must not be greater than 100' }).waitFor();
    await images.locator('[data-path="image.preview.quality"][aria-invalid=true]').waitFor();
    await shot('admin-04-settings-error');
    // Nothing was saved.
    assert.equal((await api('GET', '/system-config', bearer)).image.thumbnail.size, 250);
    await refill(images.locator('[data-path="image.preview.quality"]'), '70');
    await images.getByRole('button', { name: 'Save' }).click();
    await images.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await errors.waitFor({ state: 'detached' });
    const config = await api('GET', '/system-config', bearer);
    assert.equal(config.image.thumbnail.size, 320);
    assert.equal(config.image.thumbnail.format, 'jpeg');
    assert.equal(config.image.preview.quality, 70);
  });

  it('sets the transcode policy, turns machine learning off and picks a storage template preset', async () => {
    const open = async (key) => {
      const section = page.locator(`[data-section=${key}]`);
      await section.locator('summary').click();
      return section;
    };
    const video = await open('ffmpeg');
    await video.locator('[data-path="ffmpeg.transcode"]').selectOption('all');
    await refill(video.locator('[data-path="ffmpeg.crf"]'), '28');
    await video.getByRole('button', { name: 'Save' }).click();
    await video.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const ml = await open('machineLearning');
    await ml.locator('[data-path="machineLearning.enabled"]').uncheck();
    await ml.getByRole('button', { name: 'Save' }).click();
    await ml.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const storage = await open('storageTemplate');
    await storage.locator('[data-path="storageTemplate.enabled"]').check();
    await storage.getByLabel('Preset').selectOption('{{y}}/{{MM}}/{{filename}}');
    await storage.getByTestId('template-preview').filter({ hasText: '2024/03/IMG_0001.jpg' }).waitFor();
    await shot('admin-05-storage-template');
    await storage.getByRole('button', { name: 'Save' }).click();
    await storage.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const config = await api('GET', '/system-config', bearer);
    assert.equal(config.ffmpeg.transcode, 'all');
    assert.equal(config.ffmpeg.crf, 28);
    assert.equal(config.machineLearning.enabled, false);
    assert.equal(config.storageTemplate.enabled, true);
    assert.equal(config.storageTemplate.template, '{{y}}/{{MM}}/{{filename}}');
    // The sections saved one by one kept each other's changes.
    assert.equal(config.image.thumbnail.size, 320);

    // Reset to defaults fills the defaults in, and saving keeps them.
    await video.getByRole('button', { name: 'Reset to defaults' }).click();
    await video.getByRole('button', { name: 'Save' }).click();
    await video.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const defaults = await api('GET', '/system-config/defaults', bearer);
    assert.deepEqual((await api('GET', '/system-config', bearer)).ffmpeg, defaults.ffmpeg);
  });

  it('shows server statistics per user', async () => {
    await page.getByRole('link', { name: 'Statistics' }).click();
    const stats = await api('GET', '/server/statistics', bearer);
    assert.equal(stats.photos, 1);
    await page.getByTestId('stat-photos').filter({ hasText: /^1$/ }).waitFor();
    await page.getByTestId('stat-videos').filter({ hasText: /^0$/ }).waitFor();
    const me = stats.usageByUser.find((u) => u.userName === ADMIN.name);
    const adminRow = page.locator(`tr[data-user-id="${me.userId}"]`);
    await adminRow.filter({ hasText: ADMIN.name }).waitFor();
    assert.ok(me.usage > 0);
    await shot('admin-06-statistics');
  });

  it('admin pages in the dark theme and on a phone', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    await page.locator(`tr[data-user="${ADMIN.email}"]`).waitFor();
    await shot('admin-07-users-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base + '/admin/system-settings');
    await page.locator('[data-section=image]').waitFor();
    await shot('admin-08-settings-phone');
    await page.goto(base + '/admin/server-status');
    await page.getByTestId('stat-photos').waitFor();
    await shot('admin-09-statistics-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
  });

  it('logged no errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});
