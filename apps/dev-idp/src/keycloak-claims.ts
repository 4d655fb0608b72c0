import { errors } from 'oidc-provider';
import type { RealmClient, RealmUser } from './realm.ts';

/** Profile claims as Keycloak's default `profile` and `email` scopes map them. */
export function profileClaims(user: RealmUser): Record<string, unknown> {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return {
    email_verified: user.emailVerified,
    ...(name && { name }),
    preferred_username: user.username,
    ...(user.firstName && { given_name: user.firstName }),
    ...(user.lastName && { family_name: user.lastName }),
    ...(user.email && { email: user.email }),
  };
}

/**
 * The scopes of a `scope` parameter that change a token, as Keycloak reads it: `openid`, and the
 * client's optional scopes named. A default scope may be named too, and changes nothing. Any
 * other name makes the whole request invalid: Keycloak answers `invalid_scope`.
 */
export function requestedScopes(
  client: RealmClient | undefined,
  scope: string | undefined,
): { valid: true; names: string[] } | { valid: false } {
  const names = (scope ?? '').split(' ').filter(Boolean);
  const clientScopes = client ? [...client.defaultScopes, ...client.optionalScopes] : [];
  const known = new Set(['openid', ...clientScopes.map((entry) => entry.name)]);
  if (!names.every((name) => known.has(name))) return { valid: false };
  const optional = new Set(client?.optionalScopes.map((entry) => entry.name));
  return { valid: true, names: names.filter((name) => name === 'openid' || optional.has(name)) };
}

/**
 * The scope oidc-provider keeps for a grant: the scopes asked for (see {@link requestedScopes}),
 * and `profile email`, its names for the claims an ID token may carry. The `scope` claim Keycloak
 * writes comes from the realm's scopes instead (see {@link keycloakAccessTokenClaims}).
 */
export function grantScope(requested: readonly string[]): string {
  return [...requested, 'profile', 'email'].join(' ');
}

/** Keycloak's answer to a `scope` parameter with a scope the client does not have. */
export const invalidScopeDescription = (scope: string) => `Invalid scopes: ${scope}`;

/**
 * {@link requestedScopes} for a grant at the token endpoint: the names, or Keycloak's
 * `invalid_scope` error.
 */
export function tokenRequestScopes(client: RealmClient | undefined, scope: string | undefined) {
  const requested = requestedScopes(client, scope);
  if (!requested.valid) {
    throw new errors.CustomOIDCProviderError('invalid_scope', invalidScopeDescription(scope ?? ''));
  }
  return requested.names;
}

/** What Keycloak puts into `aud`: the client's audiences and those of the optional scopes asked for. */
export function accessTokenAudiences(client: RealmClient, scopes: ReadonlySet<string>): string[] {
  const optional = client.optionalScopes.filter((scope) => scopes.has(scope.name));
  return [...new Set([...client.audiences, ...optional.flatMap((scope) => scope.audiences)])];
}

export interface AccessTokenContext {
  user: RealmUser;
  client: RealmClient;
  sid: string;
  /** `openid` and the optional scopes the client asked for (see {@link requestedScopes}). */
  scopes: ReadonlySet<string>;
}

/**
 * The claims Keycloak 26 adds to an access token, beyond `iss`, `sub`, `iat`, `exp` and `jti`:
 * the audiences of the client and its scopes, and the claims of the realm's default client
 * scopes (`acr`, `allowed-origins`, `realm_access`, the profile and email claims). Keycloak leaves
 * out `realm_access` when the user has no realm role; so do we.
 */
export function keycloakAccessTokenClaims({ user, client, sid, scopes }: AccessTokenContext) {
  const audiences = accessTokenAudiences(client, scopes);
  const optional = client.optionalScopes.filter((scope) => scopes.has(scope.name));
  const inTokenScope = [...client.defaultScopes, ...optional]
    .filter((scope) => scope.inTokenScope)
    .map((scope) => scope.name);
  const origins = client.webOrigins.filter((origin) => origin !== '*' && origin !== '+');
  return {
    ...(audiences.length > 0 && { aud: audiences.length === 1 ? audiences[0] : audiences }),
    typ: 'Bearer',
    azp: client.clientId,
    sid,
    acr: '1',
    // Keycloak leaves the claim out for a client without web origins, such as the labs' client.
    ...(origins.length > 0 && { 'allowed-origins': origins }),
    ...(user.realmRoles.length > 0 && { realm_access: { roles: [...user.realmRoles] } }),
    scope: [...(scopes.has('openid') ? ['openid'] : []), ...inTokenScope].join(' '),
    ...profileClaims(user),
  };
}
