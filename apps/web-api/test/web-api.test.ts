import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createApp as createArticlesApp } from '@cns/articles/app';
import { createTokenVerifier } from '@cns/auth';
import { createLogger } from '@cns/service-kit';
import { listen, startTestIssuer, type Listening, type TestIssuer } from '@cns/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { createArticlesClient, type ArticlesClient } from '../src/articles-client.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
let idp: TestIssuer;
let articles: Listening;
const started: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  idp = await startTestIssuer();
  const verifier = createTokenVerifier({
    issuer: idp.issuer,
    jwksUri: idp.jwksUri,
    audience: 'articles',
  });
  articles = await listen(createArticlesApp({ verifier, logger }));
});
afterAll(async () => {
  await articles.close();
  await idp.close();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((item) => item.close()));
});

/** web-api in front of the given articles URL. */
async function startWebApi(articlesUrl: string, timeoutMs = 2_000): Promise<string> {
  const client: ArticlesClient = createArticlesClient({ baseUrl: articlesUrl, timeoutMs });
  const verifier = createTokenVerifier({
    issuer: idp.issuer,
    jwksUri: idp.jwksUri,
    audience: 'web-api',
  });
  const webApi = await listen(createApp({ verifier, articles: client, logger }));
  started.push(webApi, client);
  return webApi.url;
}

async function getArticles(webApiUrl: string, query = '', headers: Record<string, string> = {}) {
  const authorization = `Bearer ${await idp.sign()}`;
  const started = performance.now();
  const response = await fetch(`${webApiUrl}/articles${query}`, {
    headers: { authorization, ...headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: await response.json(),
    elapsedMs: performance.now() - started,
  };
}

/** A stand-in upstream that records what web-api sent and answers as told. */
async function startUpstream(answer: (res: ServerResponse) => void) {
  const seen: IncomingHttpHeaders[] = [];
  const upstream = await listen((req, res) => {
    seen.push(req.headers);
    answer(res);
  });
  started.push(upstream);
  return { url: upstream.url, seen };
}

describe('GET /articles through web-api and articles', () => {
  it('returns all ten articles with every field of both services', async () => {
    const { status, headers, body } = await getArticles(await startWebApi(articles.url));
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-cache');
    const list = body as Record<string, string>[];
    expect(list).toHaveLength(10);
    expect(list[0]).toEqual({
      id: '1',
      title: 'Blue Cloud Mirror — (Don’t) Open The Doors!',
      url: 'https://haralduebele.github.io/2019/02/17/blue-cloud-mirror-dont-open-the-doors/',
      authorName: 'Harald Uebele',
      authorTwitter: 'harald_u',
      authorBlog: 'https://haralduebele.github.io',
    });
    for (const article of list) {
      expect(Object.keys(article).sort()).toEqual([
        'authorBlog',
        'authorName',
        'authorTwitter',
        'id',
        'title',
        'url',
      ]);
      for (const value of Object.values(article)) expect(value).not.toBe('');
    }
  });

  it('passes amount on: amount=3 gives three articles', async () => {
    const { status, body } = await getArticles(await startWebApi(articles.url), '?amount=3');
    expect(status).toBe(200);
    expect((body as { id: string }[]).map((article) => article.id)).toEqual(['1', '2', '3']);
  });

  it('answers 400 to a bad amount without calling articles', async () => {
    const upstream = await startUpstream((res) => res.end('[]'));
    const { status, body } = await getArticles(await startWebApi(upstream.url), '?amount=0');
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_parameter' });
    expect(upstream.seen).toHaveLength(0);
  });

  it('relays the Authorization header unchanged, with the request id and trace headers', async () => {
    const upstream = await startUpstream((res) =>
      res.setHeader('content-type', 'application/json').end('[]'),
    );
    const webApi = await startWebApi(upstream.url);
    const token = await idp.sign();
    const trace = {
      'x-request-id': 'req-42',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'x-b3-spanid': 'e457b5a2e4d86bd1',
      'x-b3-sampled': '1',
    };
    const response = await fetch(`${webApi}/articles`, {
      headers: { authorization: `Bearer ${token}`, ...trace },
    });
    expect(response.status).toBe(200);
    expect(upstream.seen[0]).toMatchObject({ authorization: `Bearer ${token}`, ...trace });
  });

  it('relays well-formed W3C and single b3 headers, tracestate only beside a traceparent', async () => {
    const upstream = await startUpstream((res) =>
      res.setHeader('content-type', 'application/json').end('[]'),
    );
    const webApi = await startWebApi(upstream.url);
    const valid = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'congo=t61rcWkgMzE, rojo=00f067aa0ba902b7',
      b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90',
    };
    expect((await getArticles(webApi, '', valid)).status).toBe(200);
    expect(upstream.seen[0]).toMatchObject(valid);
    await getArticles(webApi, '', { tracestate: valid.tracestate });
    expect(upstream.seen[1]).not.toHaveProperty('tracestate');
  });

  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  it.each<[string, string, Record<string, string>]>([
    ['a traceparent that is not W3C', 'traceparent', { traceparent: '00-xyz-b7ad6b7169203331-01' }],
    [
      'an all-zero trace id',
      'traceparent',
      { traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` },
    ],
    [
      'a tracestate over 512 characters',
      'tracestate',
      { traceparent, tracestate: `a=${'x'.repeat(250)},b=${'x'.repeat(250)},c=${'x'.repeat(20)}` },
    ],
    [
      'a tracestate member that is not key=value',
      'tracestate',
      { traceparent, tracestate: 'congo=t61rcWkgMzE,<script>' },
    ],
    [
      'a tracestate key in upper case',
      'tracestate',
      { traceparent, tracestate: 'congo=t61rcWkgMzE,aBC=1' },
    ],
    ['a b3 header of arbitrary text', 'b3', { b3: 'x'.repeat(2_000) }],
    ['an x-b3-traceid that is not hex', 'x-b3-traceid', { 'x-b3-traceid': 'not-a-trace-id' }],
    ['an x-b3-sampled other than 0 or 1', 'x-b3-sampled', { 'x-b3-sampled': 'maybe' }],
    [
      'an x-ot-span-context of arbitrary text',
      'x-ot-span-context',
      { 'x-ot-span-context': 'a;b;c' },
    ],
  ])('drops %s instead of relaying it', async (_case, dropped, headers) => {
    const upstream = await startUpstream((res) =>
      res.setHeader('content-type', 'application/json').end('[]'),
    );
    const webApi = await startWebApi(upstream.url);
    expect((await getArticles(webApi, '', headers)).status).toBe(200);
    expect(upstream.seen[0]).not.toHaveProperty(dropped);
  });

  it('refuses a guest without the role user with 403, without calling articles', async () => {
    const upstream = await startUpstream((res) => res.end('[]'));
    const webApi = await startWebApi(upstream.url);
    const guest = await idp.sign({ preferred_username: 'guest', realm_access: { roles: [] } });
    const response = await fetch(`${webApi}/articles`, {
      headers: { authorization: `Bearer ${guest}` },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(upstream.seen).toHaveLength(0);
  });

  it('answers 401 with a challenge to a request without a token', async () => {
    const response = await fetch(`${await startWebApi(articles.url)}/articles`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="web-api"');
  });
});

describe('the connection to articles', () => {
  it('is kept alive: twenty calls in a row share one TCP connection', async () => {
    let connections = 0;
    const upstream = await startUpstream((res) =>
      res.setHeader('content-type', 'application/json').end('[]'),
    );
    const server = started.at(-1) as Listening;
    server.server.on('connection', () => connections++);
    const webApi = await startWebApi(upstream.url);
    for (let i = 0; i < 20; i++) expect((await getArticles(webApi)).status).toBe(200);
    expect(connections).toBe(1);
  });
});

describe('when articles fails', () => {
  it('passes a 401 from articles on as 401 with its error code', async () => {
    const webApi = await startWebApi(articles.url);
    const onlyForWebApi = await idp.sign({ aud: 'web-api' });
    const response = await fetch(`${webApi}/articles`, {
      headers: { authorization: `Bearer ${onlyForWebApi}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="articles", error="invalid_token"/,
    );
    expect(await response.json()).toEqual({
      error: 'invalid_token',
      error_description: 'articles service refused the token (401)',
    });
  });

  it('answers 502 upstream_unavailable when articles is down', async () => {
    const down = await listen(() => undefined);
    await down.close();
    const { status, body } = await getArticles(await startWebApi(down.url));
    expect(status).toBe(502);
    expect(body).toEqual({
      error: 'upstream_unavailable',
      error_description: 'articles service unreachable',
    });
  });

  it('answers 504 upstream_timeout when articles is slower than the deadline', async () => {
    const upstream = await startUpstream(() => undefined); // never answers
    const { status, body, elapsedMs } = await getArticles(await startWebApi(upstream.url, 300));
    expect(status).toBe(504);
    expect(body).toEqual({
      error: 'upstream_timeout',
      error_description: 'articles service did not answer within 300 ms',
    });
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(5_000);
  });

  it('answers 502 upstream_error when articles answers 500', async () => {
    const upstream = await startUpstream((res) => res.writeHead(500).end('boom'));
    const { status, body } = await getArticles(await startWebApi(upstream.url));
    expect(status).toBe(502);
    expect(body).toEqual({
      error: 'upstream_error',
      error_description: 'articles service answered 500',
    });
  });

  it('answers 503 upstream_busy with its Retry-After when articles limits the rate', async () => {
    const upstream = await startUpstream((res) =>
      res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' }).end('{}'),
    );
    const { status, headers, body } = await getArticles(await startWebApi(upstream.url));
    expect(status).toBe(503);
    expect(headers.get('retry-after')).toBe('2');
    expect(body).toEqual({
      error: 'upstream_busy',
      error_description: 'articles service is busy; retry later',
    });
  });

  it('follows articles when its answer changes, and checks every new answer', async () => {
    const answers = [
      '[{"id":"1","title":"First","url":"https://a.example","authorName":"Harald Uebele"}]',
      '[{"id":"1","title":"First","url":"https://a.example","authorName":"Harald Uebele"}]',
      '[{"id":"2","title":"Second","url":"https://b.example","authorName":"Someone"}]',
      '[{"id":"3","title":"Third","url":"https://c.example"}]',
    ];
    const upstream = await startUpstream((res) =>
      res.setHeader('content-type', 'application/json').end(answers.shift()),
    );
    const webApi = await startWebApi(upstream.url);
    const bodies = [];
    for (let call = 0; call < 3; call++) bodies.push((await getArticles(webApi)).body);
    expect(bodies.map((list) => (list as { title: string }[])[0]?.title)).toEqual([
      'First',
      'First',
      'Second',
    ]);
    expect(bodies[0]).toEqual([
      {
        id: '1',
        title: 'First',
        url: 'https://a.example',
        authorName: 'Harald Uebele',
        authorTwitter: 'harald_u',
        authorBlog: 'https://haralduebele.github.io',
      },
    ]);
    const { status, body } = await getArticles(webApi);
    expect(status).toBe(502);
    expect(body).toMatchObject({ error: 'upstream_invalid_response' });
  });

  it.each([
    ['not JSON', 'not json'],
    ['an object instead of a list', '{"articles":[]}'],
    ['an article without authorName', '[{"id":"1","title":"t","url":"u"}]'],
  ])('answers 502 upstream_invalid_response when articles sends %s', async (_case, payload) => {
    const upstream = await startUpstream((res) =>
      res.setHeader('content-type', 'application/json').end(payload),
    );
    const { status, body } = await getArticles(await startWebApi(upstream.url));
    expect(status).toBe(502);
    expect(body).toMatchObject({ error: 'upstream_invalid_response' });
  });

  it('answers 502 upstream_invalid_response to a response over 1 MiB', async () => {
    const upstream = await startUpstream((res) =>
      res.setHeader('content-type', 'application/json').end(`["${'x'.repeat(1_100_000)}"]`),
    );
    const { status, body } = await getArticles(await startWebApi(upstream.url));
    expect(status).toBe(502);
    expect(body).toMatchObject({ error: 'upstream_invalid_response' });
  });

  it('answers 502 upstream_unavailable when articles drops the connection mid-answer', async () => {
    const upstream = await startUpstream((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('[{"id":');
      res.socket?.destroy();
    });
    const { status, body } = await getArticles(await startWebApi(upstream.url));
    expect(status).toBe(502);
    expect(body).toMatchObject({ error: 'upstream_unavailable' });
  });

  it('recovers without a restart when articles comes back', async () => {
    let healthy = false;
    const upstream = await startUpstream((res) =>
      healthy
        ? res.setHeader('content-type', 'application/json').end('[]')
        : res.writeHead(503).end(),
    );
    const webApi = await startWebApi(upstream.url);
    expect((await getArticles(webApi)).status).toBe(502);
    healthy = true;
    expect((await getArticles(webApi)).status).toBe(200);
  });
});
