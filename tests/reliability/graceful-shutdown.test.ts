import { startServiceProcess, startTestIssuer, type TestIssuer } from '@cns/test-support';
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
