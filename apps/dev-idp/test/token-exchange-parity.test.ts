import { randomBytes } from 'node:crypto';
import {
  accessToken,
  decodePayload,
  developmentIdp,
  passwordGrant,
  runningKeycloak,
  type IdentityProvider,
} from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdp } from '../src/testing.ts';

// Keycloak 26's standard token exchange (RFC 8693) as measured against a real Keycloak importing
// our realm; the development IdP must answer the same. `pnpm test:keycloak` adds Keycloak itself.
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const EXCHANGE_RESPONSE_MEMBERS = [
  'access_token',
  'expires_in',
  'issued_token_type',
  'not-before-policy',
  'refresh_expires_in',
  'scope',
  'session_state',
  'token_type',
];

// Each IdP with the secret of the realm's client web-api: a fresh one for the development IdP;
// for Keycloak the one it imported the realm with (scripts/test-keycloak.sh sets both).
type WithSecret = IdentityProvider & { webApiSecret: string };
const keycloak = runningKeycloak();
const idps: WithSecret[] = [];
beforeAll(async () => {
  const secret = randomBytes(24).toString('base64url');
  const started = await startIdp({ variables: { WEB_API_CLIENT_SECRET: secret } });
  idps.push({ ...developmentIdp(started), webApiSecret: secret });
  if (keycloak) {
    const keycloakSecret = process.env.WEB_API_CLIENT_SECRET;
    if (!keycloakSecret)
      throw new Error('KEYCLOAK_ISSUER needs WEB_API_CLIENT_SECRET, as Keycloak has it');
    idps.push({ ...keycloak, webApiSecret: keycloakSecret });
  }
});
afterAll(() => Promise.all(idps.map((idp) => idp.close())));

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/**
 * web-api's exchange request, with fields replaced or left out (`undefined`); an empty
 * `authorization` sends no header.
 */
function exchange(
  idp: WithSecret,
  fields: Record<string, string | undefined>,
  authorization = basic('web-api', idp.webApiSecret),
) {
  const form = { grant_type: GRANT, subject_token_type: ACCESS_TOKEN_TYPE, ...fields };
  const body = new URLSearchParams(
    Object.entries(form).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const headers = authorization ? { authorization } : undefined;
  return fetch(idp.tokenUrl, { method: 'POST', headers, body });
}

describe.each(['dev-idp', ...(keycloak ? ['keycloak'] : [])])('token exchange at %s', (name) => {
  const idp = () => idps.find((candidate) => candidate.name === name)!;

  it("trades alice's token for one meant for articles alone, still naming alice", async () => {
    const subject = await accessToken(idp(), 'alice', 'exchange');
    const response = await exchange(idp(), { subject_token: subject, audience: 'articles' });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(EXCHANGE_RESPONSE_MEMBERS);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      issued_token_type: ACCESS_TOKEN_TYPE,
      refresh_expires_in: 0,
    });
    // Keycloak lists the scopes in no fixed order.
    expect(String(body.scope).split(' ').sort()).toEqual(['articles-audience', 'email', 'profile']);
    const before = decodePayload(subject);
    const after = decodePayload(String(body.access_token));
    expect(before.aud).toBe('web-api');
    expect(after).toMatchObject({
      aud: 'articles',
      azp: 'web-api',
      typ: 'Bearer',
      sub: before.sub,
      sid: before.sid,
      iss: before.iss,
      preferred_username: 'alice',
      realm_access: { roles: ['user'] },
    });
    expect(body.session_state).toBe(before.sid);
    expect(Number(after.exp) - Number(after.iat)).toBe(body.expires_in);
  });

  it('names the client audiences of web-api when no audience is asked for', async () => {
    const subject = await accessToken(idp(), 'alice', 'exchange');
    const response = await exchange(idp(), { subject_token: subject });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string };
    expect(decodePayload(body.access_token).aud).toBe('articles');
  });

  it.each([
    [
      'an audience web-api has no mapper for',
      { audience: 'frontend' },
      400,
      'invalid_request',
      'Requested audience not available: frontend',
    ],
    [
      'an audience that is no client',
      { audience: 'nobody' },
      400,
      'invalid_client',
      'Audience not found',
    ],
    [
      'no subject token',
      { subject_token: undefined },
      400,
      'invalid_request',
      "Parameter 'subject_token' required for standard token exchange",
    ],
    [
      'no subject token type',
      { subject_token_type: undefined },
      400,
      'invalid_request',
      "Parameter 'subject_token_type' required for standard token exchange",
    ],
    [
      'an ID token type',
      { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' },
      400,
      'invalid_request',
      "Parameter 'subject_token' supports access tokens only",
    ],
    [
      'a subject token that is not a token',
      { subject_token: 'abc.def.ghi' },
      400,
      'invalid_request',
      'Invalid token',
    ],
  ])('refuses %s', async (_case, fields, status, error, description) => {
    const subject = await accessToken(idp(), 'alice', 'exchange');
    const response = await exchange(idp(), {
      subject_token: subject,
      audience: 'articles',
      ...fields,
    });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error, error_description: description });
  });

  it('refuses a wrong secret with 401 unauthorized_client', async () => {
    const subject = await accessToken(idp(), 'alice', 'exchange');
    const response = await exchange(
      idp(),
      { subject_token: subject, audience: 'articles' },
      basic('web-api', `${idp().webApiSecret}-revoked`),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'unauthorized_client',
      error_description: 'Invalid client or Invalid client credentials',
    });
  });

  it("grants web-api's own scopes, not the subject token's, and an ID token only when asked", async () => {
    // A browser's token carries openid; the exchanged one does not, unless web-api asks for it.
    const grant = await passwordGrant(idp().tokenUrl, 'alice', 'alice', { scope: 'openid' });
    const subject = ((await grant.json()) as { access_token: string }).access_token;
    const plain = await exchange(idp(), { subject_token: subject, audience: 'articles' });
    const plainBody = (await plain.json()) as Record<string, unknown>;
    expect(String(plainBody.scope).split(' ').sort()).toEqual([
      'articles-audience',
      'email',
      'profile',
    ]);
    expect(plainBody).not.toHaveProperty('id_token');

    const withOpenid = await exchange(idp(), {
      subject_token: subject,
      audience: 'articles',
      scope: 'openid',
    });
    expect(withOpenid.status).toBe(200);
    const body = (await withOpenid.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([...EXCHANGE_RESPONSE_MEMBERS, 'id_token'].sort());
    expect(String(body.scope).split(' ').sort()).toEqual([
      'articles-audience',
      'email',
      'openid',
      'profile',
    ]);
    expect(decodePayload(String(body.id_token))).toMatchObject({
      aud: 'web-api',
      sub: decodePayload(subject).sub,
      preferred_username: 'alice',
    });
  });

  it('refuses a scope web-api does not have with invalid_scope', async () => {
    const subject = await accessToken(idp(), 'alice', 'exchange');
    const response = await exchange(idp(), {
      subject_token: subject,
      audience: 'articles',
      scope: 'nope',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_scope',
      error_description: 'Invalid scopes: nope',
    });
  });

  it('takes the secret in the form body too, as Keycloak’s client-secret authenticator does', async () => {
    const subject = await accessToken(idp(), 'alice', 'exchange');
    const response = await exchange(
      idp(),
      {
        subject_token: subject,
        audience: 'articles',
        client_id: 'web-api',
        client_secret: idp().webApiSecret,
      },
      '',
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string };
    expect(decodePayload(body.access_token)).toMatchObject({ aud: 'articles', azp: 'web-api' });
  });

  it("refuses the labs' public client, which may not exchange", async () => {
    const subject = await accessToken(idp(), 'alice', 'exchange');
    const body = new URLSearchParams({
      grant_type: GRANT,
      client_id: 'labs-cli',
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      audience: 'articles',
    });
    const response = await fetch(idp().tokenUrl, { method: 'POST', body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Standard token exchange is not enabled for the requested client',
    });
  });
});
