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

export interface AccessTokenContext {
  user: RealmUser;
  client: RealmClient;
  sid: string;
  /** Whether the client asked for `openid`; Keycloak then lists it in `scope`. */
  openid: boolean;
}

/**
 * The claims Keycloak 26 adds to an access token for a public client with audience mappers and the
 * default client scopes, beyond `iss`, `sub`, `iat`, `exp` and `jti`. Keycloak leaves out
 * `realm_access` when the user has no realm role; so do we.
 */
export function keycloakAccessTokenClaims({ user, client, sid, openid }: AccessTokenContext) {
  const audiences = client.audiences;
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
    scope: openid ? 'openid profile email' : 'profile email',
    ...profileClaims(user),
  };
}
