import type { TestIssuer } from '@cns/test-support';

/** Distinct users in the many-users scenario: a few thousand, fewer than the token cache holds. */
export const USERS = 2_000;

/**
 * The traffic of many users: `USERS` distinct access tokens from the benchmark's issuer, handed out
 * in rotation, so each is used several times within its lifetime and its first use pays the
 * signature check in each service. One token replayed would be the verified-token cache's best case.
 */
export async function rotatingUserTokens(
  idp: TestIssuer,
  lifetimeSeconds: number,
): Promise<() => string> {
  const sign = async (index: number) => {
    const claims = { sub: `user-${index}`, preferred_username: `user${index}` };
    return `Bearer ${await idp.sign(claims, { expiresInSeconds: lifetimeSeconds })}`;
  };
  const headers = await Promise.all(Array.from({ length: USERS }, (_, index) => sign(index)));
  let next = 0;
  return () => headers[next++ % headers.length] as string;
}
