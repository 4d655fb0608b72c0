import { createHmac, randomBytes, randomUUID } from 'node:crypto';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The fields of oidc-provider's RefreshToken model the id is built from. */
export interface RefreshTokenFields {
  accountId?: string;
  clientId?: string;
  sid?: string;
  scope?: string;
  expiration: number;
}

/**
 * keycloak-js decodes the refresh token as a JWT (Keycloak issues HS512 JWTs) and fails on an
 * opaque one. oidc-provider looks refresh tokens up by their value, so the value may be any unique
 * string: we make it a Keycloak-shaped JWT. Its signature is never checked; the lookup is the proof.
 */
export function createRefreshTokenIdFactory(issuer: string) {
  const secret = randomBytes(64);
  const kid = randomUUID();
  return (token: RefreshTokenFields): string => {
    const iat = Math.floor(Date.now() / 1000);
    const header = encode({ alg: 'HS512', typ: 'JWT', kid });
    const payload = encode({
      exp: iat + token.expiration,
      iat,
      jti: randomUUID(),
      iss: issuer,
      aud: issuer,
      sub: token.accountId,
      typ: 'Refresh',
      azp: token.clientId,
      sid: token.sid,
      scope: token.scope,
    });
    const signature = createHmac('sha512', secret)
      .update(`${header}.${payload}`)
      .digest('base64url');
    return `${header}.${payload}.${signature}`;
  };
}
