import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { Page, expect, test } from '@playwright/test';
import { demoProject, readyUser, signIn, waitHydrated } from './helpers';

/** Every page an admin reaches from the menu, and a container's page. */
const pages = ['/', '/tasks', '/logs', '/backups', '/certificates', '/links', '/audit', '/users', '/settings', '/account'];

// The phone is looked at in the dark theme (the system's choice), the desktop in the light one.
const sizes = [
  { name: 'desktop', width: 1280, height: 900, scheme: 'light' as const },
  { name: 'phone', width: 390, height: 844, scheme: 'dark' as const },
];

/** The demo stack's web container, found by its compose labels. */
function webContainer(): string {
  const out = execFileSync('docker', [
    'ps', '-q',
    '--filter', `label=com.docker.compose.project=${demoProject}`,
    '--filter', 'label=com.docker.compose.service=web',
  ]).toString().trim();
  expect(out, 'the demo stack runs a web container').not.toBe('');
  return out.split('\n')[0];
}

/** axe-core's serious and critical findings (WCAG 2.1 A and AA), as lines a person reads. */
async function problems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}: ${(v.nodes[0]?.failureSummary ?? '').replace(/\s+/g, ' ')}`);
}

/** How far the page scrolls sideways (0: it fits). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

for (const size of sizes) {
  test(`every page has no serious accessibility problem and fits a ${size.name} screen (${size.scheme} theme)`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.emulateMedia({ colorScheme: size.scheme });
    await page.goto('/login');
    expect(await problems(page), 'sign-in page').toEqual([]);
    expect(await overflow(page), 'sign-in page scrolls sideways').toBeLessThanOrEqual(0);

    const [name, password] = await readyUser('admin');
    await signIn(page, name, password);
    await expect(page.getByTestId('current-user')).toHaveText(name);
    // Every page is looked at before the verdict, so one run names every problem.
    const found: string[] = [];
    for (const path of [...pages, `/containers/${webContainer()}`]) {
      await page.goto(path);
      await waitHydrated(page);
      await expect(page.locator('.loading')).toHaveCount(0);
      found.push(...(await problems(page)).map((p) => `${path}: ${p}`));
      const wide = await overflow(page);
      if (wide > 0) found.push(`${path}: scrolls ${wide} px sideways`);
    }
    expect(found, `at ${size.width} px`).toEqual([]);
  });
}

test('the console can be added to a phone home screen: a web app manifest and an icon', async ({ page }) => {
  await page.goto('/login');
  const manifest = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(manifest).toBe('/manifest.webmanifest');
  const r = await page.request.get(manifest!);
  expect(r.status()).toBe(200);
  const m = await r.json();
  expect(m.name).toBe('bosun');
  expect(m.display).toBe('standalone');
  const icon = await page.request.get(m.icons[0].src);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
});

test('the theme switch picks light or dark over the system, and the choice stays', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await waitHydrated(page);
  const html = page.locator('html');
  const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const light = await background();
  const theme = page.getByTestId('theme-switch');
  await expect(theme).toHaveAttribute('data-theme', 'system');
  await theme.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await theme.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(await background()).not.toBe(light);
  const cookies = await page.context().cookies();
  expect(cookies.map((c) => `${c.name}=${c.value}`)).toContain('bosun_theme=dark');
  // The server renders the next page dark straight away, from the cookie.
  const response = await page.goto('/links');
  expect(await response!.text()).toContain('data-theme="dark"');
  expect(await background()).not.toBe(light);
  // Back to the system's choice (light here).
  await waitHydrated(page);
  await page.getByTestId('theme-switch').click();
  await expect(html).toHaveAttribute('data-theme', 'system');
  expect(await background()).toBe(light);
});
