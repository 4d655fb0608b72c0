import type { JWTPayload } from 'jose';
import { TokenVerificationError } from './errors.ts';

/** The claims Keycloak puts in an access token that the services read. */
export interface KeycloakClaims extends JWTPayload {
  typ?: string;
  azp?: string;
  sid?: string;
  scope?: string;
  preferred_username?: string;
  realm_access?: { roles?: unknown };
}

/**
 * A verified access token, as handlers see it on `req.auth`. It holds no raw token: code that
 * needs to forward one reads the `Authorization` header it came in.
 */
export interface AccessToken {
  readonly subject: string;
  readonly username: string | undefined;
  /** Realm roles from `realm_access.roles`. */
  readonly roles: ReadonlySet<string>;
  /** Expiry, seconds since the epoch. */
  readonly expiresAt: number;
  readonly claims: Readonly<KeycloakClaims>;
}

/**
 * Builds the {@link AccessToken} view of a verified payload.
 *
 * @example
 * ```ts
 * toAccessToken({ sub: 'u1', exp: 1, realm_access: { roles: ['user'] } }).roles.has('user') // true
 * ```
 */
export function toAccessToken(claims: KeycloakClaims): AccessToken {
  return {
    subject: claims.sub ?? '',
    username: typeof claims.preferred_username === 'string' ? claims.preferred_username : undefined,
    roles: realmRoles(claims),
    expiresAt: claims.exp ?? 0,
    claims,
  };
}

/** Realm roles, ignoring anything in `realm_access.roles` that is not a string. */
export function realmRoles(claims: KeycloakClaims): ReadonlySet<string> {
  const roles = claims.realm_access?.roles;
  if (!Array.isArray(roles)) return new Set();
  return new Set(roles.filter((role): role is string => typeof role === 'string'));
}

/**
 * Keycloak marks the token kind in the payload (`typ`: `Bearer`, `ID`, `Refresh`; the JOSE header
 * says `JWT` for all of them) and names the client it was issued to in `azp`. Requiring both means
 * one mis-set audience mapper cannot make ID tokens or another client's tokens valid here.
 *
 * @throws TokenVerificationError `wrong_token_type` or `client_not_allowed`.
 */
export function checkAccessTokenClaims(
  claims: KeycloakClaims,
  authorizedParties: ReadonlySet<string>,
): void {
  if (claims.typ !== 'Bearer') {
    throw new TokenVerificationError('wrong_token_type', 'not an access token');
  }
  if (typeof claims.azp !== 'string' || !authorizedParties.has(claims.azp)) {
    throw new TokenVerificationError('client_not_allowed', 'token issued to a client not accepted');
  }
}
