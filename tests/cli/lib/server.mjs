// Talking to Shoebox through the real @immich/sdk 3.2.2, the way third-party clients do.
import * as sdk from '@immich/sdk';

export const ADMIN = {
  email: process.env.SHOEBOX_ADMIN_EMAIL ?? 'admin@example.com',
  password: process.env.SHOEBOX_ADMIN_PASSWORD ?? 'compat-admin-password',
  name: 'Compat Admin',
};

/** { base: 'http://host:port', api: 'http://host:port/api' } from SHOEBOX_URL (with or without /api). */
export function serverUrls(raw = process.env.SHOEBOX_URL) {
  if (!raw) throw new Error('set SHOEBOX_URL, e.g. SHOEBOX_URL=http://127.0.0.1:2283');
  const base = raw.replace(/\/+$/, '').replace(/\/api$/, '');
  return { base, api: `${base}/api` };
}

/** Points the SDK at the server. Credentials are passed per call (see `as`). */
export function initSdk(urls) {
  sdk.setBaseUrl(urls.api);
}

/** Request options authenticating with an API key. */
export const as = (apiKey) => ({ headers: { 'x-api-key': apiKey } });
const bearer = (token) => ({ headers: { Authorization: `Bearer ${token}` } });

/** Polls GET /server/ping until it answers {res:"pong"}, or throws after timeoutMs. */
export async function waitForServer(urls, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${urls.api}/server/ping`);
      if (response.ok && (await response.json()).res === 'pong') return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Shoebox did not answer GET ${urls.api}/server/ping with {"res":"pong"} within ${timeoutMs} ms (last: ${last})`);
}

/** An SDK error as one line: status + server message. */
export function errorText(error) {
  if (sdk.isHttpError(error)) return `HTTP ${error.status} ${JSON.stringify(error.data)}`;
  return String(error?.message ?? error);
}

/** Signs up the first admin; when one already exists (a re-run), logs in with the same credentials. */
export async function signUpOrLoginAdmin(admin = ADMIN) {
  let signedUp = true;
  try {
    await sdk.signUpAdmin({ signUpDto: admin });
  } catch (error) {
    if (!sdk.isHttpError(error) || error.status !== 400) {
      throw new Error(`POST /auth/admin-sign-up failed: ${errorText(error)}`);
    }
    signedUp = false;
  }
  const session = await loginWithPassword(admin.email, admin.password).catch((error) => {
    throw new Error(
      `${signedUp ? 'admin was signed up but' : 'admin sign-up was refused (admin exists) and'} ` +
        `login as ${admin.email} failed: ${error.message}`,
    );
  });
  return { ...session, signedUp };
}

/** POST /auth/login; returns { accessToken, userId, email, isAdmin }. */
export async function loginWithPassword(email, password) {
  try {
    const res = await sdk.login({ loginCredentialDto: { email, password } });
    return { accessToken: res.accessToken, userId: res.userId, email: res.userEmail, isAdmin: res.isAdmin };
  } catch (error) {
    throw new Error(`POST /auth/login as ${email}: ${errorText(error)}`);
  }
}

/** POST /api-keys with permissions ["all"], authenticated by the session token; returns the secret. */
export async function createAllPermissionKey(accessToken, name = 'shoebox-compat') {
  try {
    const res = await sdk.createApiKey({ apiKeyCreateDto: { name, permissions: [sdk.Permission.All] } }, bearer(accessToken));
    if (!res.secret) throw new Error(`response has no "secret": ${JSON.stringify(res)}`);
    return res.secret;
  } catch (error) {
    throw new Error(`POST /api-keys: ${errorText(error)}`);
  }
}

/** Admin creates a non-admin user (POST /admin/users), who then logs in and gets an API key. */
export async function createUserWithKey(adminKey, { email, password, name }) {
  try {
    await sdk.createUserAdmin(
      { userAdminCreateDto: { email, password, name, isAdmin: false, shouldChangePassword: false } },
      as(adminKey),
    );
  } catch (error) {
    throw new Error(`POST /admin/users (${email}): ${errorText(error)}`);
  }
  const session = await loginWithPassword(email, password);
  const apiKey = await createAllPermissionKey(session.accessToken, `shoebox-compat-${name}`);
  return { ...session, apiKey };
}

/** GET /server/media-types → { image:Set, video:Set, sidecar:Set } of lower-case ".ext". */
export async function mediaTypes(apiKey) {
  const res = await sdk.getSupportedMediaTypes(as(apiKey));
  const toSet = (list) => new Set((list ?? []).map((ext) => ext.toLowerCase()));
  return { raw: res, image: toSet(res.image), video: toSet(res.video), sidecar: toSet(res.sidecar) };
}

/** Every asset visible to the key's user, through POST /search/metadata, page by page. */
export async function listAssets(apiKey, filter = {}) {
  const assets = [];
  let page = 1;
  for (let guard = 0; page && guard < 10_000; guard++) {
    const res = await sdk.searchAssets({ metadataSearchDto: { ...filter, page, size: 1000 } }, as(apiKey));
    assets.push(...res.assets.items);
    page = res.assets.nextPage ? Number(res.assets.nextPage) : null;
  }
  return assets;
}

/** GET /albums (all albums the user can see). */
export async function listAlbums(apiKey) {
  return sdk.getAllAlbums({}, as(apiKey));
}

/** The assets of one album (search filtered by albumIds). */
export async function albumAssets(apiKey, albumId) {
  return listAssets(apiKey, { albumIds: [albumId] });
}

/** GET /queues (an admin's key) as { queue name: its statistics }. */
export async function queueStatistics(urls, apiKey) {
  const response = await fetch(`${urls.api}/queues`, as(apiKey));
  if (!response.ok) throw new Error(`GET /queues: HTTP ${response.status}`);
  return Object.fromEntries((await response.json()).map((q) => [q.name, q.statistics]));
}

/** How many of a queue's jobs (its statistics) are not done: waiting, active or delayed. */
export const unfinishedJobs = (stats) => stats.waiting + stats.active + stats.delayed;
