import {
  decodePayload,
  startTestIssuer,
  withTamperedPayload,
  type TestIssuer,
} from '@cns/test-support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, TokenVerificationError, toAccessToken } from '../src/index.ts';
import { createVerifiedTokenCache } from '../src/verified-token-cache.ts';

let idp: TestIssuer;
beforeAll(async () => {
  idp = await startTestIssuer();
});
afterAll(() => idp.close());

/**
 * A verifier whose key set is stale a millisecond after each fetch, so that after
 * {@link aSecondLater} a full verification asks the IdP again. The clock is faked: on a fast machine
 * two verifications run within the same millisecond, and the keys would still count as fresh.
 */
const verifierThatAsksEveryTime = (verifiedTokenCacheSize?: number) =>
  createTokenVerifier({
    issuer: idp.issuer,
    jwksUri: idp.jwksUri,
    audience: 'articles',
    jwksCacheMaxAgeMs: 1,
    verifiedTokenCacheSize,
  });
const aSecondLater = () => vi.setSystemTime(Date.now() + 1000);

describe('the verified-token cache', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a repeated token without verifying it again', async () => {
    const verifier = verifierThatAsksEveryTime();
    const token = await idp.sign();
    const first = await verifier.verify(token);
    const before = idp.jwksRequests;
    for (let i = 0; i < 5; i++) {
      aSecondLater();
      expect(await verifier.verify(token)).toBe(first);
    }
    expect(idp.jwksRequests).toBe(before);
  });

  it('can be turned off', async () => {
    const verifier = verifierThatAsksEveryTime(0);
    const token = await idp.sign();
    await verifier.verify(token);
    const before = idp.jwksRequests;
    aSecondLater();
    await verifier.verify(token);
    expect(idp.jwksRequests).toBe(before + 1);
  });

  it('never answers for a token at or after its exp', async () => {
    const verifier = createTokenVerifier({
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      audience: 'articles',
      clockToleranceSeconds: 0,
    });
    const token = await idp.sign({}, { expiresInSeconds: 10 });
    await verifier.verify(token);
    vi.setSystemTime(Date.now() + 10_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'token_expired' });
  });

  it('keys on the exact token: a tampered copy of a cached token is verified, and refused', async () => {
    const verifier = createTokenVerifier({
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      audience: 'articles',
    });
    const token = await idp.sign({ realm_access: { roles: [] } });
    await verifier.verify(token);
    const forged = withTamperedPayload(token, {
      ...decodePayload(token),
      realm_access: { roles: ['user'] },
    });
    await expect(verifier.verify(forged)).rejects.toBeInstanceOf(TokenVerificationError);
  });

  it('keeps failures out, so garbage cannot fill it and a token can pass once keys arrive', async () => {
    const verifier = createTokenVerifier({
      issuer: idp.issuer,
      jwksUri: idp.jwksUri,
      audience: 'articles',
    });
    const token = await idp.sign();
    idp.setAvailable(false);
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'jwks_unavailable' });
    idp.setAvailable(true);
    expect((await verifier.verify(token)).username).toBe('alice');
  });

  it('holds at most maxEntries tokens, dropping the oldest first', () => {
    const cache = createVerifiedTokenCache(2, () => 0);
    const verified = toAccessToken({ sub: 's', exp: 100 });
    cache.set('a', verified);
    cache.set('b', verified);
    cache.set('c', verified);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBe(verified);
  });
});
