// People, the map, memories, Explore, partner sharing, the search page's people
// filter and the viewer's info panel (people, small map, description), on a real
// server in Chromium (harness.mjs). People are made through the API (POST
// /people, POST /faces) so no face model is needed; the map's tiles come from a
// tile host started here, on another origin, as a configured style URL would.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  api, base, expectCount, jobsSettle, loginAs, markProcessed, page, problems, scrollToThumb, shot, signInInBrowser,
  signUpAdminByApi, startApp, stopApp, thumb, uploadFile, work,
} from './harness.mjs';

const BOB = { name: 'Bob Partner', email: 'bob@example.com', password: 'bobs secret passphrase' };
const PARIS = [48.8584, 2.2945];
const LONDON = [51.5007, -0.1246];

function photo(name, source, date, gps) {
  const file = join(work, name);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `${source}=size=640x426`, '-frames:v', '1', file]);
  const tags = [`-DateTimeOriginal=${date}`];
  if (gps) {
    const [lat, lon] = gps;
    tags.push(`-GPSLatitude=${Math.abs(lat)}`, `-GPSLatitudeRef=${lat < 0 ? 'S' : 'N'}`);
    tags.push(`-GPSLongitude=${Math.abs(lon)}`, `-GPSLongitudeRef=${lon < 0 ? 'W' : 'E'}`);
  }
  execFileSync('exiftool', ['-q', '-overwrite_original', ...tags, file]);
  return file;
}

/** A tile host on its own origin: a raster style and one PNG for every tile, with CORS. */
async function startTileHost() {
  const png = join(work, 'tile.png');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=0x9fc5e8:size=256x256', '-frames:v', '1', png]);
  const tile = readFileSync(png);
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    res.setHeader('access-control-allow-origin', '*');
    if (req.url.startsWith('/style.json')) {
      const origin = `http://127.0.0.1:${server.address().port}`;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          version: 8,
          sources: { tiles: { type: 'raster', tiles: [`${origin}/tiles/{z}/{x}/{y}.png`], tileSize: 256 } },
          layers: [{ id: 'tiles', type: 'raster', source: 'tiles' }],
        }),
      );
    } else if (req.url.startsWith('/tiles/')) {
      res.setHeader('content-type', 'image/png');
      res.end(tile);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}`, requests };
}

async function setMapStyle(bearer, url) {
  const config = await api('GET', '/system-config', bearer);
  config.map = { ...config.map, enabled: true, lightStyle: url, darkStyle: url };
  await api('PUT', '/system-config', bearer, config);
}

describe('people, map, memories, explore and partners in the web app', () => {
  let bearer;
  let tiles;
  const ids = {};
  const people = {};

  before(async () => {
    tiles = await startTileHost();
    await startApp();
    bearer = await signUpAdminByApi();
    const files = {
      paris: photo('paris.jpg', 'testsrc2', '2021:12:07 10:00:00', PARIS),
      london: photo('london.jpg', 'mandelbrot', '2022:12:07 11:00:00', LONDON),
      home: photo('home.jpg', 'smptebars', '2023:03:01 12:00:00', null),
    };
    for (const [key, file] of Object.entries(files)) ids[key] = await uploadFile(bearer, file);
    await jobsSettle(bearer);
    markProcessed();
    people.alice = await api('POST', '/people', bearer, { name: 'Alice' });
    people.twin = await api('POST', '/people', bearer, { name: 'Alice twin' });
    people.carol = await api('POST', '/people', bearer, { name: 'Carol' });
    const face = (assetId, personId) =>
      api('POST', '/faces', bearer, { assetId, personId, imageWidth: 640, imageHeight: 426, x: 200, y: 100, width: 160, height: 160 });
    await face(ids.paris, people.alice.id);
    await face(ids.london, people.alice.id);
    await face(ids.home, people.twin.id);
    await face(ids.home, people.carol.id);
    await signInInBrowser();
  });

  after(async () => {
    await stopApp();
    tiles?.server.close();
  });

  it('lists people with their faces, hides and shows one', async () => {
    await page.getByRole('link', { name: 'People' }).click();
    const cards = page.getByTestId('person-card');
    await cards.nth(2).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=person-card] img')].every((i) => i.complete && i.naturalWidth > 0));
    await page.getByTestId('people-count').filter({ hasText: '3 shown' }).waitFor();
    await shot('people-01-list');
    await page.getByRole('button', { name: 'Show & hide people' }).click();
    await page.getByRole('button', { name: 'Hide Carol' }).click();
    await page.getByTestId('people-count').filter({ hasText: '2 shown · 1 hidden' }).waitFor();
    assert.equal((await api('GET', `/people/${people.carol.id}`, bearer)).isHidden, true);
    await page.getByRole('button', { name: 'Done' }).click();
    await waitFor(async () => (await cards.count()) === 2);
    await page.getByRole('button', { name: 'Show & hide people' }).click();
    await page.getByRole('button', { name: 'Show Carol' }).click();
    await page.getByTestId('people-count').filter({ hasText: '3 shown' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it("opens a person's timeline, renames them, sets a birth date and merges a duplicate", async () => {
    await page.getByTestId('person-card').filter({ has: page.getByText('Alice', { exact: true }) }).getByRole('link').click();
    await page.getByTestId('person-name').filter({ hasText: 'Alice' }).waitFor();
    await expectCount(2);
    for (const id of [ids.paris, ids.london]) await thumb(id).waitFor();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Alice Liddell');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('person-name').filter({ hasText: 'Alice Liddell' }).waitFor();
    await page.getByLabel('Birth date').fill('1990-05-04');
    await waitFor(async () => (await api('GET', `/people/${people.alice.id}`, bearer)).birthDate === '1990-05-04');
    assert.equal((await api('GET', `/people/${people.alice.id}`, bearer)).name, 'Alice Liddell');
    await shot('people-02-person');
    await page.getByRole('button', { name: 'Merge…' }).click();
    const dialog = page.getByRole('dialog', { name: /Merge into Alice Liddell/ });
    await dialog.getByRole('button', { name: 'Alice twin' }).click();
    await dialog.getByRole('button', { name: 'Merge 1' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectCount(3);
    const left = await api('GET', '/people?withHidden=true', bearer);
    assert.deepEqual(left.people.map((p) => p.name).sort(), ['Alice Liddell', 'Carol']);
  });

  it('shows people, a small map and an editable description in the viewer', async () => {
    await scrollToThumb(ids.paris);
    await thumb(ids.paris).getByRole('button', { name: /^Open photo/ }).click();
    const viewer = page.getByTestId('viewer');
    await page.waitForFunction(() => document.querySelector('[data-testid=preview]')?.naturalWidth > 0);
    await page.keyboard.press('i');
    const info = viewer.getByTestId('info');
    await info.getByTestId('info-people').getByText('Alice Liddell').waitFor();
    await info.getByTestId('mini-map').locator('.map-photo').waitFor();
    const description = info.getByTestId('description');
    // Typed key by key: none of them (f, i, arrows…) may reach the viewer's shortcuts.
    await description.pressSequentially('Under the tower, finally');
    await description.press('Enter');
    await info.getByText('Saved').waitFor();
    const asset = await api('GET', `/assets/${ids.paris}`, bearer);
    assert.equal(asset.exifInfo.description, 'Under the tower, finally');
    // Typing in the description does not trigger the viewer's keys (f = favorite).
    assert.equal(asset.isFavorite, false);
    await shot('people-03-viewer-info');
    await page.keyboard.press('Escape');
  });

  it('allows only the configured tile host in the Content-Security-Policy', async () => {
    await setMapStyle(bearer, `${tiles.origin}/style.json`);
    const csp = (await fetch(base + '/map')).headers.get('content-security-policy');
    assert.match(csp, new RegExp(`connect-src 'self' ${tiles.origin};`));
    assert.match(csp, new RegExp(`img-src 'self' data: blob: ${tiles.origin};`));
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|tiles\.immich\.cloud/);
    const config = await api('GET', '/system-config', bearer);
    config.map.enabled = false;
    await api('PUT', '/system-config', bearer, config);
    assert.doesNotMatch((await fetch(base + '/')).headers.get('content-security-policy'), /127\.0\.0\.1/);
    await setMapStyle(bearer, `${tiles.origin}/style.json`);
  });

  it('shows geotagged photos on the map with tiles from the configured host, and opens them', async () => {
    await page.goto(base + '/map');
    await page.getByTestId('marker-count').filter({ hasText: '2 photos with a location' }).waitFor();
    const markers = page.getByTestId('map').locator('[data-testid=map-photo], [data-testid=map-cluster]');
    await markers.first().waitFor();
    await waitFor(() => tiles.requests.some((u) => u.startsWith('/tiles/')));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=map-photo] img')].every((i) => i.complete && i.naturalWidth > 0));
    assert.equal(await page.getByText('The base map could not be loaded').count(), 0);
    await shot('map-01-tiles');
    // Paris and London are apart at the fitted zoom: two photo markers.
    assert.equal(await page.getByTestId('map-photo').count(), 2);
    await page.getByTestId('map-photo').first().click();
    await page.getByTestId('viewer').waitFor();
    await page.keyboard.press('Escape');
  });

  it('still shows and opens the photos when no tile host answers', async () => {
    await setMapStyle(bearer, 'http://127.0.0.1:9/style.json');
    await page.goto(base + '/map');
    await page.getByText('The base map could not be loaded').waitFor();
    await page.getByTestId('map-photo').nth(1).waitFor();
    // Zoomed out, the two photos cluster; the cluster opens both. A click during the last
    // zoom's animation zooms out from where that animation was (a slow machine takes several
    // more clicks), so it zooms out until they cluster.
    const cluster = page.getByTestId('map-cluster').filter({ hasText: '2' });
    for (let i = 0; i < 16 && !(await cluster.isVisible()); i++) {
      await page.getByRole('button', { name: 'Zoom out' }).click();
      await page.waitForTimeout(250);
    }
    await cluster.waitFor();
    await shot('map-02-no-tiles');
    await cluster.click();
    const picked = page.getByTestId('map-picked');
    for (const id of [ids.paris, ids.london]) await picked.locator(`[data-asset-id="${id}"]`).waitFor();
    await picked.locator(`[data-asset-id="${ids.london}"]`).click();
    await page.getByTestId('viewer').waitFor();
    await page.keyboard.press('Escape');
    await setMapStyle(bearer, `${tiles.origin}/style.json`);
  });

  it('shows today’s memories above the timeline and plays one', async () => {
    const today = new Date();
    const memoryAt = (year) => new Date(Date.UTC(year, today.getUTCMonth(), today.getUTCDate())).toISOString();
    await api('POST', '/memories', bearer, { type: 'on_this_day', data: { year: 2021 }, memoryAt: memoryAt(2021), assetIds: [ids.paris, ids.home] });
    await api('POST', '/memories', bearer, { type: 'on_this_day', data: { year: 2022 }, memoryAt: memoryAt(2022), assetIds: [ids.london] });
    await page.goto(base + '/photos');
    const cards = page.getByTestId('memory-card');
    await cards.nth(1).waitFor();
    const years = today.getUTCFullYear() - 2021;
    await shot('memories-01-lane');
    await cards.filter({ hasText: `${years} years ago` }).click();
    await page.getByTestId('memory-title').filter({ hasText: `${years} years ago` }).waitFor();
    await page.getByTestId('memory-position').filter({ hasText: '1 / 2' }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=memory-photo]')?.naturalWidth > 0);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.keyboard.press('ArrowRight');
    await page.getByTestId('memory-position').filter({ hasText: '2 / 2' }).waitFor();
    await shot('memories-02-viewer');
    await page.keyboard.press('Escape');
    await page.waitForURL('**/photos');
  });

  it('explores people and places', async () => {
    await page.getByRole('link', { name: 'Explore' }).click();
    await page.getByTestId('explore-person').filter({ hasText: 'Alice Liddell' }).waitFor();
    const places = await api('GET', '/search/explore', bearer);
    const cities = places[0].items.map((i) => i.value);
    for (const city of cities) await page.getByTestId('explore-place').filter({ hasText: city }).waitFor();
    await shot('explore-01');
    if (cities.length) {
      await page.getByTestId('explore-place').first().click();
      await page.waitForURL(/\/search\?city=/);
      await page.getByTestId('result-count').waitFor();
    }
  });

  it('filters search by person and shows smart search only when the server has it', async () => {
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Carol' }).click();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('result-count').filter({ hasText: /^1 result$/ }).waitFor();
    await thumb(ids.home).waitFor();
    const features = await (await fetch(base + '/api/server/features')).json();
    assert.equal(await page.getByLabel('Smart search').count(), features.smartSearch ? 1 : 0);
    assert.equal(await page.getByLabel('Text in the photo').count(), features.ocr ? 1 : 0);
    await shot('search-01-people');
  });

  it('adds a partner, shows a partner’s photos and puts them in the timeline', async () => {
    const bob = await api('POST', '/admin/users', bearer, BOB);
    const bobToken = await loginAs(BOB.email, BOB.password);
    const bobsPhoto = await uploadFile(bobToken, photo('bobs.jpg', 'rgbtestsrc', '2023:04:01 12:00:00', null));
    await jobsSettle(bearer);
    const me = await api('GET', '/users/me', bearer);
    await api('POST', '/partners', bobToken, { sharedWithId: me.id });

    await page.getByRole('link', { name: 'Sharing', exact: true }).click();
    const partner = page.getByTestId('partner-with-me').filter({ hasText: BOB.name });
    await partner.waitFor();
    await page.getByLabel('Partner to add').selectOption(bob.id);
    await page.getByRole('button', { name: 'Add partner' }).click();
    await page.getByTestId('partner-by-me').filter({ hasText: BOB.name }).waitFor();
    const mine = await api('GET', '/partners?direction=shared-by', bearer);
    assert.deepEqual(mine.map((p) => p.id), [bob.id]);
    await partner.getByLabel('Show in my timeline').check();
    await waitFor(async () => (await api('GET', '/partners?direction=shared-with', bearer))[0].inTimeline === true);
    await shot('partners-01');
    await partner.getByRole('link', { name: 'View photos' }).click();
    await expectCount(1);
    await thumb(bobsPhoto).waitFor();
    await page.getByRole('link', { name: 'Photos' }).click();
    await expectCount(4);
    await scrollToThumb(bobsPhoto);
  });

  it('has a dark theme and a phone layout for people and the map', async () => {
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByTestId('person-card').first().waitFor();
    await shot('people-04-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base + '/map');
    await page.getByTestId('map-photo').first().waitFor();
    await shot('map-03-phone-dark');
    await page.goto(base + '/people');
    await page.getByTestId('person-card').first().waitFor();
    await shot('people-05-phone-dark');
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
