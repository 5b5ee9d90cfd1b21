// What every end-to-end test file of the web app shares: a real Shoebox binary
// on SQLite in a temp dir, Debian's Chromium through playwright-core, the admin
// account, API calls and timeline helpers. Bindings such as `page` and `base`
// are live: they hold values once `startApp` has run.
//
// Env: E2E_BROWSER (chromium, the default, or firefox: Debian's firefox-esr over
// WebDriver BiDi; FIREFOX_BIN overrides its path),
// SHOEBOX_BIN (default $CARGO_TARGET_DIR/debug/shoebox), SHOEBOX_WEB_DIR
// (serve a built web/dist instead of the embedded app), CORPUS (default
// ../shared/corpus from the repo root), E2E_ARTIFACTS (where screenshots go;
// default a temp dir, printed).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, firefox } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN =
  process.env.SHOEBOX_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(tmpdir(), 'shoebox-target'), 'debug', 'shoebox');
export const CORPUS = resolve(process.env.CORPUS ?? join(REPO, '..', 'shared', 'corpus'));

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const BROWSER = process.env.E2E_BROWSER ?? 'chromium';
/** sha256 of "body {}", base64. */
const PLAYWRIGHT_SCREENSHOT_STYLE_HASH = 'sha256-YjaKGiklmzC6wjXA513HAMmzus8VE61XCOT+SmwNZWA=';
export const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' };


export const work = mkdtempSync(join(tmpdir(), 'shoebox-web-e2e-'));
export const shots = join(
  process.env.E2E_ARTIFACTS ? resolve(process.env.E2E_ARTIFACTS) : join(work, 'screenshots'),
  BROWSER === 'chromium' ? '' : BROWSER,
);
mkdirSync(shots, { recursive: true });

let server;
export let base;
export let browser;
export let page;
export const problems = [];
/** Failed responses a test provokes on purpose, as regexps on "STATUS METHOD URL". */
const expectedFailures = [];
export function expectFailure(pattern) {
  expectedFailures.push(pattern);
}
/** Set once every upload has been processed. */
let processed = false;
/** Every asset the library should hold: id → file name. */
export const library = new Map();

/** Thumbnails asked for before their job ran are expected to 404 until then. */
export function markProcessed() {
  processed = true;
}

/**
 * Starts the server (with `env` added to its environment) and a browser page
 * that records every error it sees.
 */
export async function startApp({ env = {} } = {}) {
  assert.ok(existsSync(BIN), `no shoebox binary at ${BIN}`);
  await startServer(env);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  recordProblems(page);
  console.log(`# screenshots in ${shots}`);
}

/** Records every page error, console error and failed response of `p` in `problems`. */
export function recordProblems(p) {
  p.on('pageerror', (e) => {
    // Over BiDi, playwright's screenshot adds a `<style>body {}</style>` to the
    // page (to sync animations), which the CSP blocks and Firefox reports; it
    // is recognised by that text's hash. Every other violation counts.
    if (BROWSER === 'firefox' && e.message.includes(`'${PLAYWRIGHT_SCREENSHOT_STYLE_HASH}'`)) return;
    // A request that failed in the network (a host that cannot be reached, as
    // the default map style's here) is a CORS error "did not succeed" in
    // Firefox; Chromium's "Failed to load resource" is let through below too.
    // Other CORS reasons (a missing header, say) still count.
    if (BROWSER === 'firefox' && e.message.includes('(Reason: CORS request did not succeed)')) return;
    // Firefox reports the live-events WebSocket as an error when the page navigates away
    // (to an OAuth provider, say) while it is still connecting; the app connects again on
    // the next page, and that socket.io delivers is proven in app.test.mjs on both browsers.
    if (BROWSER === 'firefox' && /can.t establish a connection to the server at ws:\/\/[^ ]+\/api\/socket\.io\//.test(e.message)) return;
    problems.push(`page error: ${e.message}`);
  });
  p.on('console', (m) => {
    // Failed requests are checked below, with their URL.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  p.on('response', (r) => {
    // 401s are expected: the session check before login and the wrong password.
    if (r.status() < 400 || r.status() === 401) return;
    // So is a thumbnail asked for before its job has made it (the app tries again).
    if (!processed && r.status() === 404 && /\/thumbnail\?size=thumbnail/.test(r.url())) return;
    const line = `${r.status()} ${r.request().method()} ${r.url()}`;
    if (!expectedFailures.some((p) => p.test(line))) problems.push(line);
  });
}

/**
 * Firefox runs unpatched (Debian's ESR) over WebDriver BiDi, playwright's
 * `moz-firefox` channel. playwright-core is pinned to 1.64: 1.65 sends
 * `emulation.setMediaFeaturesOverride` on every new context, which ESR 153
 * answers with "unknown command".
 */
async function launchBrowser() {
  if (BROWSER === 'firefox') {
    const executablePath = process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr';
    // Headless Firefox on a machine without a GPU makes no WebGL context (the
    // map needs one) unless told to: the pref lifts the blocklist and EGL
    // reaches Mesa's software renderer.
    return firefox.launch({
      channel: 'moz-firefox',
      executablePath,
      headless: true,
      firefoxUserPrefs: { 'webgl.force-enabled': true },
      env: { ...process.env, MOZ_WEBGL_FORCE_EGL: '1' },
    });
  }
  assert.equal(BROWSER, 'chromium', `E2E_BROWSER must be chromium or firefox, not ${BROWSER}`);
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
}

/** Creates the first admin through the API and signs the browser page in as them. */
export async function signUpAndSignIn() {
  const response = await fetch(base + '/api/auth/admin-sign-up', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  assert.equal(response.status, 201, await response.text());
  await page.goto(base + '/auth/login');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/photos');
}

export async function stopApp() {
  await browser?.close();
  server?.kill();
  if (!process.env.E2E_ARTIFACTS) console.log(`# screenshots kept in ${shots}`);
  rmSync(join(work, 'data'), { recursive: true, force: true });
}

async function startServer(env) {
  const log = [];
  server = spawn(BIN, ['serve', '--data-dir', join(work, 'data'), '--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, SHOEBOX_LOG: 'info', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${log.join('')}`)), 30_000);
    const read = (chunk) => {
      log.push(String(chunk));
      const match = log.join('').match(/listening.*127\.0\.0\.1:(\d+)/);
      if (match) {
        clearTimeout(timer);
        ok(Number(match[1]));
      }
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.on('exit', (code) => fail(new Error(`server exited (${code}):\n${log.join('')}`)));
  });
  base = `http://127.0.0.1:${port}`;
}

export async function api(method, path, token, body) {
  const response = await fetch(base + '/api' + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function token() {
  const response = await fetch(base + '/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
  });
  return (await response.json()).accessToken;
}

export async function uploadByApi(bearer, file) {
  const form = new FormData();
  const date = new Date().toISOString();
  form.append('deviceAssetId', basename(file));
  form.append('deviceId', 'e2e');
  form.append('fileCreatedAt', date);
  form.append('fileModifiedAt', date);
  form.append('assetData', new Blob([readFileSync(file)]), basename(file));
  const response = await fetch(base + '/api/assets', {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}` },
    body: form,
  });
  const body = await response.json();
  assert.equal(response.status, 201, JSON.stringify(body));
  library.set(body.id, basename(file));
}

/** Waits until the processing queues have nothing left to do. */
export async function jobsSettle(bearer) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const queues = await api('GET', '/jobs', bearer);
    const busy = Object.values(queues).some((q) => q.jobCounts.active + q.jobCounts.waiting + q.jobCounts.delayed > 0);
    if (!busy) return;
    assert.ok(Date.now() < deadline, `jobs did not settle: ${JSON.stringify(queues)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * fill() for email and number inputs: over BiDi, Firefox's fill() adds to
 * their text instead of replacing it (they have no text selection), so the
 * field is emptied with the keyboard first.
 */
export async function refill(locator, text) {
  await locator.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  if (text !== '') await locator.fill(text);
}

export async function shot(name) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

export async function expectCount(n) {
  await page.getByTestId('count').filter({ hasText: `${n} item` }).waitFor();
}

/** Scrolls the timeline from top to bottom and returns every asset id it showed. */
export async function idsShownByScrolling() {
  const timeline = page.getByTestId('timeline');
  await timeline.evaluate((el) => el.scrollTo(0, 0));
  const seen = new Set();
  for (let i = 0; i < 200; i++) {
    await page.waitForTimeout(150);
    for (const id of await page.locator('[data-asset-id]').evaluateAll((els) => els.map((e) => e.dataset.assetId))) {
      seen.add(id);
    }
    const done = await timeline.evaluate((el) => {
      const end = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;
      el.scrollBy(0, el.clientHeight * 0.8);
      return end;
    });
    if (done) break;
  }
  return seen;
}

export function thumb(id) {
  return page.locator(`[data-asset-id="${id}"]`);
}

/** Scrolls the timeline from the top until the asset's thumbnail is rendered. */
export async function scrollToThumb(id) {
  const timeline = page.getByTestId('timeline');
  await timeline.evaluate((el) => el.scrollTo(0, 0));
  for (let i = 0; i < 100; i++) {
    try {
      return await thumb(id).waitFor({ timeout: 500 });
    } catch {
      const end = await timeline.evaluate((el) => {
        const at = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;
        el.scrollBy(0, el.clientHeight * 0.5);
        return at;
      });
      if (end) break;
    }
  }
  await thumb(id).waitFor({ timeout: 1 });
}

export async function selectAssets(ids) {
  for (const id of ids) {
    if (!(await thumb(id).count())) await scrollToThumb(id);
    // A live event can redraw the timeline between the hover and the click, so the click
    // may land beside the button: each selection is confirmed, and tried again if it missed.
    for (let attempt = 0; ; attempt++) {
      await thumb(id).hover();
      await thumb(id).getByRole('button', { name: 'Select' }).click();
      try {
        await thumb(id).getByRole('button', { name: 'Deselect' }).waitFor({ timeout: 2000 });
        break;
      } catch (error) {
        if (attempt === 2) throw error;
      }
    }
  }
  await page.getByTestId('selected-count').filter({ hasText: `${ids.length} selected` }).waitFor();
}

/** Creates the first admin through the API (for files that do not test sign-up). */
export async function signUpAdminByApi() {
  const response = await fetch(base + '/api/auth/admin-sign-up', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  assert.equal(response.status, 201, await response.text());
  return token();
}

/** A signed-in session for another user: their bearer token. */
export async function loginAs(email, password) {
  const response = await fetch(base + '/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return JSON.parse(text).accessToken;
}

/** Signs `p` (default: the main page) in through the login form. */
export async function signInInBrowser(email = ADMIN.email, password = ADMIN.password, p = page) {
  await p.goto(base + '/auth/login');
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL('**/photos');
}

/** Uploads a file through the API and answers its asset id. */
export async function uploadFile(bearer, file) {
  await uploadByApi(bearer, file);
  return [...library].findLast(([, name]) => name === basename(file))[0];
}

/** Saves a screenshot of another page (a visitor's browser context, say). */
export async function shotOf(p, name) {
  await p.waitForTimeout(300);
  await p.screenshot({ path: join(shots, `${name}.png`) });
}
