import type { AccessToken } from './access-token.ts';

/**
 * Remembers tokens that passed verification, so a client sending the same token again is not
 * verified again. Bounded (oldest entries go first), keyed by the exact token string, and an entry
 * is never used at or after the token's `exp`. Only successes are kept: a failure may become a
 * success (not yet valid, keys not fetched yet), and caching failures would let garbage fill it.
 * Authorization (roles) is not cached: it runs on the cached token every time.
 */
export interface VerifiedTokenCache {
  get(token: string): AccessToken | undefined;
  set(token: string, verified: AccessToken): void;
  readonly size: number;
}

export function createVerifiedTokenCache(
  maxEntries: number,
  now: () => number = Date.now,
): VerifiedTokenCache {
  const entries = new Map<string, AccessToken>();
  return {
    get(token) {
      const verified = entries.get(token);
      if (verified === undefined) return undefined;
      if (verified.expiresAt * 1000 <= now()) {
        entries.delete(token);
        return undefined;
      }
      return verified;
    },
    set(token, verified) {
      if (maxEntries === 0) return;
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(token, verified);
    },
    get size() {
      return entries.size;
    },
  };
}
