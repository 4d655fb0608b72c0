// @vitest-environment node
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityProviderUnavailableError, SessionExpiredError } from '../auth/session.ts';
import { ApiError } from './api-error.ts';
import { createArticlesApi } from './articles-api.ts';
import { createHttpClient } from './http-client.ts';

// A stand-in for web-api over real HTTP: `/status/<code>` answers with that status and web-api's
// error body (error `code_<code>`, or the one in `/status/<code>/error/<error>`),
// `/status/<code>/html` with a proxy's HTML page, `/hang` never answers.
let server: Server;
let baseURL: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    const url = req.url ?? '';
    if (url === '/hang') return;
    if (url === '/articles') {
      res.setHeader('content-type', 'application/json').end('[]');
      return;
    }
    if (url === '/not-a-list') {
      res.setHeader('content-type', 'application/json').end('{"articles":[]}');
      return;
    }
    const [, status = '500', html, error = `code_${status}`] =
      /^\/status\/(\d+)(?:(\/html)|\/error\/(\w+))?$/.exec(url) ?? [];
    res.statusCode = Number(status);
    if (html) {
      res.setHeader('content-type', 'text/html').end('<h1>Bad Gateway</h1>');
      return;
    }
    res
      .setHeader('content-type', 'application/json')
      .end(JSON.stringify({ error, error_description: `described ${status}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

let issued = 0;
const tokens = { accessToken: () => Promise.resolve(`token-${++issued}`) };
const client = (options: { timeoutMs?: number } = {}) =>
  createHttpClient({ baseURL, tokens, ...options });

async function failure(path: string, http = client()): Promise<ApiError> {
  const error: unknown = await http.get(path).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

describe('the web-app HTTP client', () => {
  it('asks the session for a token on every request and sends it as a bearer token', async () => {
    const http = client();
    await http.get('/articles');
    await http.get('/articles');
    const [first, second] = seen.slice(-2).map((headers) => headers.authorization);
    expect(first).toMatch(/^Bearer token-\d+$/);
    expect(second).toMatch(/^Bearer token-\d+$/);
    expect(second).not.toBe(first);
  });

  it.each([
    [401, 'session_expired'],
    [403, 'denied_by_policy'],
    [400, 'invalid_request'],
    [502, 'articles_unavailable'],
    [504, 'articles_unavailable'],
    [503, 'web_api_unavailable'],
    [429, 'rate_limited'],
    [500, 'unexpected'],
  ])('classifies HTTP %i as %s, keeping web-api’s error code', async (status, kind) => {
    const error = await failure(`/status/${status}`);
    expect(error).toMatchObject({
      kind,
      status,
      code: `code_${status}`,
      message: `described ${status}`,
    });
  });

  it('explains a 403 insufficient_scope as the missing role, and no other 403', async () => {
    expect(await failure('/status/403/error/insufficient_scope')).toMatchObject({
      kind: 'forbidden',
      code: 'insufficient_scope',
    });
  });

  it('classifies a 503 upstream_busy as articles unavailable: web-api itself works', async () => {
    expect(await failure('/status/503/error/upstream_busy')).toMatchObject({
      kind: 'articles_unavailable',
      status: 503,
      code: 'upstream_busy',
    });
  });

  it('classifies a 502 page from a proxy without web-api’s JSON body', async () => {
    const error = await failure('/status/502/html');
    expect(error).toMatchObject({
      kind: 'articles_unavailable',
      status: 502,
      code: undefined,
      message: 'web-api answered HTTP 502',
    });
  });

  it('reports web-api as unavailable when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const http = createHttpClient({ baseURL: `http://127.0.0.1:${port}`, tokens });
    expect(await failure('/articles', http)).toMatchObject({
      kind: 'web_api_unavailable',
      status: undefined,
      message: 'web-api could not be reached',
    });
  });

  it('gives up on a web-api that does not answer in time', async () => {
    expect(await failure('/hang', client({ timeoutMs: 200 }))).toMatchObject({
      kind: 'web_api_unavailable',
      message: 'web-api did not answer in time',
    });
  });

  it('sends nothing and reports an expired session when the token cannot be refreshed', async () => {
    const before = seen.length;
    const http = createHttpClient({
      baseURL,
      tokens: { accessToken: () => Promise.reject(new SessionExpiredError('refresh refused')) },
    });
    expect(await failure('/articles', http)).toMatchObject({
      kind: 'session_expired',
      message: 'refresh refused',
    });
    expect(seen.length).toBe(before);
  });

  it('sends nothing and says Keycloak is unavailable when the refresh gets no answer', async () => {
    const before = seen.length;
    const http = createHttpClient({
      baseURL,
      tokens: {
        accessToken: () =>
          Promise.reject(new IdentityProviderUnavailableError('Keycloak did not answer')),
      },
    });
    expect(await failure('/articles', http)).toMatchObject({
      kind: 'identity_provider_unavailable',
      message: 'Keycloak did not answer',
    });
    expect(seen.length).toBe(before);
  });

  it('rejects a successful answer that is not a list of articles', async () => {
    const api = createArticlesApi(createHttpClient({ baseURL: `${baseURL}/not-a-list`, tokens }));
    await expect(api.list()).rejects.toMatchObject({ kind: 'unexpected' });
  });
});
