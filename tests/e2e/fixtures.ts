import { test as base, expect, type Page } from '@playwright/test';
import { loginPage } from './identity-provider.ts';

export { expect };

export interface ConsoleWatch {
  /** Lets one kind of console error through, e.g. the browser's note on an expected 403. */
  allow(pattern: RegExp): void;
}

export interface ArticlesCalls {
  /** The access tokens the web-app sent to `/articles`, oldest first. */
  tokens: string[];
}

export const test = base.extend<{ consoleWatch: ConsoleWatch; articlesCalls: ArticlesCalls }>({
  // Every test fails on a console error or an uncaught exception it did not expect.
  consoleWatch: [
    async ({ page }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') {
          errors.push(`${message.text()} at ${message.location().url}`);
        }
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      await use({ allow: (pattern) => allowed.push(pattern) });
      const unexpected = errors.filter((error) => !allowed.some((pattern) => pattern.test(error)));
      expect(unexpected, 'console errors').toEqual([]);
    },
    { auto: true },
  ],
  articlesCalls: async ({ page }, use) => {
    const tokens: string[] = [];
    page.on('request', (request) => {
      const authorization = request.headers().authorization;
      if (new URL(request.url()).pathname === '/articles' && authorization) {
        tokens.push(authorization.replace(/^Bearer /, ''));
      }
    });
    await use({ tokens });
  },
});

/** Opens the web-app, which sends the browser to the IdP's login page, and logs in there. */
export async function logInAs(page: Page, username: string, password = username) {
  await page.goto('/');
  await loginPage.logIn(page, username, password);
}

/** The articles table once it has loaded. */
export async function expectArticles(page: Page, count: number) {
  const rows = page.getByRole('table').locator('tbody tr');
  await expect(rows).toHaveCount(count);
  return rows;
}

/** The claims of a JWT, read without verifying: for assertions only. */
export function claimsOf(token: string): Record<string, unknown> {
  const [, payload = ''] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
