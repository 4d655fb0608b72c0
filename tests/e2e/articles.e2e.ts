import { fileURLToPath } from 'node:url';
import { identityProvider, loginPage } from './identity-provider.ts';
import { WEB_APP } from './stack.ts';
import { claimsOf, expect, expectArticles, logInAs, test } from './fixtures.ts';

const SCREENSHOT = fileURLToPath(
  new URL('../../docs/images/web-app-articles.png', import.meta.url),
);

test.describe(`logging in through ${identityProvider.name}`, () => {
  test('starts the authorization code flow with PKCE S256 and the app’s exact redirect URI', async ({
    page,
  }) => {
    const authorization = page.waitForRequest((request) =>
      request.url().startsWith(`${identityProvider.issuer}/protocol/openid-connect/auth?`),
    );
    await page.goto('/');
    const query = new URL((await authorization).url()).searchParams;
    expect(query.get('response_type')).toBe('code');
    expect(query.get('client_id')).toBe('frontend');
    expect(query.get('redirect_uri')).toBe(`${WEB_APP}/`);
    expect(query.get('code_challenge_method')).toBe('S256');
    expect(query.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    // config.json's scope: forward mode needs articles in the token's audience.
    expect(query.get('scope')?.split(' ').sort()).toEqual(['articles-audience', 'openid']);
    await loginPage.expectShown(page);
  });

  test('with the config.json of exchange mode (no scope), its token names web-api alone', async ({
    page,
    articlesCalls,
    consoleWatch,
  }) => {
    await page.route('**/config.json', async (route) => {
      const response = await route.fetch();
      const config = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...config, scope: '' } });
    });
    // This stack's web-api forwards the token, so articles refuses it on its audience: 401.
    consoleWatch.allow(/status of 401 \(Unauthorized\) at http:\/\/localhost:5173\/articles$/);
    const authorization = page.waitForRequest((request) =>
      request.url().startsWith(`${identityProvider.issuer}/protocol/openid-connect/auth?`),
    );
    await logInAs(page, 'alice');
    expect(new URL((await authorization).url()).searchParams.get('scope')).toBe('openid');
    await expect.poll(() => articlesCalls.tokens.length).toBeGreaterThan(0);
    expect(claimsOf(articlesCalls.tokens[0] ?? '').aud).toBe('web-api');
  });

  test('alice sees ten articles with their authors, her name and her role', async ({
    page,
    articlesCalls,
  }) => {
    await logInAs(page, 'alice');
    await expect(page).toHaveURL(`${WEB_APP}/`);
    await expect(page.getByTestId('user-name')).toHaveText('Alice Demo');
    await expect(page.getByTestId('user-roles')).toContainText('user');

    const rows = await expectArticles(page, 10);
    await expect(rows.first().getByRole('link').first()).toHaveText(
      'Blue Cloud Mirror — (Don’t) Open The Doors!',
    );
    for (const row of await rows.all()) {
      const [title, author, twitter, blog] = await row.locator('td').all();
      await expect(title!.getByRole('link')).toHaveAttribute('href', /^https?:\/\//);
      await expect(author!).toHaveText(/^(Harald Uebele|Niklas Heidloff)$/);
      await expect(twitter!.getByRole('link')).toHaveAttribute('href', /^https:\/\/twitter\.com\//);
      await expect(blog!.getByRole('link')).toHaveAttribute('href', /^https?:\/\//);
    }

    const token = articlesCalls.tokens[0] ?? '';
    expect(claimsOf(token).aud).toEqual(expect.arrayContaining(['web-api', 'articles']));
    expect(await page.content(), 'the page shows no raw token').not.toContain(token);
    await page.screenshot({ path: SCREENSHOT, fullPage: true, animations: 'disabled' });
  });

  test('guest, who lacks the role user, is told so instead of seeing a bare 403', async ({
    page,
    consoleWatch,
  }) => {
    consoleWatch.allow(/status of 403 \(Forbidden\) at http:\/\/localhost:5173\/articles$/);
    await logInAs(page, 'guest');
    await expect(page.getByTestId('user-roles')).toHaveText('no realm roles');
    const problem = page.getByRole('alert');
    await expect(problem).toContainText('Access denied: you lack the user role.');
    await expect(problem).toContainText('HTTP 403 · insufficient_scope');
    await expect(page.getByRole('table')).toHaveCount(0);
  });

  test('a wrong password shows the IdP’s error, and the right one then gets in', async ({
    page,
  }) => {
    await logInAs(page, 'alice', 'not-alices-password');
    await loginPage.expectInvalidCredentials(page);
    await loginPage.logIn(page, 'alice');
    await expectArticles(page, 10);
  });
});
