import { expect, test, type Page } from '@playwright/test';
import { adminPassword, signIn, waitHydrated } from './helpers';

// Every page is a lazy route: a cold load downloads the app's core and the code of the page it
// opens, and another page's code only when that page is opened. The bundle's files come from
// one directory named by their digest, which browsers keep for good.

/** The wasm files the page has asked for so far, by name, with their Cache-Control. */
function wasmRequests(page: Page): Map<string, string> {
  const seen = new Map<string, string>();
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.endsWith('.wasm')) seen.set(url.pathname, r.headers()['cache-control'] ?? '');
  });
  return seen;
}

// The split points (frontend/src/routes.rs): the sign-in page, the Services page, the others.
const pageCode = (seen: Map<string, string>, route: 'login' | 'services' | 'other') =>
  [...seen.keys()].some((p) => p.includes(`/split_${route}_page_`));

test('a page downloads its own code, and another page its code only when it opens', async ({ page }) => {
  const seen = wasmRequests(page);
  await page.goto('/login');
  await waitHydrated(page);
  expect(pageCode(seen, 'login'), [...seen.keys()].join('\n')).toBe(true);
  expect(pageCode(seen, 'services')).toBe(false);
  expect(pageCode(seen, 'other')).toBe(false);

  await signIn(page, 'admin', adminPassword, true);
  await expect(page).toHaveURL(/\/$/);
  await waitHydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Services' })).toBeVisible();
  expect(pageCode(seen, 'services')).toBe(true);
  expect(pageCode(seen, 'other')).toBe(false);

  // In-app navigation fetches the Logs page's code, and the page works.
  await page.getByTestId('nav').getByRole('link', { name: 'Logs' }).click();
  await expect(page).toHaveURL(/\/logs$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Logs' })).toBeVisible();
  await expect.poll(() => pageCode(seen, 'other')).toBe(true);

  // Every file of the bundle came from one digest-named directory, kept for good.
  const dirs = new Set([...seen.keys()].map((p) => p.split('/')[2]));
  expect([...dirs]).toHaveLength(1);
  expect([...dirs][0]).toMatch(/^[0-9a-f]{12}$/);
  for (const [path, cache] of seen) expect(cache, path).toContain('immutable');
});
