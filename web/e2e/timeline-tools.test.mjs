// The timeline's date scrubber and the selection's tools: change date, change
// location, download (a zip for several, the original for one).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BROWSER, api, base, expectCount, jobsSettle, library, markProcessed, page, problems, selectAssets, shot, signUpAndSignIn,
  startApp, stopApp, token, uploadByApi, work,
} from './harness.mjs';

/** Two photos in each of these months, six years apart at most. */
const MONTHS = ['2019:03', '2020:07', '2021:01', '2022:11', '2023:05', '2024:08'];

function generatePhotos() {
  const files = [];
  for (const [m, month] of MONTHS.entries()) {
    for (const day of ['04', '17']) {
      const file = join(work, `tl-${month.replace(':', '-')}-${day}.jpg`);
      const source = m % 2 ? 'testsrc2=size=480x320' : 'smptebars=size=320x480';
      execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source, '-frames:v', '1', file]);
      execFileSync('exiftool', ['-q', '-overwrite_original', `-DateTimeOriginal=${month}:${day} 12:00:00`, file]);
      files.push(file);
    }
  }
  return files;
}

const idOf = (name) => [...library].find(([, n]) => n === name)[0];

describe(`timeline scrubber and selection tools in ${BROWSER}`, () => {
  let bearer;

  before(async () => {
    const files = generatePhotos();
    await startApp();
    await signUpAndSignIn();
    bearer = await token();
    for (const file of files) await uploadByApi(bearer, file);
    await jobsSettle(bearer);
    markProcessed();
    await page.reload();
    await expectCount(files.length);
  });

  after(stopApp);

  const timelineTop = () => page.getByTestId('timeline').evaluate((el) => el.scrollTop);

  it('the scrubber shows the years and jumps to where it is clicked', async () => {
    const scrubber = page.getByTestId('scrubber');
    for (const year of ['2019', '2021', '2024']) await scrubber.locator(`[data-year="${year}"]`).waitFor();
    const box = await scrubber.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 2);
    // The oldest month comes into view, loaded, without scrolling through the others.
    const oldest = page.locator(`[data-asset-id="${idOf('tl-2019-03-04.jpg')}"]`);
    await oldest.waitFor();
    await page.waitForFunction((id) => {
      const thumb = document.querySelector(`[data-asset-id="${id}"]`).getBoundingClientRect();
      const view = document.querySelector('[data-testid=timeline]').getBoundingClientRect();
      return thumb.top < view.bottom && thumb.bottom > view.top;
    }, idOf('tl-2019-03-04.jpg'));
    assert.ok(await timelineTop() > 0);
    await page.mouse.click(box.x + box.width / 2, box.y);
    await page.waitForFunction(() => document.querySelector('[data-testid=timeline]').scrollTop < 4);
  });

  it('dragging the scrubber scrolls along and labels the month under the pointer', async () => {
    const scrubber = page.getByTestId('scrubber');
    const box = await scrubber.boundingBox();
    const x = box.x + box.width / 2;
    await page.mouse.move(x, box.y + 2);
    await page.mouse.down();
    const seen = [];
    // Within the first half, where the view can still scroll to the place under the pointer.
    for (let i = 1; i <= 5; i++) {
      await page.mouse.move(x, box.y + (box.height * i) / 12, { steps: 4 });
      seen.push(await timelineTop());
    }
    const label = await page.getByTestId('scrubber-label').textContent();
    assert.match(label, /(January|February|March|April|May|June|July|August|September|October|November|December) 20\d\d/);
    await shot('tools-01-scrubber-drag');
    await page.mouse.up();
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `scrolls down while dragging: ${seen}`);
    // The month the label named is on screen.
    await page.getByRole('heading', { level: 2, name: label }).waitFor();
    // The keyboard moves it month by month.
    await scrubber.focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('[data-testid=timeline]').scrollTop < 2);
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.querySelector('[data-testid=timeline]').scrollTop > 100);
  });

  it('changes the date taken of a selection', async () => {
    const id = idOf('tl-2024-08-17.jpg');
    await page.getByTestId('timeline').evaluate((el) => el.scrollTo(0, 0));
    await selectAssets([id]);
    await page.getByRole('toolbar').getByRole('button', { name: 'Change date' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change date' });
    await dialog.getByLabel('Date and time').fill('2018-02-03T04:05:06');
    await dialog.getByLabel(/Time zone/).selectOption({ label: 'UTC+02:00' });
    await shot('tools-02-change-date');
    await dialog.getByRole('button', { name: 'Change date' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Changed the date of 1' }).waitFor();
    const asset = await api('GET', `/assets/${id}`, bearer);
    assert.equal(new Date(asset.exifInfo.dateTimeOriginal).toISOString(), '2018-02-03T02:05:06.000Z');
    assert.match(asset.localDateTime, /^2018-02-03T04:05:06/);
    // The timeline now has February 2018 at the bottom, and the scrubber its year.
    await page.getByTestId('scrubber').locator('[data-year="2018"]').waitFor();
  });

  it('changes the location of a selection, refusing an impossible latitude', async () => {
    const ids = [idOf('tl-2024-08-04.jpg'), idOf('tl-2023-05-17.jpg')];
    await page.getByTestId('timeline').evaluate((el) => el.scrollTo(0, 0));
    await selectAssets(ids);
    await page.getByRole('toolbar').getByRole('button', { name: 'Change location' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change location' });
    await dialog.getByLabel('Latitude').fill('95');
    await dialog.getByLabel('Longitude').fill('2.2945');
    await dialog.getByRole('button', { name: 'Change location' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'latitude' }).waitFor();
    await dialog.getByLabel('Latitude').fill('48.8584');
    await shot('tools-03-change-location');
    await dialog.getByRole('button', { name: 'Change location' }).click();
    await dialog.waitFor({ state: 'detached' });
    for (const id of ids) {
      const { exifInfo } = await api('GET', `/assets/${id}`, bearer);
      assert.equal(exifInfo.latitude, 48.8584);
      assert.equal(exifInfo.longitude, 2.2945);
    }
  });

  it('downloads a selection as a zip and a single asset as its original', async () => {
    const ids = [idOf('tl-2022-11-04.jpg'), idOf('tl-2022-11-17.jpg'), idOf('tl-2021-01-04.jpg')];
    await selectAssets(ids);
    let bytes;
    if (BROWSER === 'firefox') {
      // Over BiDi, Firefox ESR reports no download of a blob: URL; the zip is
      // checked as the app received it.
      const [archive] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/download/archive')),
        page.getByRole('toolbar').getByRole('button', { name: 'Download' }).click(),
      ]);
      assert.equal(archive.status(), 200);
      bytes = await archive.body();
      await page.getByRole('status').filter({ hasText: 'Downloading 3 items' }).waitFor();
    } else {
      const [zip] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('toolbar').getByRole('button', { name: 'Download' }).click(),
      ]);
      assert.match(zip.suggestedFilename(), /^shoebox-.*\.zip$/);
      const zipPath = join(work, 'selection.zip');
      await zip.saveAs(zipPath);
      bytes = readFileSync(zipPath);
    }
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    const entries = bytes.toString('latin1').split('PK\x01\x02').length - 1;
    assert.equal(entries, 3, 'one central-directory entry per asset');
    await page.getByRole('button', { name: 'Clear selection' }).click();

    const single = idOf('tl-2020-07-04.jpg');
    await selectAssets([single]);
    const [original] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('toolbar').getByRole('button', { name: 'Download' }).click(),
    ]);
    const path = join(work, 'single.jpg');
    await original.saveAs(path);
    assert.equal(original.suggestedFilename(), 'tl-2020-07-04.jpg');
    const stored = await fetch(`${base}/api/assets/${single}/original`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    assert.deepEqual(readFileSync(path), Buffer.from(await stored.arrayBuffer()));
    await page.getByRole('button', { name: 'Clear selection' }).click();
  });

  it('the scrubber in the dark theme and on a phone', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await shot('tools-04-timeline-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('scrubber').locator('[data-year="2018"]').waitFor();
    const box = await page.getByTestId('scrubber').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.6, { steps: 3 });
    await page.getByTestId('scrubber-label').waitFor();
    await shot('tools-05-phone-scrubber');
    await page.mouse.up();
  });

  it('logged no errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});
