import { execFileSync, spawnSync } from 'node:child_process';
import { expect, request, test } from '@playwright/test';
import { adminApi, baseURL, demoProject, openService, readyUser, serviceMenu, signIn, waitHydrated } from './helpers';

test('an operator stops a service and sees it stopped without reloading', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  await expect(page.getByTestId('live')).toHaveAttribute('data-state', 'live');

  const worker = await openService(page, `${demoProject}/worker`);
  const container = worker.locator('li.container').first();
  await expect(container).toHaveAttribute('data-state', 'running');
  // A running service offers Restart and Stop, not Start.
  let menu = await serviceMenu(page, `${demoProject}/worker`);
  await expect(menu.locator('[data-action="restart"]')).toBeVisible();
  await expect(menu.locator('[data-action="start"]')).toHaveCount(0);

  // Navigations would reset this marker; it must survive the whole stop.
  await page.evaluate(() => ((window as any).__noReload = true));
  await menu.locator('[data-action="stop"]').click();
  await expect(worker.getByTestId('confirm-stop')).toContainText(`Stop ${demoProject}/worker?`);
  await worker.locator('[data-action="confirm-stop"]').click();
  await expect(container).toHaveAttribute('data-state', 'exited', { timeout: 15_000 });
  await expect(worker.getByTestId('status').first()).toContainText('Exited (');
  await expect(worker).toHaveAttribute('data-condition', 'stopped');
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
  menu = await serviceMenu(page, `${demoProject}/worker`);
  await expect(menu.locator('[data-action="stop"]')).toHaveCount(0);
  await menu.locator('[data-action="start"]').click();
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
  const web = await openService(page, `${demoProject}/web`);
  await expect(web.locator('li.container')).toHaveAttribute('data-state', 'running');
  await expect(page.locator('[data-action]')).toHaveCount(0);
  await expect(page.locator('[data-toggle="menu"]')).toHaveCount(0);

  // Stats arrive while the page is open: a sparkline per running container.
  await expect(web.locator('svg.sparkline.mem').first()).toBeVisible({ timeout: 20_000 });

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
  const menu = await serviceMenu(page, `${demoProject}/worker`);
  await expect(menu.locator('[data-action="restart"]')).toBeVisible();
  // The open menu stays on the screen.
  const box = await menu.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
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

test('the filter narrows the table to a container; `/` focuses it and the URL keeps it', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const container = execFileSync('docker', [
    'ps', '--filter', `label=com.docker.compose.project=${demoProject}`,
    '--filter', 'label=com.docker.compose.service=worker', '--format', '{{.Names}}',
  ]).toString().trim().split('\n')[0];
  expect(container).toContain('worker');

  const worker = page.locator(`[data-service="${demoProject}/worker"]`);
  const web = page.locator(`[data-service="${demoProject}/web"]`);
  await expect(web).toBeVisible();
  await page.keyboard.press('/');
  const filter = page.getByTestId('service-filter');
  await expect(filter).toBeFocused();
  await page.keyboard.type(container);
  await expect(worker).toBeVisible();
  await expect(web).toHaveCount(0);
  await expect(page).toHaveURL(new RegExp(`\\?q=${container}$`));

  // A reload (or a shared link) shows the same narrowed table, from the server's first answer.
  await page.reload();
  await expect(page.getByTestId('service-filter')).toHaveValue(container);
  await expect(page.locator(`[data-service="${demoProject}/web"]`)).toHaveCount(0);
  await expect(page.locator(`[data-service="${demoProject}/worker"]`)).toBeVisible();

  await waitHydrated(page);
  await page.getByTestId('service-filter').fill('no-such-service-anywhere');
  await expect(page.getByTestId('filter-empty')).toContainText('no-such-service-anywhere');
  await page.locator('[data-action="clear-filter"]').click();
  await expect(page.locator(`[data-service="${demoProject}/web"]`)).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
});

test('a project folds to its header and stays folded after a reload; rows show live charts', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const card = page.locator(`[data-project="${demoProject}"]`);
  const web = card.locator(`[data-service="${demoProject}/web"]`);

  // Each running service's row draws CPU and memory with a real line and the current value.
  const cpu = web.locator('.svc-cpu svg.sparkline');
  await expect(cpu).toBeVisible({ timeout: 20_000 });
  await expect(cpu.locator('polyline')).toHaveAttribute('points', /\d+\.\d,\d+\.\d/);
  await expect(web.locator('.svc-mem .value')).toHaveText(/\d+(\.\d)? (B|KiB|MiB|GiB)/);
  await expect(cpu.locator('title')).toContainText('CPU now');
  const size = await cpu.boundingBox();
  expect(size!.width).toBeGreaterThanOrEqual(96);
  expect(size!.height).toBeGreaterThanOrEqual(24);

  const fold = card.locator('[data-toggle="project"]');
  await fold.click();
  await expect(fold).toHaveAttribute('aria-expanded', 'false');
  await expect(web).toHaveCount(0);
  await page.reload();
  await waitHydrated(page);
  await expect(page.locator(`[data-project="${demoProject}"] [data-toggle="project"]`)).toHaveAttribute('aria-expanded', 'false');
  await expect(page.locator(`[data-service="${demoProject}/web"]`)).toHaveCount(0);
  await page.locator(`[data-project="${demoProject}"] [data-toggle="project"]`).click();
  await expect(page.locator(`[data-service="${demoProject}/web"]`)).toBeVisible();
});

test('the table is dense: a project takes little height on a desktop and fits on a phone', async ({ browser }) => {
  const [name, password] = await readyUser('viewer');
  for (const [width, height, perRow, card] of [[1280, 800, 44, 300], [390, 844, 110, 720]]) {
    const context = await browser.newContext({ viewport: { width, height }, ignoreHTTPSErrors: true, baseURL });
    const page = await context.newPage();
    await signIn(page, name, password);
    await expect(page.getByTestId('current-user')).toHaveText(name);
    await page.goto('/');
    await waitHydrated(page);
    const project = page.locator(`[data-project="${demoProject}"]`);
    const rows = project.locator('.svc-row');
    await expect(rows).toHaveCount(4);
    const heights = await rows.evaluateAll((all) => all.map((r) => r.getBoundingClientRect().height));
    const total = (await project.boundingBox())!.height;
    const page_ = await page.evaluate(() => document.body.scrollHeight);
    console.log(`${width}px: rows ${heights.map(Math.round).join(', ')} px; project ${Math.round(total)} px; page ${page_} px`);
    // Six such rows and the header stay within the budget.
    for (const h of heights) expect(h).toBeLessThanOrEqual(perRow);
    expect(total - heights.reduce((a, b) => a + b, 0) + 6 * Math.max(...heights)).toBeLessThanOrEqual(card);
    await context.close();
  }
});

test('an opened row charts its service over the last hour, with samples from before the page opened', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  const opened = Math.floor(Date.now() / 1000);
  await page.goto('/');
  await waitHydrated(page);
  const web = await openService(page, `${demoProject}/web`);
  const history = web.getByTestId('history');
  const memory = history.locator('figure.chart.mem');
  await expect(memory).toBeVisible({ timeout: 15_000 });
  // bosun kept sampling while nobody looked (every 2 s in this test run).
  const first = Number(await memory.getAttribute('data-first-at'));
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThan(opened);
  expect(Number(await memory.getAttribute('data-samples'))).toBeGreaterThanOrEqual(3);
  await expect(memory.locator('polyline')).toHaveAttribute('points', /\d+\.\d,\d+\.\d \d+\.\d,\d+\.\d/);
  await expect(memory.locator('figcaption')).toContainText(/now \d+(\.\d)? (B|KiB|MiB)/);
  await expect(history.locator('figure.chart.cpu')).toBeVisible();

  // The pointer reads a sample off the chart.
  const svg = memory.locator('svg');
  // The pointer only reaches what is on screen: a taller page (an attention list) pushes the
  // chart below the fold.
  await svg.scrollIntoViewIfNeeded();
  const box = (await svg.boundingBox())!;
  await page.mouse.move(box.x + 10, box.y + 10);
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
  await expect(memory.getByTestId('chart-readout')).toHaveText(/^\d{2}:\d{2}: \d+(\.\d)? (B|KiB|MiB)$/);

  // Another range reads again and says which one is shown.
  await history.locator('[data-range="24h"]').click();
  await expect(history.locator('[data-range="24h"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(history.locator('figure.chart.mem')).toBeVisible();
});
