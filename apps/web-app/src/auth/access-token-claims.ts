/** The access-token claims the web-app shows; Keycloak puts them in every token of this realm. */
export interface AccessTokenClaims {
  iss: string;
  aud: string[];
  sub: string;
  azp: string;
  sid: string;
  scope: string;
  preferredUsername: string;
  name: string;
  realmRoles: string[];
  /** Seconds since the epoch. */
  iat: number;
  /** Seconds since the epoch. */
  exp: number;
  /** Every claim as decoded, for the token panel. */
  all: Readonly<Record<string, unknown>>;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const number = (value: unknown): number => (typeof value === 'number' ? value : 0);
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];

/**
 * Reads the decoded payload keycloak-js exposes. Missing claims become empty values: the UI shows
 * what is there, and the services decide what is valid.
 */
export function accessTokenClaims(payload: Readonly<Record<string, unknown>>): AccessTokenClaims {
  const realmAccess = payload.realm_access as { roles?: unknown } | undefined;
  return {
    iss: text(payload.iss),
    aud: typeof payload.aud === 'string' ? [payload.aud] : texts(payload.aud),
    sub: text(payload.sub),
    azp: text(payload.azp),
    sid: text(payload.sid),
    scope: text(payload.scope),
    preferredUsername: text(payload.preferred_username),
    name: text(payload.name),
    realmRoles: texts(realmAccess?.roles),
    iat: number(payload.iat),
    exp: number(payload.exp),
    all: payload,
  };
}
