import { createSigningKey, startTestIssuer, type TestIssuer } from '@cns/test-support';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { startChain, type Chain } from './chain.ts';

let idp: TestIssuer;
let chain: Chain;
beforeEach(async () => {
  idp = await startTestIssuer();
  chain = await startChain(idp);
});
afterEach(async () => {
  vi.useRealTimers();
  await chain.close();
  await idp.close();
});

it('accepts tokens signed with a rotated key after one refetch per service, and old tokens until they expire', async () => {
  vi.useFakeTimers({ toFake: ['Date'] }); // jose's 30 s refetch cooldown reads Date.now()
  const oldToken = await idp.sign({}, { expiresInSeconds: 300 });
  expect((await chain.get(oldToken)).status).toBe(200);
  const fetched = idp.jwksRequests;
  expect(fetched).toBe(2); // one per service

  vi.setSystemTime(Date.now() + 31_000);
  await idp.rotateKey();
  const newToken = await idp.sign();
  for (let i = 0; i < 10; i++) expect((await chain.get(newToken)).status).toBe(200);
  expect(idp.jwksRequests - fetched).toBe(2); // one refetch per service, not per request
  expect((await chain.get(oldToken)).status).toBe(200); // the old key is still published
});

it('cannot be made to hammer the IdP with unknown key ids', async () => {
  expect((await chain.get(await idp.sign())).status).toBe(200);
  const fetched = idp.jwksRequests;
  const strangers = await Promise.all(Array.from({ length: 5 }, () => createSigningKey()));
  for (let round = 0; round < 20; round++) {
    for (const key of strangers)
      expect((await chain.get(await idp.sign({}, { key }))).status).toBe(401);
  }
  expect(idp.jwksRequests).toBe(fetched); // 100 unknown kids within the cooldown: no refetch
});
