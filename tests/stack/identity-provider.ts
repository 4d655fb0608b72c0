import { startIdp } from '@cns/dev-idp/testing';

export interface IdentityProvider {
  name: 'dev-idp' | 'keycloak';
  issuer: string;
  jwksUri: string;
  tokenUrl: string;
  close(): Promise<void>;
}

/**
 * The IdP the suite runs against: the Keycloak named by `KEYCLOAK_ISSUER` (see
 * `pnpm test:keycloak`), or else a development IdP started for the suite.
 */
export async function identityProvider(): Promise<IdentityProvider> {
  return runningKeycloak() ?? (await startDevelopmentIdp());
}

/** The Keycloak named by `KEYCLOAK_ISSUER`, if there is one; closing it leaves it running. */
export function runningKeycloak(): IdentityProvider | undefined {
  const issuer = process.env.KEYCLOAK_ISSUER;
  return issuer ? describeIdp('keycloak', issuer, () => Promise.resolve()) : undefined;
}

/** A development IdP with the repository's realm on a free port, for this suite only. */
export async function startDevelopmentIdp(): Promise<IdentityProvider> {
  const { issuer, close } = await startIdp();
  return describeIdp('dev-idp', issuer, close);
}

function describeIdp(
  name: IdentityProvider['name'],
  issuer: string,
  close: () => Promise<void>,
): IdentityProvider {
  return {
    name,
    issuer,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    tokenUrl: `${issuer}/protocol/openid-connect/token`,
    close,
  };
}

/** The labs' password grant: `curl -d username=… -d password=… -d grant_type=password -d client_id=frontend`. */
export function passwordGrant(
  idp: IdentityProvider,
  username: string,
  password = username,
  extra: Record<string, string> = {},
) {
  return fetch(idp.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      username,
      password,
      grant_type: 'password',
      client_id: 'frontend',
      ...extra,
    }),
  });
}

export async function accessToken(idp: IdentityProvider, username: string): Promise<string> {
  const response = await passwordGrant(idp, username);
  if (response.status !== 200)
    throw new Error(`${username}: token endpoint answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
