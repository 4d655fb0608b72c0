import { expect, type Page } from '@playwright/test';

/**
 * Everything the browser tests know about the identity provider. By default the suite starts the
 * development IdP; with `KEYCLOAK_ISSUER` set (e.g. `http://localhost:8080/auth/realms/quarkus`) it
 * uses that Keycloak, already running with the repository's realm imported.
 */
const LOCAL_ISSUER = 'http://localhost:8080/auth/realms/quarkus';
const keycloakIssuer = process.env.KEYCLOAK_ISSUER?.replace(/\/+$/, '');
const issuer = keycloakIssuer ?? LOCAL_ISSUER;
const [keycloakUrl = '', realm = ''] = issuer.split('/realms/');
if (!keycloakUrl || !realm) {
  throw new Error(`KEYCLOAK_ISSUER must look like <keycloak URL>/realms/<realm>, got ${issuer}`);
}

export const identityProvider = {
  name: keycloakIssuer ? 'Keycloak' : 'dev-idp',
  /** Whether the suite starts the development IdP itself. */
  startedBySuite: !keycloakIssuer,
  issuer,
  /** Whether the web-app and the services need other settings than their local defaults. */
  isLocalDefault: issuer === LOCAL_ISSUER,
  keycloakUrl,
  realm,
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
