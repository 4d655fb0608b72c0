import { startTestIssuer, type TestIssuer } from '@cns/test-support';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startChain, type Chain } from './chain.ts';

let idp: TestIssuer;
let chain: Chain;
beforeEach(async () => {
  idp = await startTestIssuer();
});
afterEach(async () => {
  await chain.close();
  await idp.close();
});

async function getMany(token: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await chain.get(token)).status);
  return statuses;
}

it('keeps serving valid tokens from the cached keys while the IdP is down, and recovers without a restart', async () => {
  chain = await startChain(idp);
  const token = await idp.sign();
  expect(await getMany(token, 5)).toEqual(Array(5).fill(200)); // warm-up: keys fetched
  const fetchedBefore = idp.jwksRequests;

  await idp.stop();
  expect(await getMany(token, 200)).toEqual(Array(200).fill(200));
  for (const url of [chain.webApi.managementUrl, chain.articles.managementUrl]) {
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
  }

  await idp.restart();
  expect(await getMany(await idp.sign(), 5)).toEqual(Array(5).fill(200));
  expect(idp.jwksRequests).toBe(fetchedBefore); // the cache was enough: nothing to refetch
});

it('keeps serving when the cached keys are due for a refresh during the outage (stale-if-error)', async () => {
  // A key set that is always "due" makes every request try the IdP, as after 10 minutes in production.
  chain = await startChain(idp, { jwksCacheMaxAgeMs: 1 });
  const token = await idp.sign();
  expect((await chain.get(token)).status).toBe(200);

  await idp.stop();
  expect(await getMany(token, 50)).toEqual(Array(50).fill(200));

  await idp.restart();
  const before = idp.jwksRequests;
  expect((await chain.get(await idp.sign())).status).toBe(200);
  expect(idp.jwksRequests).toBeGreaterThan(before); // back to fetching fresh keys by itself
});

it('answers 503 jwks_unavailable, not 401, when the IdP was never reachable', async () => {
  chain = await startChain(idp);
  const token = await idp.sign();
  await idp.stop();
  const response = await chain.get(token);
  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ error: 'jwks_unavailable' });
  await idp.restart();
  expect((await chain.get(token)).status).toBe(200);
});
