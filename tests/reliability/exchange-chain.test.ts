import { randomBytes } from 'node:crypto';
import { createApp as createArticles } from '@cns/articles/app';
import { createTokenVerifier } from '@cns/auth';
import { startIdp } from '@cns/dev-idp/testing';
import { createLogger } from '@cns/service-kit';
import {
  accessToken,
  decodePayload,
  identityProvider,
  listen,
  type IdentityProvider,
  type Listening,
} from '@cns/test-support';
import { createApp as createWebApi } from '@cns/web-api/app';
import { createArticlesClient } from '@cns/web-api/articles-client';
import { exchangeCallerToken } from '@cns/web-api/relay';
import { createTokenExchange, type TokenExchangeOptions } from '@cns/web-api/token-exchange';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The chain in exchange mode (RELAY_MODE=exchange): web-api trades the caller's token at the IdP
// for one meant for articles, and articles accepts nothing else. The IdP's token endpoint is
// reached through a relay on a port of its own, which counts the exchanges and can go down.
const logger = createLogger({ service: 'stack-test', level: 'silent' });
let idp: IdentityProvider;
// The secret of the realm's client web-api: Keycloak's from the environment (scripts/test-keycloak.sh),
// or a fresh one for the development IdP.
let webApiSecret: string;
let tokenRelay: Listening;
let exchanges = 0;
let articles: Listening;
let webApi: Listening;
let client: ReturnType<typeof createArticlesClient>;
// What articles sees, as a Bearer token.
let seenByArticles: string[] = [];

const exchangeOptions = (overrides: Partial<TokenExchangeOptions> = {}): TokenExchangeOptions => ({
  tokenEndpoint: `${tokenRelay.url}/token`,
  clientId: 'web-api',
  clientSecret: webApiSecret,
  audience: 'articles',
  timeoutMs: 2_000,
  ...overrides,
});

beforeAll(async () => {
  const fresh = randomBytes(24).toString('base64url');
  idp = await identityProvider(() => startIdp({ variables: { WEB_API_CLIENT_SECRET: fresh } }));
  const fromEnvironment = process.env.WEB_API_CLIENT_SECRET;
  if (idp.name === 'keycloak' && !fromEnvironment)
    throw new Error('KEYCLOAK_ISSUER needs WEB_API_CLIENT_SECRET, as Keycloak has it');
  webApiSecret = idp.name === 'keycloak' ? (fromEnvironment ?? '') : fresh;
  tokenRelay = await listen((req, res) => {
    exchanges += 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const relayed = async () => {
        const answer = await fetch(idp.tokenUrl, {
          method: 'POST',
          headers: {
            authorization: req.headers.authorization ?? '',
            'content-type': req.headers['content-type'] ?? '',
          },
          body: Buffer.concat(chunks),
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
      };
      relayed().catch(() => res.writeHead(502).end());
    });
  });
  const verifier = (audience: string, authorizedParties: string[]) =>
    createTokenVerifier({ issuer: idp.issuer, jwksUri: idp.jwksUri, audience, authorizedParties });
  const articlesApp = createArticles({ verifier: verifier('articles', ['web-api']), logger });
  articles = await listen((req, res) => {
    seenByArticles.push(req.headers.authorization ?? '');
    articlesApp(req, res);
  });
  client = createArticlesClient({ baseUrl: articles.url, timeoutMs: 2_000 });
  webApi = await listen(
    createWebApi({
      verifier: verifier('web-api', ['frontend', 'labs-cli']),
      articles: client,
      relay: exchangeCallerToken(createTokenExchange(exchangeOptions())),
      logger,
    }),
  );
});
afterAll(async () => {
  await webApi.close();
  await client.close();
  await articles.close();
  await tokenRelay.close();
  await idp.close();
});
beforeEach(() => {
  exchanges = 0;
  seenByArticles = [];
});

/** A token as the web-app and the labs hold it in exchange mode: it names web-api alone. */
const userToken = (username: string) => accessToken(idp, username, 'exchange');

const get = (base: string, token: string) =>
  fetch(`${base}/articles`, { headers: { authorization: `Bearer ${token}` } });

describe(`the chain in exchange mode (${process.env.KEYCLOAK_ISSUER ? 'Keycloak' : 'dev-idp'})`, () => {
  it('serves alice through web-api; articles sees a token for articles from web-api, naming alice', async () => {
    const token = await userToken('alice');
    const response = await get(webApi.url, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(10);
    const [seen = ''] = seenByArticles;
    const exchanged = decodePayload(seen.replace(/^Bearer /, ''));
    expect(exchanged).toMatchObject({
      aud: 'articles',
      azp: 'web-api',
      sub: decodePayload(token).sub,
      preferred_username: 'alice',
    });
    expect(seen).not.toBe(`Bearer ${token}`);
  });

  it("refuses the user's own token sent straight to articles with 401 invalid_token: its audience", async () => {
    const token = await userToken('alice');
    expect(decodePayload(token).aud).toBe('web-api');
    const response = await get(articles.url, token);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'audience not accepted',
    });
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses a token that names articles but was not exchanged: its azp', async () => {
    // A forward-mode token, as a client asking for the optional scope articles-audience holds it.
    const token = await accessToken(idp, 'alice', 'forward');
    expect(decodePayload(token).aud).toContain('articles');
    const response = await get(articles.url, token);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'token issued to a client not accepted',
    });
  });

  it('exchanges once per caller token, however often and however concurrently it calls', async () => {
    const token = await userToken('alice');
    const statuses = await Promise.all(
      Array.from({ length: 5 }, async () => (await get(webApi.url, token)).status),
    );
    for (let i = 0; i < 3; i += 1) statuses.push((await get(webApi.url, token)).status);
    expect(statuses).toEqual(Array(8).fill(200));
    expect(exchanges).toBe(1);
    expect(new Set(seenByArticles).size).toBe(1);

    expect((await get(webApi.url, await userToken('alice'))).status).toBe(200);
    expect(exchanges).toBe(2);
  });

  it('answers 502 token_exchange_unavailable while the IdP is down, and recovers', async () => {
    const token = await userToken('jdoe');
    await tokenRelay.close();
    try {
      const response = await get(webApi.url, token);
      expect(response.status).toBe(502);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ error: 'token_exchange_unavailable' });
    } finally {
      await tokenRelay.relisten();
    }
    expect((await get(webApi.url, token)).status).toBe(200);
  });
});

describe('the exchange client against the real IdP', () => {
  it("never hands out a cached token past the caller token's expiry", async () => {
    let now = 0;
    const exchange = createTokenExchange(exchangeOptions({ now: () => now }));
    const token = await userToken('alice');
    const expiresAt = Number(decodePayload(token).exp);
    // Exchanged two seconds before the caller token expires: the new token would last longer.
    now = expiresAt * 1000 - 2_000;
    const first = await exchange.tokenFor({ token, expiresAt });
    expect(await exchange.tokenFor({ token, expiresAt })).toBe(first);
    expect(exchanges).toBe(1);

    // Past the caller token's expiry the cache is not consulted; the IdP is asked again.
    now = expiresAt * 1000 + 1;
    const again = exchange.tokenFor({ token, expiresAt });
    await again.catch(() => undefined);
    expect(exchanges).toBe(2);
  });

  it('keeps at most maxEntries caller tokens, dropping the oldest', async () => {
    const exchange = createTokenExchange(exchangeOptions({ maxEntries: 2 }));
    const subjects = await Promise.all(
      ['alice', 'admin', 'jdoe'].map(async (user) => {
        const token = await userToken(user);
        return { token, expiresAt: Number(decodePayload(token).exp) };
      }),
    );
    for (const subject of subjects) await exchange.tokenFor(subject);
    expect(exchanges).toBe(3);
    await exchange.tokenFor(subjects[2]!);
    expect(exchanges).toBe(3);
    await exchange.tokenFor(subjects[0]!);
    expect(exchanges).toBe(4);
  });

  it('answers 502 token_exchange_unauthorized when the secret of web-api was revoked', async () => {
    const exchange = createTokenExchange(exchangeOptions({ clientSecret: 'a-revoked-secret' }));
    const token = await userToken('alice');
    const failure = await exchange
      .tokenFor({ token, expiresAt: Number(decodePayload(token).exp) })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 502, code: 'token_exchange_unauthorized' });
    // The IdP's words stay out of the answer.
    expect(String((failure as Error).message)).not.toMatch(/Invalid client/);
  });

  it('answers 401 invalid_token when the IdP refuses the caller token itself', async () => {
    const exchange = createTokenExchange(exchangeOptions());
    const token = await userToken('alice');
    const forged = `${token.slice(0, -4)}AAAA`;
    const failure = await exchange
      .tokenFor({ token: forged, expiresAt: Number(decodePayload(token).exp) })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 401, code: 'invalid_token' });
  });
});
