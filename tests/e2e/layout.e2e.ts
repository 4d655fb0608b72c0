import { expect, expectArticles, logInAs, test } from './fixtures.ts';

test.describe('on a phone, and by keyboard', () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test('fits the screen without sideways scrolling', async ({ page }) => {
    await logInAs(page, 'alice');
    await expectArticles(page, 10);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });

  test('reaches the skip link, then the reload and logout buttons, with the Tab key', async ({
    page,
  }) => {
    await logInAs(page, 'alice');
    await expectArticles(page, 10);
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to the articles' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Log out' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Reload' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expectArticles(page, 10);
  });
});
