import { ConfigError, createLogger } from '@cns/service-kit';
import { listen, startTestIssuer, type Listening, type TestIssuer } from '@cns/test-support';
import { createTokenVerifier } from '@cns/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

let idp: TestIssuer;
let articles: Listening;

beforeAll(async () => {
  idp = await startTestIssuer();
  const verifier = createTokenVerifier({
    issuer: idp.issuer,
    jwksUri: idp.jwksUri,
    audience: 'articles',
  });
  articles = await listen(
    createApp({ verifier, logger: createLogger({ service: 'articles', level: 'silent' }) }),
  );
});
afterAll(async () => {
  await articles.close();
  await idp.close();
});

async function getArticles(query = '', token?: string) {
  const authorization = `Bearer ${token ?? (await idp.sign())}`;
  return fetch(`${articles.url}/articles${query}`, { headers: { authorization } });
}

describe('GET /articles', () => {
  it('returns the ten sample articles with every field, marked no-cache', async () => {
    const response = await getArticles();
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, string>[];
    expect(body).toHaveLength(10);
    expect(body[0]).toEqual({
      id: '1',
      title: 'Blue Cloud Mirror — (Don’t) Open The Doors!',
      url: 'https://haralduebele.github.io/2019/02/17/blue-cloud-mirror-dont-open-the-doors/',
      authorName: 'Harald Uebele',
    });
    expect(body.at(-1)?.title).toBe('Debugging Microservices running in Kubernetes');
    expect(new Set(body.map((article) => article.id)).size).toBe(10);
    for (const article of body)
      expect(Object.keys(article).sort()).toEqual(['authorName', 'id', 'title', 'url']);
  });

  it.each([
    ['1', 1],
    ['3', 3],
    ['10', 10],
    ['100', 10],
  ])('limits the list with amount=%s', async (amount, expected) => {
    const response = await getArticles(`?amount=${amount}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(expected);
  });

  it.each(['0', '101', '-1', '2.5', 'abc', '', '1e2', '0x10', '%20%203', '999999999999'])(
    'answers 400 invalid_parameter to amount=%s',
    async (amount) => {
      const response = await getArticles(`?amount=${amount}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_parameter',
        error_description: 'amount must be an integer in 1..100',
      });
    },
  );

  it('answers 400 when amount is given twice', async () => {
    const response = await getArticles('?amount=1&amount=2');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_parameter' });
  });

  it('checks the token before the parameters', async () => {
    const response = await fetch(`${articles.url}/articles?amount=0`);
    expect(response.status).toBe(401);
  });

  it('answers 401 with a JSON body and challenge without a token', async () => {
    const response = await fetch(`${articles.url}/articles`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="articles"');
    expect(await response.json()).toEqual({
      error: 'missing_token',
      error_description: 'bearer token required',
    });
  });

  it('answers 403 insufficient_scope to a token without the role user', async () => {
    const response = await getArticles('', await idp.sign({ realm_access: { roles: ['admin'] } }));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('refuses a token meant for web-api only', async () => {
    const response = await getArticles('', await idp.sign({ aud: 'web-api' }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'audience not accepted',
    });
  });

  it('answers 405 with Allow to other methods', async () => {
    const response = await fetch(`${articles.url}/articles`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('the service', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${articles.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: 'not_found',
      error_description: 'no route for GET /nope',
    });
  });

  it('serves neither health nor metrics on the API port: they are on the management port', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      expect((await fetch(`${articles.url}${path}`)).status, path).toBe(404);
    }
  });

  it.each(['/ARTICLES', '/Articles', '/articles/'])(
    'answers 404 to %s: paths match exactly, as the mesh matches them',
    async (path) => {
      const response = await fetch(`${articles.url}${path}`, {
        headers: { authorization: `Bearer ${await idp.sign()}` },
      });
      expect(response.status).toBe(404);
    },
  );

  it('sends no x-powered-by and echoes a request id', async () => {
    const response = await fetch(`${articles.url}/nope`, {
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-request-id')).toBe('abc-123');
  });
});

describe('configuration', () => {
  const env = {
    OIDC_ISSUER: 'https://demo.k8s.local/auth/realms/quarkus',
    OIDC_JWKS_URI: 'http://keycloak:8080/auth/realms/quarkus/protocol/openid-connect/certs',
  };

  it('takes issuer and JWKS location separately, with defaults for the rest', () => {
    expect(loadConfig(env)).toMatchObject({
      ...env,
      PORT: 8082,
      HOST: '0.0.0.0',
      OIDC_AUDIENCE: 'articles',
    });
  });

  it('names every missing or bad variable at once', () => {
    expect(() => loadConfig({ PORT: '99999', OIDC_ISSUER: 'not a url' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: '99999', OIDC_ISSUER: 'not a url' });
    } catch (error) {
      const lines = (error as Error).message.split('\n').sort();
      expect(lines).toEqual([
        '  OIDC_ISSUER: Invalid URL',
        '  OIDC_JWKS_URI: required but not set',
        '  PORT: Too big: expected number to be <=65535',
        'invalid configuration:',
      ]);
    }
  });
});
