import Keycloak from 'keycloak-js';
import { shallowRef } from 'vue';
import type { RuntimeConfig } from '../config/runtime-config.ts';
import { accessTokenClaims } from './access-token-claims.ts';
import { IdentityProviderUnavailableError, SessionExpiredError, type Session } from './session.ts';
import { withinMs } from './within-ms.ts';

/**
 * Refresh when the token has less than this left: enough for web-api to verify it and relay it to
 * articles (5 s clock tolerance there), and well inside the realm's 60 s lifespan.
 */
const MIN_VALIDITY_SECONDS = 10;

/** keycloak-js sets no deadline on a refresh; without one a hanging Keycloak hangs the page. */
const REFRESH_TIMEOUT_MS = 10_000;

/**
 * Logs the user in with keycloak-js (authorization code flow with PKCE S256) and resolves once a
 * session exists; without one, the browser goes to the login page instead.
 */
export async function startSession(config: RuntimeConfig): Promise<Session> {
  const keycloak = new Keycloak({
    url: config.keycloakUrl,
    realm: config.realm,
    clientId: config.clientId,
  });
  // The realm lists exact redirect URIs: the app's root, never the current deep link.
  const redirectUri = `${window.location.origin}/`;
  await keycloak.init({
    onLoad: 'login-required',
    pkceMethod: 'S256',
    redirectUri,
    // keycloak-js adds openid; the config may ask for articles in the audience (forward mode).
    scope: config.scope,
    // The login-status iframe needs third-party cookies, which browsers block.
    checkLoginIframe: false,
    // The ID token travels in a form body instead of the URL, out of history and access logs.
    logoutMethod: 'POST',
  });

  const parsed = () => accessTokenClaims(keycloak.tokenParsed ?? {});
  const claims = shallowRef(parsed());
  keycloak.onAuthRefreshSuccess = () => {
    claims.value = parsed();
  };

  return {
    claims,
    async accessToken() {
      try {
        await withinMs(keycloak.updateToken(MIN_VALIDITY_SECONDS), REFRESH_TIMEOUT_MS);
      } catch {
        // keycloak-js drops the tokens when Keycloak refuses the refresh: the session is over.
        // Tokens still held mean Keycloak did not answer, and a retry may succeed.
        if (keycloak.token) {
          throw new IdentityProviderUnavailableError('Keycloak did not answer the token refresh');
        }
        throw new SessionExpiredError('the identity provider did not refresh the session');
      }
      if (!keycloak.token) throw new SessionExpiredError('no access token');
      return keycloak.token;
    },
    login: () => keycloak.login({ redirectUri }),
    logout: () => keycloak.logout({ redirectUri }),
  };
}
