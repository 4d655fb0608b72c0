import { readFile } from 'node:fs/promises';
import {
  startServiceProcess,
  startTestIssuer,
  type ServiceProcess,
  type TestIssuer,
} from '@cns/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';

let idp: TestIssuer;
let webApi: ServiceProcess;
beforeAll(async () => {
  idp = await startTestIssuer();
  // The real main.ts with its own defaults: TRUSTED_PROXY_HOPS is not set, as in local.env.
  webApi = await startServiceProcess('web-api', {
    OIDC_ISSUER: idp.issuer,
    OIDC_JWKS_URI: idp.jwksUri,
    ARTICLES_URL: 'http://127.0.0.1:9',
    RATE_LIMIT_PER_SECOND: '1',
    RATE_LIMIT_BURST: '2',
  });
});
afterAll(async () => {
  await webApi.stop();
  await idp.close();
});

it('leaves TRUSTED_PROXY_HOPS at its default of 0 in the local settings', async () => {
  for (const app of ['web-api', 'articles']) {
    const localEnv = await readFile(
      new URL(`../../apps/${app}/local.env`, import.meta.url),
      'utf8',
    );
    expect(localEnv, app).not.toMatch(/^TRUSTED_PROXY_HOPS=/m);
  }
});

it('with 0 trusted hops, a client cannot escape the rate limit by spoofing X-Forwarded-For', async () => {
  const statuses: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const response = await fetch(`${webApi.url}/articles`, {
      headers: { 'x-forwarded-for': `192.0.2.${i}` },
    });
    statuses.push(response.status);
  }
  expect(statuses.slice(0, 2)).toEqual([401, 401]); // no token, inside the burst
  expect(statuses.slice(2)).toEqual([429, 429]); // one bucket: the connection's address
});
