import { listen, startServiceProcess, startTestIssuer, type TestIssuer } from '@cns/test-support';
import { Pool } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await startTestIssuer();
});
afterAll(() => idp.close());

it('on SIGTERM under load: readiness fails first, in-flight requests finish, no client sees a failure', async () => {
  const articles = await startServiceProcess('articles', {
    OIDC_ISSUER: idp.issuer,
    OIDC_JWKS_URI: idp.jwksUri,
    SHUTDOWN_DRAIN_DELAY_MS: '1000',
    RATE_LIMIT_PER_SECOND: '0',
  });
  const token = await idp.sign();
  const pool = new Pool(articles.url, { connections: 16 });
  const probes = new Pool(articles.managementUrl, { connections: 1 });
  let ready = true;
  let sawNotReady = false;
  const failures: string[] = [];
  let served = 0;

  // Like a load balancer: keep sending while the instance says it is ready, then stop.
  const worker = async () => {
    while (ready) {
      try {
        const { statusCode, body } = await pool.request({
          method: 'GET',
          path: '/articles',
          headers: { authorization: `Bearer ${token}` },
        });
        await body.dump();
        if (statusCode === 200) served++;
        else failures.push(`status ${statusCode}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  const probe = async () => {
    for (let i = 0; i < 200 && ready; i++) {
      const { statusCode, body } = await probes.request({ method: 'GET', path: '/health/ready' });
      await body.dump();
      if (statusCode === 503) {
        sawNotReady = true;
        ready = false;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const load = Promise.all([...Array.from({ length: 16 }, worker), probe()]);
  for (let i = 0; served < 200 && i < 1_000; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const exit = articles.stop('SIGTERM');
  await load;
  expect(await exit).toBe(0);
  await pool.close();
  await probes.close();

  expect(sawNotReady).toBe(true);
  expect(failures).toEqual([]);
  expect(served).toBeGreaterThan(200);
  const messages = articles.logs.map((entry) => entry.msg);
  expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('stopped'));
});

it('keeps answering readiness 503 on the management port until the last in-flight request is done', async () => {
  // An articles stand-in that holds its answer until released: web-api's request stays in flight.
  let release = () => {};
  let arrived = () => {};
  const held = new Promise<void>((resolve) => (arrived = resolve));
  const upstream = await listen((_req, res) => {
    arrived();
    release = () => {
      if (!res.headersSent) res.setHeader('content-type', 'application/json').end('[]');
    };
  });
  const webApi = await startServiceProcess('web-api', {
    OIDC_ISSUER: idp.issuer,
    OIDC_JWKS_URI: idp.jwksUri,
    ARTICLES_URL: upstream.url,
    ARTICLES_TIMEOUT_MS: '20000',
    SHUTDOWN_DRAIN_DELAY_MS: '100',
  });
  try {
    const inFlight = fetch(`${webApi.url}/articles`, {
      headers: { authorization: `Bearer ${await idp.sign()}` },
    });
    await held;
    const exit = webApi.stop('SIGTERM');
    // Once the API listener refuses new connections, its drain delay is over.
    let apiClosed = false;
    for (let i = 0; i < 200 && !apiClosed; i++) {
      apiClosed = await fetch(`${webApi.url}/articles`).then(
        () => false,
        () => true,
      );
      if (!apiClosed) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(apiClosed).toBe(true);
    expect((await fetch(`${webApi.managementUrl}/health/ready`)).status).toBe(503);
    release();
    expect((await inFlight).status).toBe(200);
    expect(await exit).toBe(0);
  } finally {
    release();
    await webApi.stop();
    await upstream.close();
  }
});
