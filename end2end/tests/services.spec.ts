import { execFileSync, spawnSync } from 'node:child_process';
import { expect, request, test } from '@playwright/test';
import { adminApi, baseURL, demoProject, readyUser, signIn, waitHydrated } from './helpers';

test('an operator stops a service and sees it stopped without reloading', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  await expect(page.getByTestId('live')).toHaveAttribute('data-state', 'live');

  const worker = page.locator(`[data-service="${demoProject}/worker"]`);
  const container = worker.locator('li.container').first();
  await expect(container).toHaveAttribute('data-state', 'running');

  // Navigations would reset this marker; it must survive the whole stop.
  await page.evaluate(() => ((window as any).__noReload = true));
  await worker.locator('.service-head ~ .buttons [data-action="stop"]').click();
  await expect(worker.getByTestId('confirm-stop')).toContainText(`Stop ${demoProject}/worker?`);
  await worker.locator('[data-action="confirm-stop"]').click();
  await expect(container).toHaveAttribute('data-state', 'exited', { timeout: 15_000 });
  await expect(worker.getByTestId('status').first()).toContainText('Exited (');
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);
  // The outcome is reported. (A browser on the Docker host itself may lose the answer:
  // Chromium drops its connections when container interfaces change; the page says so.)
  await expect(page.getByTestId('action-result')).toContainText(
    new RegExp(`Stopped ${demoProject}/worker|action goes on on the server`),
  );
  await expect(page.locator('.alert-error')).toHaveCount(0);
  // And the audit log has it, with who did it.
  const api = await adminApi();
  await expect
    .poll(async () => {
      const audit = await (await api.get(`/api/v1/audit?actor=${name}&action=service.stop`)).json();
      return audit.some((r: any) => r.target === `${demoProject}/worker` && r.outcome === 'ok');
    })
    .toBe(true);
  await api.dispose();

  // And back on, with one click (start needs no confirmation).
  await worker.locator('.service-head ~ .buttons [data-action="start"]').click();
  await expect(container).toHaveAttribute('data-state', 'running', { timeout: 15_000 });
  // The new container's network interface finishes IPv6 address setup a moment later, and
  // Chromium on this same host drops its open connections when it sees that
  // (ERR_NETWORK_CHANGED). Let it pass before the next test signs in.
  await page.waitForTimeout(3_000);
});

test('a viewer sees the services but no action buttons, and the API refuses with 403', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const web = page.locator(`[data-service="${demoProject}/web"]`);
  await expect(web.locator('li.container')).toHaveAttribute('data-state', 'running');
  await expect(page.locator('[data-action]')).toHaveCount(0);

  // Stats arrive while the page is open: a sparkline per running container.
  await expect(web.locator('svg.sparkline.mem')).toBeVisible({ timeout: 20_000 });

  const api = await request.newContext({ baseURL, ignoreHTTPSErrors: true, extraHTTPHeaders: { Origin: baseURL } });
  await api.post('/api/v1/session', { data: { username: name, password } });
  const r = await api.post(`/api/v1/projects/${demoProject}/services/web/stop`);
  expect(r.status()).toBe(403);
  expect((await r.json()).message).toContain('operator');
  await api.dispose();
});

test('a {host} link resolves to the host the browser used', async ({ page }) => {
  // Open bosun by another name for the same machine: the link follows it.
  const other = baseURL.replace('127.0.0.1', 'localhost');
  const [name, password] = await readyUser('viewer');
  await page.goto(`${other}/login`);
  await signIn(page, name, password, true);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto(`${other}/links`);
  const link = page.locator(`[data-link="Demo web"]`).filter({ hasText: `${demoProject}/web` });
  await expect(link.locator('a.link-title')).toHaveAttribute('href', /^http:\/\/localhost:\d+\/$/);
  await expect(link).toHaveAttribute('data-state', 'up');
  await expect(link).toContainText('HTTP 200');

  // The service card carries the same link.
  await page.goto(`${other}/`);
  const card = page.locator(`[data-service="${demoProject}/web"]`).getByTestId('service-link');
  await expect(card).toHaveAttribute('href', /^http:\/\/localhost:\d+\/$/);
});

test('the services page works on a phone', async ({ browser }) => {
  const [name, password] = await readyUser('operator');
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, ignoreHTTPSErrors: true, baseURL });
  const page = await context.newPage();
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const worker = page.locator(`[data-service="${demoProject}/worker"]`);
  await expect(worker).toBeVisible();
  // Nothing wider than the screen: no sideways scrolling.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expect(worker.locator('[data-action="restart"]').first()).toBeVisible();
  await context.close();
});

test('what needs attention is on top, live: a crashed container appears with a link to it, and leaves when removed', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const panel = page.getByTestId('attention');
  await expect(panel.getByTestId('counts')).toContainText(/\d+ projects · \d+ services · \d+ running/);

  // A container that exits with an error, started outside bosun while the page is open.
  const crashed = `bosun-e2e-crash-${Date.now()}`;
  const run = spawnSync('docker', ['run', '--name', crashed, '--label', 'bosun.e2e=attention', 'busybox:latest', 'sh', '-c', 'exit 3']);
  try {
    expect(run.status, String(run.stderr)).toBe(3);
    const item = panel.getByTestId('attention-item').filter({ hasText: `${crashed} exited with code 3` });
    await expect(item).toBeVisible({ timeout: 15_000 });
    await expect(item).toHaveAttribute('data-kind', 'container');
    const href = await item.locator('a').getAttribute('href');
    expect(href).toMatch(/^\/containers\/[0-9a-f]{64}$/);
    execFileSync('docker', ['rm', '-f', crashed]);
    await expect(item).toHaveCount(0, { timeout: 15_000 });
  } finally {
    try { execFileSync('docker', ['rm', '-f', crashed], { stdio: 'ignore' }); } catch { /* already gone */ }
  }
});
