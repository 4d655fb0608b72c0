import { randomBytes } from 'node:crypto';
import { startIdp } from '@cns/dev-idp/testing';
import { passwordGrant } from '@cns/test-support';

export interface IdentityProvider {
  name: 'dev-idp' | 'keycloak';
  issuer: string;
  jwksUri: string;
  tokenUrl: string;
  /**
   * The secret of the realm's confidential client web-api: generated for a development IdP; for
   * Keycloak the `WEB_API_CLIENT_SECRET` it imported the realm with (scripts/test-keycloak.sh).
   */
  webApiSecret: string;
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
  if (!issuer) return undefined;
  const secret = process.env.WEB_API_CLIENT_SECRET;
  if (!secret) throw new Error('KEYCLOAK_ISSUER needs WEB_API_CLIENT_SECRET, as Keycloak has it');
  return describeIdp('keycloak', issuer, secret, () => Promise.resolve());
}

/** A development IdP with the repository's realm on a free port, for this suite only. */
export async function startDevelopmentIdp(): Promise<IdentityProvider> {
  const secret = randomBytes(24).toString('base64url');
  const { issuer, close } = await startIdp({ variables: { WEB_API_CLIENT_SECRET: secret } });
  return describeIdp('dev-idp', issuer, secret, close);
}

function describeIdp(
  name: IdentityProvider['name'],
  issuer: string,
  webApiSecret: string,
  close: () => Promise<void>,
): IdentityProvider {
  return {
    name,
    issuer,
    webApiSecret,
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
