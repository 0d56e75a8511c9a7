import { expect, test } from '@playwright/test';
import { adminPassword, expectMenuToggles, signIn, waitHydrated } from './helpers';

// bosun sends a Content-Security-Policy that allows only its own files and the one inline
// loader carrying the page's nonce. Every page must still hydrate under it, with no violation.
test('every page hydrates under the content security policy, with no violation', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/content security policy|refused to (execute|load|apply|connect)/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Refused to load by Content Security Policy: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const login = await page.goto('/login');
  expect(login?.headers()['content-security-policy']).toContain("'nonce-");
  // The sign-in page has no app shell: its form posting and redirecting is the proof it runs.
  await signIn(page, 'admin', adminPassword, true);
  await expect(page).toHaveURL(/\/$/);
  for (const path of ['/', '/logs', '/tasks', '/backups', '/certificates', '/links', '/audit', '/users', '/settings', '/account']) {
    await page.goto(path);
    await waitHydrated(page);
  }
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto('/');
  await expectMenuToggles(page);
  expect(violations).toEqual([]);
});
