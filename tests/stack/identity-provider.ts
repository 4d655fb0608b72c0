import { startIdp } from '@cns/dev-idp/testing';
import { passwordGrant } from '@cns/test-support';

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

export async function accessToken(idp: IdentityProvider, username: string): Promise<string> {
  const response = await passwordGrant(idp.tokenUrl, username);
  if (response.status !== 200)
    throw new Error(`${username}: token endpoint answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
