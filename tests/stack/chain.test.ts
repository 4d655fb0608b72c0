import { createApp as createArticles } from '@cns/articles/app';
import { createTokenVerifier } from '@cns/auth';
import { createLogger } from '@cns/service-kit';
import {
  decodePayload,
  listen,
  passwordGrant,
  withTamperedPayload,
  type Listening,
} from '@cns/test-support';
import { createApp as createWebApi } from '@cns/web-api/app';
import { createArticlesClient } from '@cns/web-api/articles-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessToken, identityProvider, type IdentityProvider } from './identity-provider.ts';

const logger = createLogger({ service: 'stack-test', level: 'silent' });
let idp: IdentityProvider;
let articles: Listening;
let webApi: Listening;
const articlesClient = () => createArticlesClient({ baseUrl: articles.url, timeoutMs: 2_000 });
let client: ReturnType<typeof articlesClient>;

beforeAll(async () => {
  idp = await identityProvider();
  const verifier = (audience: string) =>
    createTokenVerifier({
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      audience,
      // As the services' local.env and the cluster's ConfigMap have it.
      authorizedParties: ['frontend', 'labs-cli'],
    });
  articles = await listen(createArticles({ verifier: verifier('articles'), logger }));
  client = articlesClient();
  webApi = await listen(createWebApi({ verifier: verifier('web-api'), articles: client, logger }));
});
afterAll(async () => {
  await webApi.close();
  await client.close();
  await articles.close();
  await idp.close();
});

const get = (base: string, token: string, path = '/articles') =>
  fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('the secured chain with a real identity provider', () => {
  it('serves alice ten articles through web-api, every field filled', async () => {
    const response = await get(webApi.url, await accessToken(idp, 'alice'));
    expect(response.status).toBe(200);
    const list = (await response.json()) as Record<string, string>[];
    expect(list).toHaveLength(10);
    for (const article of list) {
      expect(Object.keys(article).sort()).toEqual([
        'authorBlog',
        'authorName',
        'authorTwitter',
        'id',
        'title',
        'url',
      ]);
      expect(article.authorName).toMatch(/^(Harald Uebele|Niklas Heidloff)$/);
    }
  });

  it('limits the list with ?amount=3', async () => {
    const response = await get(webApi.url, await accessToken(idp, 'alice'), '/articles?amount=3');
    expect(await response.json()).toHaveLength(3);
  });

  it('serves admin and jdoe, who also have the role user', async () => {
    for (const user of ['admin', 'jdoe'])
      expect((await get(webApi.url, await accessToken(idp, user))).status).toBe(200);
  });

  it('refuses guest, who lacks the role user, with 403 at both services', async () => {
    const token = await accessToken(idp, 'guest');
    for (const base of [webApi.url, articles.url]) {
      const response = await get(base, token);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
    }
  });

  it('refuses a token whose roles were edited after signing', async () => {
    const token = await accessToken(idp, 'guest');
    const forged = withTamperedPayload(token, {
      ...decodePayload(token),
      realm_access: { roles: ['user'] },
    });
    const response = await get(webApi.url, forged);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('carries the audiences of both services and a 60 s lifetime', async () => {
    const claims = decodePayload(await accessToken(idp, 'alice'));
    expect(claims.aud).toEqual(expect.arrayContaining(['web-api', 'articles']));
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    expect(claims.iss).toBe(idp.issuer);
  });

  it('answers a wrong password with invalid_grant', async () => {
    const response = await passwordGrant(idp.tokenUrl, 'alice', 'wrong');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid user credentials',
    });
  });

  it('accepts the access token of a refresh', async () => {
    const first = (await (await passwordGrant(idp.tokenUrl, 'alice')).json()) as {
      refresh_token: string;
    };
    const refreshed = await fetch(idp.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'labs-cli',
        refresh_token: first.refresh_token,
      }),
    });
    expect(refreshed.status).toBe(200);
    const { access_token } = (await refreshed.json()) as { access_token: string };
    expect((await get(webApi.url, access_token)).status).toBe(200);
  });
});
