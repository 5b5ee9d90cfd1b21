// Signing in with OAuth in the browser: the login page's button, the provider's own login
// page (a real OpenID Connect provider, tests/cli/lib/oidc.mjs), back to the timeline;
// linking in account settings; signing out at the provider.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLIENT, startOidcProvider } from '../../tests/cli/lib/oidc.mjs';
import { ADMIN, BROWSER, api, base, page, problems, shot, startApp, stopApp, token } from './harness.mjs';

describe(`OAuth login in ${BROWSER}`, () => {
  let provider;
  let bearer;

  before(async () => {
    await startApp();
    const signUp = await fetch(`${base}/api/auth/admin-sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    assert.equal(signUp.status, 201);
    bearer = await token();
    provider = await startOidcProvider({ redirectUris: [`${base}/auth/login`, `${base}/user-settings`] });
    const config = await api('GET', '/system-config', bearer);
    config.oauth = {
      ...config.oauth,
      enabled: true,
      issuerUrl: provider.issuer,
      allowInsecureRequests: true,
      clientId: CLIENT.id,
      clientSecret: CLIENT.secret,
      buttonText: 'Sign in with Test ID',
    };
    await api('PUT', '/system-config', bearer, config);
  });

  after(async () => {
    await stopApp();
    await provider?.close();
  });

  it('signs a new person in through the provider and registers them', async () => {
    await page.goto(`${base}/auth/login`);
    await shot('oauth-01-login');
    await page.getByRole('button', { name: 'Sign in with Test ID' }).click();
    await page.waitForURL((url) => url.href.startsWith(provider.issuer));
    await page.locator('input[name="login"]').fill('grace');
    await page.locator('input[name="password"]').fill('anything');
    await shot('oauth-02-provider');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${base}/photos`);
    await page.getByRole('link', { name: /Account settings/ }).waitFor();
    const users = await api('GET', '/admin/users', bearer);
    const grace = users.find((u) => u.email === 'grace@example.com');
    assert.equal(grace?.oauthId, 'grace');
    await shot('oauth-03-signed-in');
  });

  it('shows the link in account settings and signs out at the provider', async () => {
    await page.goto(`${base}/user-settings`);
    await page.getByText('This account is linked to your OAuth provider.').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/session/end`));
    await page.getByRole('button', { name: /sign me out/i }).click();
    await page.getByText(/sign-?out success/i).waitFor();
  });

  it('links a password account from account settings', async () => {
    await page.goto(`${base}/auth/login?autoLaunch=0`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${base}/photos`);
    await page.goto(`${base}/user-settings`);
    await page.getByRole('button', { name: 'Link to OAuth' }).click();
    await page.waitForURL((url) => url.href.startsWith(provider.issuer));
    await page.locator('input[name="login"]').fill('adalinked');
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.getByText('Your account is linked to the OAuth provider.').waitFor();
    const me = await api('GET', '/users/me', bearer);
    assert.match(me.email, /ada@example.com/);
    const admin = (await api('GET', '/admin/users', bearer)).find((u) => u.email === ADMIN.email);
    assert.equal(admin.oauthId, 'adalinked');
    await shot('oauth-04-linked');
  });

  it('logged no errors and no Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});
