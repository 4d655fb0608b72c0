import { ARTICLES_AUDIENCE_SCOPE, passwordGrant, type RelayMode } from './password-grant.ts';

/** An identity provider with the repository's realm: the development IdP or a real Keycloak. */
export interface IdentityProvider {
  name: 'dev-idp' | 'keycloak';
  /** e.g. `http://localhost:8080/auth/realms/quarkus` */
  issuer: string;
  /** The part of the issuer before `/realms/`, what keycloak-js calls `url`. */
  keycloakUrl: string;
  realm: string;
  jwksUri: string;
  tokenUrl: string;
  /** Stops a development IdP the suite started; leaves a Keycloak running. */
  close(): Promise<void>;
}

/**
 * The Keycloak named by `KEYCLOAK_ISSUER` (`pnpm test:keycloak` starts one and sets it), already
 * running with the repository's realm; `undefined` when the variable is not set.
 *
 * @throws Error when the variable does not look like `<Keycloak URL>/realms/<realm>`.
 */
export function runningKeycloak(
  env: Readonly<Record<string, string | undefined>> = process.env,
): IdentityProvider | undefined {
  const issuer = env.KEYCLOAK_ISSUER?.replace(/\/+$/, '');
  return issuer ? describeIdp('keycloak', issuer, () => Promise.resolve()) : undefined;
}

/**
 * Describes a development IdP the caller started, for instance with `startIdp()` from
 * `@cns/dev-idp/testing` (packages never import apps, so the caller passes it in).
 */
export function developmentIdp(started: {
  issuer: string;
  close: () => Promise<void>;
}): IdentityProvider {
  return describeIdp('dev-idp', started.issuer, started.close);
}

/**
 * The IdP a suite runs against: {@link runningKeycloak} when one is named, or else a development
 * IdP that `startDevIdp` starts for the suite.
 *
 * @example
 * ```ts
 * import { startIdp } from '@cns/dev-idp/testing'
 * const idp = await identityProvider(startIdp)
 * ```
 */
export async function identityProvider(
  startDevIdp: () => Promise<{ issuer: string; close: () => Promise<void> }>,
): Promise<IdentityProvider> {
  return runningKeycloak() ?? developmentIdp(await startDevIdp());
}

/**
 * An access token for `username` (password = username) from the labs' password grant, as
 * scripts/get-token.sh gets it for the relay mode: in forward mode (the default) it names both
 * APIs, in exchange mode web-api alone.
 */
export async function accessToken(
  idp: IdentityProvider,
  username: string,
  relayMode: RelayMode = 'forward',
): Promise<string> {
  const scope: Record<string, string> =
    relayMode === 'forward' ? { scope: ARTICLES_AUDIENCE_SCOPE } : {};
  const response = await passwordGrant(idp.tokenUrl, username, username, scope);
  if (response.status !== 200)
    throw new Error(`${username}: token endpoint answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

function describeIdp(
  name: IdentityProvider['name'],
  issuer: string,
  close: () => Promise<void>,
): IdentityProvider {
  const [keycloakUrl = '', realm = ''] = issuer.split('/realms/');
  if (!URL.canParse(issuer) || !keycloakUrl || !realm || realm.includes('/')) {
    throw new Error(`KEYCLOAK_ISSUER must look like <Keycloak URL>/realms/<realm>, got ${issuer}`);
  }
  return {
    name,
    issuer,
    keycloakUrl,
    realm,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    tokenUrl: `${issuer}/protocol/openid-connect/token`,
    close,
  };
}
