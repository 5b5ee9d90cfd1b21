// Talking to the server through @immich/sdk 3.2.2: accounts, sessions, keys, the job queue.
import * as sdk from '@immich/sdk';

export const as = (apiKey) => ({ headers: { 'x-api-key': apiKey } });
export const bearer = (token) => ({ headers: { Authorization: `Bearer ${token}` } });

export function serverUrls(raw = process.env.SHOEBOX_URL) {
  if (!raw) throw new Error('set SHOEBOX_URL, e.g. SHOEBOX_URL=http://127.0.0.1:2283');
  const base = raw.replace(/\/+$/, '').replace(/\/api$/, '');
  return { base, api: `${base}/api` };
}

/** An SDK error as one line: method-independent status + body. */
export function errorText(error) {
  if (sdk.isHttpError(error)) return `HTTP ${error.status} ${JSON.stringify(error.data)}`;
  return String(error?.message ?? error);
}

/** Runs an SDK call; on failure throws with what was attempted and the server's answer. */
export async function call(what, fn) {
  try {
    return await fn();
  } catch (error) {
    throw new Error(`${what}: ${errorText(error)}`);
  }
}

export async function waitForServer(urls, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${urls.api}/server/ping`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer from ${urls.api}/server/ping within ${timeoutMs} ms`);
}

export const ADMIN = { email: 'sync-admin@example.com', password: 'sync-admin-password', name: 'Sync Admin' };

/** Signs up the admin (or logs in on a re-run); returns { userId, token, apiKey }. */
export async function adminAccount() {
  await sdk.signUpAdmin({ signUpDto: ADMIN }).catch((error) => {
    if (!sdk.isHttpError(error) || error.status !== 400) throw new Error(`admin sign-up: ${errorText(error)}`);
  });
  return account(ADMIN.email, ADMIN.password, ADMIN.name);
}

/** Logs in (a new session, as a phone would) and creates an all-permission API key. */
export async function account(email, password, name) {
  const login = await call(`login ${email}`, () => sdk.login({ loginCredentialDto: { email, password } }));
  const key = await call('POST /api-keys', () =>
    sdk.createApiKey({ apiKeyCreateDto: { name: `sync-${name}`, permissions: [sdk.Permission.All] } }, bearer(login.accessToken)),
  );
  return { userId: login.userId, email, name, password, token: login.accessToken, apiKey: key.secret };
}

/** A new session for an existing account (another device). */
export async function newSession(email, password) {
  const login = await call(`login ${email}`, () => sdk.login({ loginCredentialDto: { email, password } }));
  return login.accessToken;
}

export async function createUser(adminKey, { email, name, password = 'sync-user-password' }) {
  await call(`POST /admin/users ${email}`, () =>
    sdk.createUserAdmin({ userAdminCreateDto: { email, password, name, isAdmin: false, shouldChangePassword: false } }, as(adminKey)),
  );
  return account(email, password, name);
}

/**
 * Waits until every queue is idle (no active, waiting or delayed job), as GET /jobs reports it,
 * and stays idle for a moment (a finished job may queue the next one).
 */
export async function waitForIdleQueues(adminKey, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let quietSince = 0;
  let last;
  while (Date.now() < deadline) {
    last = await call('GET /jobs', () => sdk.getQueuesLegacy(as(adminKey)));
    const busy = Object.entries(last).filter(([, q]) => q.jobCounts.active + q.jobCounts.waiting + q.jobCounts.delayed > 0);
    if (busy.length === 0) {
      if (!quietSince) quietSince = Date.now();
      if (Date.now() - quietSince >= 150) return;
    } else {
      quietSince = 0;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`queues still busy after ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** Every asset of the key's user (trashed ones too), via POST /search/metadata. */
export async function ownAssets(apiKey) {
  const assets = [];
  for (let page = 1; page; ) {
    const res = await call('POST /search/metadata', () =>
      sdk.searchAssets({ metadataSearchDto: { withDeleted: true, page, size: 1000 } }, as(apiKey)),
    );
    assets.push(...res.assets.items);
    page = res.assets.nextPage ? Number(res.assets.nextPage) : 0;
  }
  return assets;
}

/** Asset ids of a timeline (all buckets), e.g. { albumId } or { userId, visibility }. */
export async function timelineIds(apiKey, query) {
  const buckets = await call(`GET /timeline/buckets ${JSON.stringify(query)}`, () => sdk.getTimeBuckets(query, as(apiKey)));
  const ids = [];
  for (const { timeBucket } of buckets) {
    const bucket = await call('GET /timeline/bucket', () => sdk.getTimeBucket({ ...query, timeBucket }, as(apiKey)));
    ids.push(...bucket.id);
  }
  return ids;
}
