import { identityProvider, loginPage } from './identity-provider.ts';
import { claimsOf, expect, expectArticles, logInAs, test } from './fixtures.ts';
import { WEB_API } from './stack.ts';

const TOKEN_ENDPOINT = `${identityProvider.issuer}/protocol/openid-connect/token`;

test.describe('the session', () => {
  test('after the access token expired, reloading the articles refreshes it first', async ({
    page,
    request,
    articlesCalls,
  }) => {
    test.setTimeout(150_000);
    const grants: string[] = [];
    page.on('request', (sent) => {
      if (sent.url() === TOKEN_ENDPOINT)
        grants.push(new URLSearchParams(sent.postData() ?? '').get('grant_type') ?? '');
    });
    await logInAs(page, 'alice');
    await expectArticles(page, 10);
    const [first = ''] = articlesCalls.tokens;
    const { iat, exp } = claimsOf(first) as { iat: number; exp: number };
    expect(exp - iat, 'access token lifespan (s)').toBeLessThanOrEqual(60);

    // Wait until web-api itself refuses the first token, so a reload can only work with a new one.
    const webApiStatus = async (token: string) =>
      (
        await request.get(`${WEB_API}/articles`, { headers: { authorization: `Bearer ${token}` } })
      ).status();
    await expect
      .poll(() => webApiStatus(first), { timeout: (exp - iat + 20) * 1000, intervals: [1000] })
      .toBe(401);

    await page.getByRole('button', { name: 'Reload' }).click();
    await expectArticles(page, 10);
    const latest = articlesCalls.tokens.at(-1) ?? '';
    expect(latest).not.toBe(first);
    expect(claimsOf(latest).exp).toBeGreaterThan(exp);
    expect(grants).toEqual(['authorization_code', 'refresh_token']);
  });

  test('logout ends the IdP session: a reload shows the login page, not the articles', async ({
    page,
  }) => {
    await logInAs(page, 'alice');
    await expectArticles(page, 10);
    const logout = page.waitForRequest(/\/protocol\/openid-connect\/logout$/);
    await page.getByRole('button', { name: 'Log out' }).click();
    // A form POST: the ID token (name, e-mail) stays out of the URL, browser history and proxy logs.
    expect((await logout).method()).toBe('POST');
    expect((await logout).postData()).toContain('id_token_hint=');
    await loginPage.expectShown(page);

    await page.goto('/');
    await loginPage.expectShown(page);
    await expect(page.locator('#username')).toHaveValue('');
  });

  test('keeps every token out of localStorage, sessionStorage and cookies of the app', async ({
    page,
  }) => {
    const tokenResponse = page.waitForResponse(TOKEN_ENDPOINT);
    await logInAs(page, 'alice');
    const body = (await (await tokenResponse).json()) as Record<string, string>;
    const issued = ['access_token', 'refresh_token', 'id_token'].map((name) => body[name] ?? '');
    expect(
      issued.every((token) => token.length > 0),
      'tokens issued at login',
    ).toBe(true);
    await expectArticles(page, 10);

    const stored = await page.evaluate(() => {
      const values = (storage: Storage) =>
        Object.keys(storage).map((key) => `${key}=${storage.getItem(key) ?? ''}`);
      return [...values(localStorage), ...values(sessionStorage), document.cookie];
    });
    for (const value of stored) {
      expect(value).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
      for (const token of issued) expect(value).not.toContain(token);
    }
  });
});
