import { createHash, randomBytes } from 'node:crypto';
import {
  browserSession,
  decodePayload,
  LOCAL_APP_URL as APP,
  passwordGrant,
} from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp } from '../src/testing.ts';

// What only the development IdP does, or does beyond what keycloak-parity.test.ts checks against
// Keycloak 26: the realm info document, refresh tokens spent on use, SSO and logout, hostile form
// input, and its test settings.

const query = (params: Record<string, string>) => new URLSearchParams(params).toString();
let idp: Awaited<ReturnType<typeof startIdp>>;

beforeAll(async () => {
  idp = await startIdp();
});
afterAll(() => idp.close());

async function tokensFor(username: string, extra: Record<string, string> = {}) {
  const response = await passwordGrant(idp.tokenUrl, username, username, extra);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}

describe('Keycloak URL layout', () => {
  it('serves the realm info document with the public key', async () => {
    const info = (await (await fetch(idp.issuer)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({
      realm: 'quarkus',
      'token-service': `${idp.issuer}/protocol/openid-connect`,
    });
    expect(info.public_key).toMatch(/^MII[A-Za-z0-9+/=]+$/);
  });
});

describe('routing matches paths exactly, as Keycloak does', () => {
  it.each([
    ['a differently cased realm path', (issuer: string) => issuer.replace('/auth/', '/AUTH/')],
    [
      'a differently cased discovery path',
      (issuer: string) => `${issuer}/.well-known/OPENID-configuration`,
    ],
    [
      'a differently cased userinfo path',
      (issuer: string) => `${issuer}/protocol/openid-connect/USERINFO`,
    ],
    [
      'userinfo with a trailing slash',
      (issuer: string) => `${issuer}/protocol/openid-connect/userinfo/`,
    ],
    ['a differently cased login page', (issuer: string) => `${issuer}/LOGIN-ACTIONS/x`],
  ])('answers 404 to %s', async (_case, url) => {
    expect((await fetch(url(idp.issuer))).status).toBe(404);
  });
});

describe('refresh tokens', () => {
  it('issues JWT-shaped refresh tokens that refresh once and then are spent', async () => {
    const { refresh_token: refreshToken = '' } = await tokensFor('alice');
    expect(decodePayload(refreshToken)).toMatchObject({ typ: 'Refresh', azp: 'labs-cli' });
    const refresh = () =>
      fetch(idp.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: 'labs-cli',
          refresh_token: refreshToken,
        }),
      });
    const first = await refresh();
    expect(first.status).toBe(200);
    const body = (await first.json()) as Record<string, string>;
    expect(decodePayload(body.access_token ?? '')).toMatchObject({
      preferred_username: 'alice',
      realm_access: { roles: ['user'] },
    });
    expect(body.refresh_token).not.toBe(refreshToken);
    const replay = await refresh();
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('browser sessions', () => {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = (params: Record<string, string> = {}) =>
    `${idp.issuer}/protocol/openid-connect/auth?${query({
      client_id: 'frontend',
      redirect_uri: APP,
      response_type: 'code',
      scope: 'openid',
      state: 'state-1',
      nonce: 'nonce-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...params,
    })}`;

  it('keeps the session for a second authorization and ends it on logout', async () => {
    const browser = browserSession();
    const { url: loginUrl } = await browser.follow(authorize(), APP);
    expect(loginUrl).toMatch(/\/auth\/realms\/quarkus\/login-actions\/[\w-]+$/);
    const { url: callback } = await browser.submitForm(
      loginUrl,
      APP,
      new URLSearchParams({ username: 'alice', password: 'alice' }),
    );
    const params = new URL(callback).searchParams;
    expect(callback.startsWith(APP)).toBe(true);
    expect(params.get('state')).toBe('state-1');

    const exchange = await fetch(idp.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'frontend',
        code: params.get('code') ?? '',
        redirect_uri: APP,
        code_verifier: verifier,
      }),
    });
    expect(exchange.status).toBe(200);
    const tokens = (await exchange.json()) as Record<string, string>;
    const claims = decodePayload(tokens.access_token ?? '');
    expect(claims).toMatchObject({
      preferred_username: 'alice',
      azp: 'frontend',
      scope: 'openid profile email',
      realm_access: { roles: ['user'] },
    });
    expect(claims.sid).toEqual(expect.any(String));
    expect(decodePayload(tokens.refresh_token ?? '')).toMatchObject({ typ: 'Refresh' });

    // A second authorization goes straight back to the app: the SSO session is alive.
    const { url: silent } = await browser.follow(authorize({ state: 'state-2' }), APP);
    expect(silent.startsWith(APP)).toBe(true);

    const logout = `${idp.issuer}/protocol/openid-connect/logout?${query({
      client_id: 'frontend',
      id_token_hint: tokens.id_token ?? '',
      post_logout_redirect_uri: APP,
    })}`;
    const confirm = await (await browser.request(logout)).text();
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm)?.[1] ?? '';
    const fields: Record<string, string> = {};
    for (const [, name = '', value = ''] of confirm.matchAll(
      /<input type="hidden" name="([^"]+)" value="([^"]*)"/g,
    )) {
      fields[name] = value;
    }
    expect(fields.logout).toBe('yes');
    const { url: afterLogout } = await browser.submitForm(
      new URL(action, logout).href,
      APP,
      new URLSearchParams(fields),
    );
    expect(afterLogout).toBe(APP);

    // After logout the login form is shown again.
    const { url: again } = await browser.follow(authorize({ state: 'state-3' }), APP);
    expect(again).toMatch(/\/login-actions\//);
  });

  /** A browser logged in as `username` through the code flow, and the tokens it got. */
  async function loggedIn(username: string) {
    const browser = browserSession();
    const { url: loginUrl } = await browser.follow(authorize(), APP);
    const { url: callback } = await browser.submitForm(
      loginUrl,
      APP,
      new URLSearchParams({ username, password: username }),
    );
    const exchange = await fetch(idp.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'frontend',
        code: new URL(callback).searchParams.get('code') ?? '',
        redirect_uri: APP,
        code_verifier: verifier,
      }),
    });
    const tokens = (await exchange.json()) as Record<string, string>;
    return { browser, idToken: tokens.id_token ?? '' };
  }
  const logoutFields = (idToken: string) =>
    new URLSearchParams({
      client_id: 'frontend',
      id_token_hint: idToken,
      post_logout_redirect_uri: APP,
    });
  const stillLoggedIn = async (browser: ReturnType<typeof browserSession>) =>
    (await browser.follow(authorize({ state: 'again' }), APP)).url.startsWith(APP);

  it('accepts a POST logout with the session’s own ID token, keeping the token out of the URL', async () => {
    const { browser, idToken } = await loggedIn('admin');
    const logout = `${idp.issuer}/protocol/openid-connect/logout`;
    const { response } = await browser.submitForm(logout, APP, logoutFields(idToken));
    const page = await response.text();
    expect(page).toContain('document.forms.logout.submit()'); // ends the session without asking
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1] ?? '';
    const fields = new URLSearchParams(
      [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(
        ([, name = '', value = '']): [string, string] => [name, value],
      ),
    );
    const { url } = await browser.submitForm(new URL(action, logout).href, APP, fields);
    expect(url).toBe(APP);
    expect(await stillLoggedIn(browser)).toBe(false);
  });

  it("asks before ending the session when the hint is another user's ID token, like Keycloak", async () => {
    const alice = await loggedIn('alice');
    const jdoe = await loggedIn('jdoe');
    const logout = `${idp.issuer}/protocol/openid-connect/logout?${logoutFields(jdoe.idToken).toString()}`;
    const response = await alice.browser.request(logout);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('Do you want to sign out?');
    expect(page).not.toContain('<script');
    expect(await stillLoggedIn(alice.browser)).toBe(true);
  });

  it('asks before ending the session when the logout request names no ID token, like Keycloak', async () => {
    const browser = browserSession();
    const { url: loginUrl } = await browser.follow(authorize(), APP);
    await browser.submitForm(
      loginUrl,
      APP,
      new URLSearchParams({ username: 'alice', password: 'alice' }),
    );
    const logout = await browser.request(
      `${idp.issuer}/protocol/openid-connect/logout?client_id=frontend`,
    );
    expect(logout.status).toBe(200);
    const page = await logout.text();
    expect(page).toContain('Do you want to sign out?');
    expect(page).toContain('id="kc-logout"');
    expect(page).not.toContain('<script'); // nothing submits the form for the user
  });

  it('answers a POST logout whose body is not a form like one without fields, not with a 500', async () => {
    const response = await fetch(`${idp.issuer}/protocol/openid-connect/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id_token_hint: 'x' }),
    });
    expect(response.status).toBe(200);
    // No session cookie came with it, so there is nothing to confirm: the page logs out at once.
    expect(await response.text()).toContain('logout/confirm');
  });

  it('answers a login form with a field sent twice as a failed login, not a 500', async () => {
    const browser = browserSession();
    const { url: loginUrl } = await browser.follow(authorize(), APP);
    const { response } = await browser.submitForm(
      loginUrl,
      APP,
      'username=alice&username=admin&password=alice&password=x',
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Invalid username or password.');
  });
});

describe('test settings', () => {
  it('can shorten the access token lifespan', async () => {
    const short = await startIdp({ accessTokenLifespan: 10 });
    try {
      const response = await passwordGrant(short.tokenUrl, 'alice');
      expect(((await response.json()) as { expires_in: number }).expires_in).toBe(10);
    } finally {
      await short.close();
    }
  });
});
