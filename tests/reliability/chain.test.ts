import { startIdp } from '@cns/dev-idp/testing';
import {
  accessToken,
  ARTICLES_AUDIENCE_SCOPE,
  decodePayload,
  identityProvider,
  passwordGrant,
  withTamperedPayload,
  type IdentityProvider,
} from '@cns/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChain, type Chain } from './chain.ts';

// The chain with the identity provider the app meets: the development IdP, or the Keycloak that
// `pnpm test:keycloak` names in KEYCLOAK_ISSUER.
let idp: IdentityProvider;
let chain: Chain;
beforeAll(async () => {
  idp = await identityProvider(startIdp);
  // As the services' local.env and the cluster's ConfigMap have it.
  chain = await startChain(idp, { authorizedParties: ['frontend', 'labs-cli'] });
});
afterAll(async () => {
  await chain.close();
  await idp.close();
});

const get = (base: string, token: string, path = '/articles') =>
  fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('the secured chain with a real identity provider', () => {
  // Which fields each article carries is web-api's own test; here, that a real IdP's token gets them.
  it('serves alice the ten articles through web-api', async () => {
    const response = await chain.get(await accessToken(idp, 'alice'));
    expect(response.status).toBe(200);
    const list = (await response.json()) as Record<string, string>[];
    expect(list.map((article) => article.authorName)).toEqual(
      Array.from({ length: 10 }, (): unknown =>
        expect.stringMatching(/^(Harald Uebele|Niklas Heidloff)$/),
      ),
    );
  });

  it('limits the list with ?amount=3', async () => {
    const response = await get(
      chain.webApi.url,
      await accessToken(idp, 'alice'),
      '/articles?amount=3',
    );
    expect(await response.json()).toHaveLength(3);
  });

  it('serves admin and jdoe, who also have the role user', async () => {
    for (const user of ['admin', 'jdoe'])
      expect((await chain.get(await accessToken(idp, user))).status).toBe(200);
  });

  it('refuses guest, who lacks the role user, with 403 at both services', async () => {
    const token = await accessToken(idp, 'guest');
    for (const base of [chain.webApi.url, chain.articles.url]) {
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
    const response = await chain.get(forged);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('carries the audiences of both services and a 60 s lifetime', async () => {
    const claims = decodePayload(await accessToken(idp, 'alice'));
    expect(claims.aud).toEqual(expect.arrayContaining(['web-api', 'articles']));
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    expect(claims.iss).toBe(idp.issuer);
  });

  it('accepts the access token of a refresh', async () => {
    const first = (await (
      await passwordGrant(idp.tokenUrl, 'alice', 'alice', {
        scope: ARTICLES_AUDIENCE_SCOPE,
      })
    ).json()) as {
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
    expect((await chain.get(access_token)).status).toBe(200);
  });
});
