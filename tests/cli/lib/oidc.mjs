// A real OpenID Connect provider for the tests (panva's certified `oidc-provider`), and a
// person signing in at it. Accounts exist for any login name: `<login>@example.com`, named
// after the login; `boss` carries the role claim `admin` and a 5 GiB quota claim.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

export const CLIENT = { id: 'shoebox', secret: 'shoebox-test-secret' };

/** Starts a provider on a free loopback port; resolves to { issuer, close }. */
export async function startOidcProvider({ redirectUris }) {
  const server = createServer();
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: redirectUris,
        post_logout_redirect_uris: redirectUris,
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'immich_role', 'immich_quota'],
    },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@example.com`,
            email_verified: true,
            name: `${id[0].toUpperCase()}${id.slice(1)} OIDC`,
            preferred_username: id,
            ...(id === 'boss' ? { immich_role: 'admin', immich_quota: 5 } : {}),
          };
        },
      };
    },
    // A first-party client: grant what it asks for, so only the login page is shown.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['shoebox-oidc-test-cookie-key'] },
  });
  // The dev login page is for development; these tests are exactly that.
  provider.on('server_error', (_ctx, error) => console.error('# oidc-provider:', error));
  server.on('request', provider.callback());
  return { issuer, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * Follows `authUrl` through the provider's login page as `login` would, and returns the URL
 * the provider finally sends the browser to (Shoebox's redirect URI, with code and state).
 */
export async function signInAtProvider(authUrl, login) {
  const jar = new Map();
  const origin = new URL(authUrl).origin;
  const send = async (url, init = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
  let response = await send(authUrl);
  for (let step = 0; step < 10; step++) {
    if (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location'), origin).href;
      if (!next.startsWith(origin)) return next;
      response = await send(next);
      continue;
    }
    const html = await response.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    if (response.status !== 200 || !action) throw new Error(`provider answered ${response.status}: ${html.slice(0, 500)}`);
    const fields = new URLSearchParams();
    for (const [input] of html.matchAll(/<input[^>]*>/g)) {
      const name = input.match(/\bname="([^"]*)"/)?.[1];
      if (name) fields.set(name, input.match(/\bvalue="([^"]*)"/)?.[1] ?? '');
    }
    if (fields.has('login')) fields.set('login', login);
    if (fields.has('password')) fields.set('password', 'any password');
    response = await send(new URL(action, origin).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    });
  }
  throw new Error('the provider never sent the browser back');
}
