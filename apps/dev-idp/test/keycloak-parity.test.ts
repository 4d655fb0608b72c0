import { readFile } from 'node:fs/promises';
import { createTokenVerifier } from '@cns/auth';
import {
  decodePayload,
  developmentIdp,
  elementIds,
  LOCAL_APP_URL as APP,
  ARTICLES_AUDIENCE_SCOPE,
  passwordGrant,
  runningKeycloak,
  startLogin,
  type IdentityProvider,
} from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALM_FILE, startIdp } from '../src/testing.ts';

// What Keycloak 26 does, as measured against a real Keycloak importing our realm. Every identity
// provider the app may meet must do the same: the development IdP always, and Keycloak itself
// when `pnpm test:keycloak` names one in KEYCLOAK_ISSUER. docs/identity-providers.md lists the
// differences that remain and why they do not matter.
const TOKEN_RESPONSE_MEMBERS = [
  'access_token',
  'expires_in',
  'refresh_expires_in',
  'refresh_token',
  'token_type',
  'not-before-policy',
  'session_state',
  'scope',
];
// Of the labs' client `labs-cli`; the web-app's `frontend` adds `allowed-origins`, its web origins.
const ACCESS_TOKEN_CLAIMS = [
  'acr',
  'aud',
  'azp',
  'email',
  'email_verified',
  'exp',
  'family_name',
  'given_name',
  'iat',
  'iss',
  'jti',
  'name',
  'preferred_username',
  'realm_access',
  'scope',
  'sid',
  'sub',
  'typ',
];
const LOGIN_FORM_IDS = ['kc-page-title', 'kc-form-login', 'username', 'password', 'kc-login'];
const INVALID_CREDENTIALS = {
  error: 'invalid_grant',
  error_description: 'Invalid user credentials',
};
// What the web-app and the labs ask for when web-api forwards their tokens to articles.
const FORWARD = { scope: ARTICLES_AUDIENCE_SCOPE };
// Both APIs and nothing else, in any order: Keycloak orders them by mapper ids that each import
// creates afresh.
const BOTH_APIS: unknown = expect.toSatisfy(
  (aud: unknown) =>
    Array.isArray(aud) && [...(aud as string[])].sort().join() === 'articles,web-api',
  'both APIs',
);
// Keycloak's brute-force detection locks a user for a minute after two failures within a second,
// so each test that fails a login uses its own user.

const realm = JSON.parse(await readFile(REALM_FILE, 'utf8')) as {
  users: { id: string; username: string }[];
};
const userId = (username: string) => realm.users.find((user) => user.username === username)?.id;
const scopes = (scope: unknown) => new Set(String(scope).split(' '));
const header = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

const keycloak = runningKeycloak();
const idps: IdentityProvider[] = [];
beforeAll(async () => {
  idps.push(developmentIdp(await startIdp()));
  if (keycloak) idps.push(keycloak);
});
afterAll(() => Promise.all(idps.map((idp) => idp.close())));

const providers = keycloak ? ['dev-idp', 'keycloak'] : ['dev-idp'];

describe.each(providers)('%s, compared with Keycloak 26', (name) => {
  const idp = () => {
    const found = idps.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`${name} did not start`);
    return found;
  };
  async function tokens(username: string, extra: Record<string, string> = {}) {
    const response = await passwordGrant(idp().tokenUrl, username, username, extra);
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  it('serves discovery with Keycloak endpoint paths', async () => {
    const { issuer } = idp();
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    const oidc = `${issuer}/protocol/openid-connect`;
    expect(await response.json()).toMatchObject({
      issuer,
      authorization_endpoint: `${oidc}/auth`,
      token_endpoint: `${oidc}/token`,
      jwks_uri: `${oidc}/certs`,
      userinfo_endpoint: `${oidc}/userinfo`,
      end_session_endpoint: `${oidc}/logout`,
    });
  });

  it('answers the labs’ password grant with the members of a Keycloak token response, in order', async () => {
    const body = await tokens('alice');
    expect(Object.keys(body)).toEqual(TOKEN_RESPONSE_MEMBERS);
    expect(body).toMatchObject({ token_type: 'Bearer', 'not-before-policy': 0 });
    // Keycloak counts both lifetimes down from when it created the token and the session, so a
    // slow answer says 59 and 1799: the realm's 60 s access tokens and 30 min SSO idle time.
    expect(body.expires_in).toBeGreaterThanOrEqual(58);
    expect(body.expires_in).toBeLessThanOrEqual(60);
    expect(body.refresh_expires_in).toBeGreaterThanOrEqual(1795);
    expect(body.refresh_expires_in).toBeLessThanOrEqual(1800);
    expect(scopes(body.scope)).toEqual(new Set(['profile', 'email']));
    expect(body.session_state).toBe(decodePayload(String(body.access_token)).sid);
  });

  it('names web-api alone unless the client asks for the optional scope articles-audience', async () => {
    const alone = await tokens('alice');
    expect(decodePayload(String(alone.access_token)).aud).toBe('web-api');
    const forward = await tokens('alice', FORWARD);
    expect(scopes(forward.scope)).toEqual(new Set(['profile', 'email', ARTICLES_AUDIENCE_SCOPE]));
    expect(decodePayload(String(forward.access_token))).toMatchObject({
      aud: BOTH_APIS,
      scope: forward.scope,
    });
  });

  it('refuses a scope the client does not have with invalid_scope, naming what was asked', async () => {
    const response = await passwordGrant(idp().tokenUrl, 'alice', 'alice', {
      scope: 'openid nope',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_scope',
      error_description: 'Invalid scopes: openid nope',
    });
  });

  it('refuses the password grant to the web-app’s client: only the labs’ client has it', async () => {
    const response = await passwordGrant(idp().tokenUrl, 'alice', 'alice', {
      client_id: 'frontend',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'unauthorized_client',
      error_description: 'Client not allowed for direct access grants',
    });
  });

  it('adds an ID token after token_type, and openid to the scope, when asked for openid', async () => {
    const body = await tokens('alice', { scope: 'openid' });
    expect(Object.keys(body)).toEqual([
      ...TOKEN_RESPONSE_MEMBERS.slice(0, 5),
      'id_token',
      ...TOKEN_RESPONSE_MEMBERS.slice(5),
    ]);
    expect(scopes(body.scope)).toEqual(new Set(['openid', 'profile', 'email']));
    expect(decodePayload(String(body.id_token))).toMatchObject({
      iss: idp().issuer,
      aud: 'labs-cli',
      sub: userId('alice'),
      preferred_username: 'alice',
    });
  });

  it('signs access tokens with RS256 under a key id the JWKS publishes for signing', async () => {
    const token = String((await tokens('alice')).access_token);
    const { alg, typ, kid } = header(token);
    expect({ alg, typ }).toEqual({ alg: 'RS256', typ: 'JWT' });
    const jwks = (await (await fetch(idp().jwksUri)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toContainEqual(expect.objectContaining({ kid, alg: 'RS256', use: 'sig' }));
  });

  it('puts exactly Keycloak’s claims into the access token, with the values the services use', async () => {
    const claims = decodePayload(String((await tokens('alice', FORWARD)).access_token));
    expect(Object.keys(claims).sort()).toEqual(ACCESS_TOKEN_CLAIMS);
    expect(claims).toMatchObject({
      iss: idp().issuer,
      sub: userId('alice'),
      aud: BOTH_APIS,
      azp: 'labs-cli',
      typ: 'Bearer',
      preferred_username: 'alice',
      realm_access: { roles: ['user'] },
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
  });

  it('lists every realm role of admin, and leaves realm_access out for guest', async () => {
    const admin = decodePayload(String((await tokens('admin')).access_token)) as {
      realm_access: { roles: string[] };
    };
    expect([...admin.realm_access.roles].sort()).toEqual(['admin', 'user']);
    const guest = decodePayload(String((await tokens('guest', FORWARD)).access_token));
    expect(guest).not.toHaveProperty('realm_access');
    expect(guest).toMatchObject({ preferred_username: 'guest', aud: BOTH_APIS });
  });

  it('issues tokens that both services’ verifier accepts', async () => {
    const token = String((await tokens('jdoe', FORWARD)).access_token);
    for (const audience of ['web-api', 'articles']) {
      const verifier = createTokenVerifier({
        issuer: idp().issuer,
        jwksUri: idp().jwksUri,
        audience,
        authorizedParties: ['frontend', 'labs-cli'],
      });
      const verified = await verifier.verify(token);
      expect(verified.username).toBe('jdoe');
      expect([...verified.roles].sort()).toEqual(['confidential', 'user']);
    }
  });

  it('refuses a wrong password, an unknown user and an empty password with the same invalid_grant', async () => {
    for (const [username, password] of [
      ['admin', 'wrong'],
      ['nobody', 'nobody'],
      ['guest', ''],
    ] as const) {
      const response = await passwordGrant(idp().tokenUrl, username, password);
      expect(response.status, `${username}/${password}`).toBe(400);
      expect(await response.json()).toEqual(INVALID_CREDENTIALS);
    }
  });

  it('refuses an unknown client with invalid_client', async () => {
    const response = await passwordGrant(idp().tokenUrl, 'alice', 'alice', { client_id: 'nope' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('issues HS512 JWT refresh tokens that refresh into the same response shape, once each', async () => {
    const first = await tokens('alice', FORWARD);
    const refreshToken = String(first.refresh_token);
    expect(header(refreshToken)).toMatchObject({ alg: 'HS512', typ: 'JWT' });
    expect(decodePayload(refreshToken)).toMatchObject({ typ: 'Refresh', azp: 'labs-cli' });
    const refresh = (token: string) =>
      fetch(idp().tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: 'labs-cli',
          refresh_token: token,
        }),
      });
    const response = await refresh(refreshToken);
    expect(response.status).toBe(200);
    const refreshed = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(refreshed)).toEqual(TOKEN_RESPONSE_MEMBERS);
    expect(decodePayload(String(refreshed.access_token))).toMatchObject({
      preferred_username: 'alice',
      aud: BOTH_APIS,
      realm_access: { roles: ['user'] },
    });
    // The realm rotates refresh tokens (revokeRefreshToken): a refresh token works once, and using
    // one again is taken for theft, so the session's newer refresh token stops working too.
    expect(refreshed.refresh_token).not.toBe(refreshToken);
    const reused = await refresh(refreshToken);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(String(refreshed.refresh_token))).status).toBe(400);
  });

  it('answers userinfo with the profile claims, for tokens granted openid only', async () => {
    const userinfo = async (extra: Record<string, string>) => {
      const token = String((await tokens('alice', extra)).access_token);
      return fetch(`${idp().issuer}/protocol/openid-connect/userinfo`, {
        headers: { authorization: `Bearer ${token}` },
      });
    };
    const refused = await userinfo({});
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="quarkus", error="insufficient_scope", error_description="Missing openid scope"',
    );
    expect(await (await userinfo({ scope: 'openid' })).json()).toEqual({
      sub: userId('alice'),
      email_verified: true,
      name: 'Alice Demo',
      preferred_username: 'alice',
      given_name: 'Alice',
      family_name: 'Demo',
      email: 'alice@example.com',
    });
  });

  it('allows credentialed CORS at the token endpoint for the app origin only', async () => {
    const call = async (origin: string) => {
      const login = await startLogin(idp());
      const done = await login.submit('admin', 'admin');
      if (!('callback' in done)) throw new Error(`login did not return to ${APP}`);
      return login.exchange(done.callback, { origin });
    };
    const allowed = await call('http://localhost:5173');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const denied = await call('https://evil.example');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  }, 20_000);

  it('logs in through a form with Keycloak’s ids, title and wrong-password message', async () => {
    // As the web-app asks in forward mode.
    const login = await startLogin(idp(), { scope: `openid ${ARTICLES_AUDIENCE_SCOPE}` });
    expect(login.page().status).toBe(200);
    const ids = elementIds(login.page().html);
    for (const id of LOGIN_FORM_IDS) expect(ids, `#${id}`).toContain(id);
    expect(login.page().html).toContain('<title>Sign in to Cloud Native Starter</title>');

    const failed = await login.submit('jdoe', 'wrong');
    if (!('page' in failed)) throw new Error('a wrong password must not log in');
    expect(failed.page.status).toBe(200);
    expect(failed.page.html).toMatch(
      /id="input-error-username"[^>]*>[\s\S]*?Invalid username or password\./,
    );

    const done = await login.submit('jdoe', 'jdoe');
    if (!('callback' in done)) throw new Error(`login did not return to ${APP}`);
    expect(done.callback.searchParams.get('code')).toBeTruthy();
    expect(done.callback.searchParams.get('iss')).toBe(idp().issuer);
    const exchanged = await login.exchange(done.callback);
    expect(exchanged.status).toBe(200);
    const body = (await exchanged.json()) as Record<string, unknown>;
    expect(scopes(body.scope)).toEqual(
      new Set(['openid', 'profile', 'email', ARTICLES_AUDIENCE_SCOPE]),
    );
    // After a browser login, and after refreshing its tokens, Keycloak adds the login time.
    const browserClaims = (token: unknown) => {
      const claims = decodePayload(String(token));
      expect(Object.keys(claims).sort()).toEqual(
        [...ACCESS_TOKEN_CLAIMS, 'allowed-origins', 'auth_time'].sort(),
      );
      expect(claims.auth_time).toBeLessThanOrEqual(claims.iat as number);
      expect(claims.auth_time).toBeGreaterThan((claims.iat as number) - 60);
      return claims;
    };
    // keycloak-js asks for no profile scope; the ID token still names the user, as Keycloak's does.
    expect(decodePayload(String(body.id_token))).toMatchObject({
      iss: idp().issuer,
      aud: 'frontend',
      sub: userId('jdoe'),
      nonce: login.nonce,
      preferred_username: 'jdoe',
      name: 'John Doe',
      email: 'jdoe@example.com',
    });
    expect(browserClaims(body.access_token)).toMatchObject({
      preferred_username: 'jdoe',
      azp: 'frontend',
      aud: BOTH_APIS,
    });
    const refreshed = await fetch(idp().tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'frontend',
        refresh_token: String(body.refresh_token),
      }),
    });
    expect(refreshed.status).toBe(200);
    expect(
      browserClaims(((await refreshed.json()) as Record<string, unknown>).access_token),
    ).toMatchObject({ aud: BOTH_APIS });
  });

  it('names web-api alone in a browser login that asks for openid only, as in exchange mode', async () => {
    const login = await startLogin(idp());
    const done = await login.submit('alice', 'alice');
    if (!('callback' in done)) throw new Error(`login did not return to ${APP}`);
    const body = (await (await login.exchange(done.callback)).json()) as Record<string, unknown>;
    expect(scopes(body.scope)).toEqual(new Set(['openid', 'profile', 'email']));
    expect(decodePayload(String(body.access_token))).toMatchObject({
      aud: 'web-api',
      azp: 'frontend',
    });
  });

  it('keeps the session, asking instead, when a logout names another session’s ID token', async () => {
    const session = async (username: string) => {
      const login = await startLogin(idp());
      const done = await login.submit(username, username);
      if (!('callback' in done)) throw new Error(`login did not return to ${APP}`);
      const body = (await (await login.exchange(done.callback)).json()) as { id_token: string };
      return { login, idToken: body.id_token };
    };
    const alice = await session('alice');
    const admin = await session('admin');
    const logout = `${idp().issuer}/protocol/openid-connect/logout?${new URLSearchParams({
      client_id: 'frontend',
      id_token_hint: admin.idToken,
      post_logout_redirect_uri: APP,
    }).toString()}`;
    const { url, response } = await alice.login.browser.follow(logout, APP);
    expect(url.startsWith(APP)).toBe(false); // not sent back signed out: the user is asked
    expect(response.status).toBe(200);
    const again = await alice.login.browser.follow(alice.login.authorizeUrl, APP);
    expect(again.url.startsWith(APP)).toBe(true); // still signed in: no login form
  }, 20_000);

  it('sends the browser back with invalid_scope for a scope the client does not have', async () => {
    const login = await startLogin(idp(), { scope: 'openid nope' });
    const landed = new URL(login.landedAt);
    expect(`${landed.origin}${landed.pathname}`).toBe(APP);
    expect(Object.fromEntries(landed.searchParams)).toEqual({
      error: 'invalid_scope',
      error_description: 'Invalid scopes: openid nope',
      state: new URL(login.authorizeUrl).searchParams.get('state'),
      iss: idp().issuer,
    });
  });

  it('requires PKCE with S256', async () => {
    const withoutPkce = { code_challenge: '', code_challenge_method: '' };
    for (const params of [withoutPkce, { code_challenge_method: 'plain' }]) {
      const login = await startLogin(idp(), params);
      const landed = new URL(login.landedAt);
      expect(`${landed.origin}${landed.pathname}`).toBe(APP);
      expect(landed.searchParams.get('error')).toBe('invalid_request');
    }
  });

  it('refuses a redirect URI the realm does not list, without redirecting', async () => {
    for (const redirect_uri of ['https://evil.example/', `${APP}elsewhere`]) {
      const login = await startLogin(idp(), { redirect_uri });
      expect(login.page().status).toBe(400);
      expect(login.landedAt.startsWith(idp().issuer)).toBe(true);
    }
  });
});
