import { listen, type Listening } from '@cns/test-support';
import { Router } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLifecycle,
  createManagementApp,
  createMetrics,
  createServiceApp,
  HttpError,
  type ServiceAppOptions,
} from '../src/index.ts';
import { logSink } from './log-sink.ts';

const started: Listening[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

function testRoutes() {
  const routes = Router();
  routes.get('/items/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  routes.get('/boom', () => {
    throw new Error('secret internal detail');
  });
  routes.get('/denied', () => {
    throw Object.assign(new HttpError(401, 'invalid_token', 'token expired'), {
      reason: 'token_expired',
    });
  });
  routes.get('/upstream', () => {
    throw new HttpError(504, 'upstream_timeout', 'too slow');
  });
  routes.get('/never', () => undefined); // answers only when the client has long gone
  return routes;
}

async function start(options: Partial<ServiceAppOptions> = {}) {
  const { logger, lines } = logSink();
  const lifecycle = createLifecycle();
  const metrics = createMetrics('test');
  const app = createServiceApp({
    service: 'test',
    logger,
    lifecycle,
    metrics,
    routes: testRoutes(),
    ...options,
  });
  const server = await listen(app);
  const management = await listen(createManagementApp({ logger, lifecycle, metrics }));
  started.push(server, management);
  return { url: server.url, managementUrl: management.url, lines };
}

describe('every response', () => {
  it.each([
    ['api', '/items/1'],
    ['api', '/nope'],
    ['api', '/boom'],
    ['management', '/health/live'],
    ['management', '/metrics'],
  ])('carries security headers and no x-powered-by: %s %s', async (port, path) => {
    const { url, managementUrl } = await start();
    const response = await fetch(`${port === 'api' ? url : managementUrl}${path}`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('gets a fresh request id when the caller sends a malformed one', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/items/1`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('errors', () => {
  it('answers an unexpected error with a bare 500 and logs it with the request id', async () => {
    const { url, lines } = await start();
    const response = await fetch(`${url}/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      error: 'internal_error',
      error_description: 'internal error',
    });
    expect(text).not.toContain('secret');
    expect(text).not.toContain('at ');
    const logged = lines.find((line) => line.msg === 'unhandled error');
    expect(logged).toMatchObject({
      requestId: response.headers.get('x-request-id'),
      level: 'error',
    });
  });

  it('answers a malformed path parameter with 400, not 500', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/items/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'bad_request',
      error_description: 'Bad Request',
    });
  });
});

describe('CORS', () => {
  it('sends no CORS headers when no origin is configured', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/items/1`, {
      headers: { origin: 'http://localhost:5173' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows configured origins only, with a preflight for the Authorization header', async () => {
    const { url } = await start({ corsAllowedOrigins: ['https://app.example'] });
    const preflight = await fetch(`${url}/items/1`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();

    const other = await fetch(`${url}/items/1`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('vary')).toContain('Origin');
  });
});

describe('limits', () => {
  it('refuses request bodies over 1 KiB with 413', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/items/1`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close'); // so the rest is never read
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers 429 with Retry-After past the burst, and never limits health checks', async () => {
    const { url, managementUrl } = await start({ rateLimit: { perSecond: 1, burst: 3 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${url}/items/1`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await fetch(`${url}/items/1`);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({
      error: 'rate_limited',
      error_description: 'too many requests; retry later',
    });
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${managementUrl}/health/ready`)).status).toBe(200);
    }
  });

  it('keys the limit on the connection, not on X-Forwarded-For, unless a proxy is trusted', async () => {
    const limit = { perSecond: 1, burst: 1 };
    const as = (url: string, client: string) =>
      fetch(`${url}/items/1`, { headers: { 'x-forwarded-for': client } }).then((r) => r.status);
    const direct = await start({ rateLimit: limit });
    expect([await as(direct.url, '192.0.2.1'), await as(direct.url, '192.0.2.2')]).toEqual([
      200, 429,
    ]); // a client cannot escape the limit by claiming another address

    const proxied = await start({ rateLimit: limit, trustedProxyHops: 1 });
    // The trusted proxy appends the address it saw; what the client wrote before it is not used.
    expect(await as(proxied.url, '192.0.2.1')).toBe(200);
    expect(await as(proxied.url, '192.0.2.2')).toBe(200);
    expect(await as(proxied.url, '198.51.100.7, 192.0.2.1')).toBe(429);
  });
});

describe('the management port', () => {
  it('serves health and metrics, which the API port does not', async () => {
    const { url, managementUrl } = await start();
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      expect((await fetch(`${managementUrl}${path}`)).status, path).toBe(200);
      const onApi = await fetch(`${url}${path}`);
      expect({ path, status: onApi.status }).toEqual({ path, status: 404 });
      expect(await onApi.json()).toMatchObject({ error: 'not_found' });
    }
  });

  it('answers readiness 503 once draining, and other spellings of its paths with 404', async () => {
    const lifecycle = createLifecycle();
    const { logger } = logSink();
    const management = await listen(
      createManagementApp({ logger, lifecycle, metrics: createMetrics('test') }),
    );
    started.push(management);
    lifecycle.drain();
    expect((await fetch(`${management.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${management.url}/health/live`)).status).toBe(200);
    for (const path of ['/METRICS', '/metrics/', '/Health/Ready', '/health/ready/']) {
      expect({ path, status: (await fetch(`${management.url}${path}`)).status }).toEqual({
        path,
        status: 404,
      });
    }
  });
});

describe('metrics', () => {
  it('logs and counts a request the client gave up on as 499', async () => {
    const { url, managementUrl, lines } = await start();
    await expect(fetch(`${url}/never`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    const deadline = Date.now() + 2_000;
    while (!lines.some((line) => line.msg === 'request') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines.find((line) => line.msg === 'request')).toMatchObject({
      path: '/never',
      status: 499,
    });
    expect(await (await fetch(`${managementUrl}/metrics`)).text()).toContain(
      'http_requests_total{method="GET",route="/never",status="499",service="test"} 1',
    );
  });

  it('counts requests by route pattern and status, auth failures by reason and upstream errors by code', async () => {
    const { url, managementUrl } = await start();
    await fetch(`${url}/items/1`);
    await fetch(`${url}/items/2`);
    await fetch(`${url}/nope`);
    await fetch(`${url}/denied`);
    await fetch(`${url}/upstream`);
    const text = await (await fetch(`${managementUrl}/metrics`)).text();
    expect(text).toContain(
      'http_requests_total{method="GET",route="/items/:id",status="200",service="test"} 2',
    );
    expect(text).toContain(
      'http_requests_total{method="GET",route="(unmatched)",status="404",service="test"} 1',
    );
    expect(text).toContain('auth_failures_total{reason="token_expired",service="test"} 1');
    expect(text).toContain('upstream_errors_total{code="upstream_timeout",service="test"} 1');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",service="test",method="GET",route="/items/:id",status="200"}',
    );
  });
});
