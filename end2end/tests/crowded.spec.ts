// A crowded host: more service rows than the page should draw at once. Projects start folded
// to their headers (counts and trouble still shown), the filter still finds any service, and
// what the user opens or folds is remembered by the browser.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { demoProject, readyUser, signIn, waitHydrated } from './helpers';

const run = promisify(execFile);
const SERVICES = 125; // past the page's budget of 120 rows

function removeCrowd(label: string) {
  const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`]).toString().split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) {
    execFileSync('docker', ['rm', '-f', ...ids.slice(i, i + 50)], { stdio: 'ignore' });
  }
}

test('on a crowded host projects start folded; the filter finds a service; opening is remembered', async ({ page }) => {
  test.setTimeout(120_000);
  const project = `bosun-e2e-crowd-${Date.now()}`;
  const label = `bosun.e2e=${project}`;
  try {
    // One container per service, created and not started, eight at a time.
    const names = Array.from({ length: SERVICES }, (_, i) => `svc${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 8) {
      await Promise.all(names.slice(i, i + 8).map((service) => run('docker', [
        'create', '--name', `${project}_${service}_1`, '--label', label,
        '--label', `com.docker.compose.project=${project}`, '--label', `com.docker.compose.service=${service}`,
        '--label', 'com.docker.compose.container-number=1', '--label', 'com.docker.compose.oneoff=False',
        'busybox:latest', 'sleep', '3600',
      ])));
    }

    const [name, password] = await readyUser('viewer');
    await signIn(page, name, password);
    await expect(page.getByTestId('current-user')).toHaveText(name);
    await page.goto('/');
    await waitHydrated(page);
    const card = page.locator(`[data-project="${project}"]`);
    const toggle = card.locator('[data-toggle="project"]');
    const demo = page.locator(`[data-project="${demoProject}"] [data-toggle="project"]`);
    const rows = page.locator(`[data-service^="${project}/"]`);

    // Every project folded, with its counts; the page says why and how to open them.
    await expect(card.locator('.count')).toHaveText(`0/${SERVICES} running`, { timeout: 15_000 });
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(demo).toHaveAttribute('aria-expanded', 'false');
    await expect(rows).toHaveCount(0);
    await expect(page.getByTestId('fold-note')).toContainText('services on this host: projects start folded');

    // The filter looks into folded projects.
    await page.getByTestId('service-filter').fill('svc007');
    await expect(page.locator(`[data-service="${project}/svc007"]`)).toBeVisible();
    await expect(rows).toHaveCount(1);
    await page.locator('[data-action="clear-filter"]').click();
    await expect(rows).toHaveCount(0);

    // Opened by hand: all its rows, and still open after a reload; the others stay folded.
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(rows).toHaveCount(SERVICES);
    await page.reload();
    await waitHydrated(page);
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(rows).toHaveCount(SERVICES);
    await expect(demo).toHaveAttribute('aria-expanded', 'false');

    // "Fold all", then "Open all" for the rest of the host.
    await page.locator('[data-action="fold-all"]').click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(rows).toHaveCount(0);
    await page.locator('[data-action="open-all"]').click();
    await expect(demo).toHaveAttribute('aria-expanded', 'true');
    await expect(page.locator(`[data-service="${demoProject}/web"]`)).toBeVisible();

    // The crowd leaves: the page is no longer crowded, live, without a reload.
    removeCrowd(label);
    await expect(card).toHaveCount(0, { timeout: 20_000 });
    await expect(page.getByTestId('fold-note')).toHaveCount(0);
  } finally {
    removeCrowd(label);
  }
});
