import { expect, type Page } from '@playwright/test';
import { runningKeycloak } from '@cns/test-support';

/**
 * Everything the browser tests know about the identity provider. By default the suite starts the
 * development IdP; with `KEYCLOAK_ISSUER` set (e.g. `http://localhost:8080/auth/realms/quarkus`) it
 * uses that Keycloak, already running with the repository's realm imported.
 */
const LOCAL = { keycloakUrl: 'http://localhost:8080/auth', realm: 'quarkus' };
const LOCAL_ISSUER = `${LOCAL.keycloakUrl}/realms/${LOCAL.realm}`;
const keycloak = runningKeycloak();
const issuer = keycloak?.issuer ?? LOCAL_ISSUER;

export const identityProvider = {
  name: keycloak ? 'Keycloak' : 'dev-idp',
  /** Whether the suite starts the development IdP itself. */
  startedBySuite: !keycloak,
  issuer,
  /** Whether the web-app and the services need other settings than their local defaults. */
  isLocalDefault: issuer === LOCAL_ISSUER,
  keycloakUrl: keycloak?.keycloakUrl ?? LOCAL.keycloakUrl,
  realm: keycloak?.realm ?? LOCAL.realm,
  /** Short-lived access tokens, so the refresh test passes an expiry quickly; Keycloak's are 60 s. */
  devIdpAccessTokenLifespan: 15,
};

// Keycloak 26's login theme and dev-idp's look-alike share these ids and this message.
const INVALID_CREDENTIALS = 'Invalid username or password.';

/** The identity provider's login form. */
export const loginPage = {
  async expectShown(page: Page) {
    await expect(page).toHaveURL((url) => url.href.startsWith(issuer));
    await expect(page.locator('#kc-login')).toBeVisible();
  },
  async logIn(page: Page, username: string, password = username) {
    await loginPage.expectShown(page);
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await page.locator('#kc-login').click();
  },
  async expectInvalidCredentials(page: Page) {
    await loginPage.expectShown(page);
    await expect(page.locator('#input-error-username')).toContainText(INVALID_CREDENTIALS);
  },
};
