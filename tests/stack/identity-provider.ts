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
  const keycloak = process.env.KEYCLOAK_ISSUER;
  const running = keycloak
    ? { issuer: keycloak, close: () => Promise.resolve() }
    : await startIdp();
  return {
    name: keycloak ? 'keycloak' : 'dev-idp',
    issuer: running.issuer,
    jwksUri: `${running.issuer}/protocol/openid-connect/certs`,
    tokenUrl: `${running.issuer}/protocol/openid-connect/token`,
    close: running.close,
  };
}

/** The labs' password grant: `curl -d username=… -d password=… -d grant_type=password -d client_id=frontend`. */
export function passwordGrant(idp: IdentityProvider, username: string, password = username) {
  return fetch(idp.tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({
      username,
      password,
      grant_type: 'password',
      client_id: 'frontend',
    }),
  });
}

export async function accessToken(idp: IdentityProvider, username: string): Promise<string> {
  const response = await passwordGrant(idp, username);
  if (response.status !== 200)
    throw new Error(`${username}: token endpoint answered ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
