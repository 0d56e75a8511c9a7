import { expect, request, test } from '@playwright/test';
import { adminApi, baseURL, demoProject, openService, readyUser, serviceMenu, signIn, waitHydrated } from './helpers';

test('an operator scales a service to 3 and sees the containers appear live', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  await expect(page.getByTestId('live')).toHaveAttribute('data-state', 'live');

  const web = await openService(page, `${demoProject}/web`);
  await expect(web.locator('li.container')).toHaveCount(1);
  await page.evaluate(() => ((window as any).__noReload = true));
  // Scaling opens inline, from the actions menu.
  await (await serviceMenu(page, `${demoProject}/web`)).locator('[data-action="open-scale"]').click();

  // The plan is shown before anything happens.
  await web.getByTestId('replicas').fill('3');
  await web.locator('[data-action="scale"]').click();
  await expect(web.getByTestId('scale-plan')).toContainText(`Scale ${demoProject}/web to 3: create 2: #2, #3.`);
  await web.locator('[data-action="confirm-scale"]').click();

  // Three containers, arriving over the live stream, all running.
  await expect(web.locator('li.container')).toHaveCount(3, { timeout: 30_000 });
  for (const n of [1, 2, 3]) {
    await expect(web.locator('li.container').nth(n - 1)).toHaveAttribute('data-state', 'running', { timeout: 15_000 });
    await expect(web.locator('li.container').nth(n - 1)).toContainText(`#${n}`);
  }
  await expect(web).toHaveAttribute('data-running', '3');
  await expect(page.getByTestId('action-result')).toContainText(
    new RegExp(`Scaled ${demoProject}/web to 3|action goes on on the server`),
  );
  expect(await page.evaluate(() => (window as any).__noReload)).toBe(true);

  // A fixed number beyond the maximum is refused in the page, before any request.
  await web.getByTestId('replicas').fill('500');
  await web.locator('[data-action="scale"]').click();
  await expect(web.getByTestId('scale-refused')).toContainText('At most 20 replicas');
  await web.getByRole('button', { name: 'OK' }).click();

  // Back to one: the plan removes the highest numbers first.
  await web.getByTestId('replicas').fill('1');
  await web.locator('[data-action="scale"]').click();
  await expect(web.getByTestId('scale-plan')).toContainText('remove 2: #3, #2');
  await web.locator('[data-action="confirm-scale"]').click();
  await expect(web.locator('li.container')).toHaveCount(1, { timeout: 30_000 });
  await expect(web.locator('li.container')).toContainText('#1');

  const api = await adminApi();
  await expect
    .poll(async () => {
      const audit = await (await api.get(`/api/v1/audit?actor=${name}&action=service.scale`)).json();
      return audit.filter((r: any) => r.target === `${demoProject}/web` && r.outcome === 'ok').length;
    })
    .toBe(2);
  await api.dispose();
  // Let Chromium's view of the host's network settle after interfaces went away.
  await page.waitForTimeout(3_000);
});

test('a viewer has no scale control and the API refuses with 403', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const web = await openService(page, `${demoProject}/web`);
  await expect(web.locator('li.container')).toHaveAttribute('data-state', 'running');
  await expect(page.getByTestId('scale')).toHaveCount(0);

  const api = await request.newContext({ baseURL, ignoreHTTPSErrors: true, extraHTTPHeaders: { Origin: baseURL } });
  await api.post('/api/v1/session', { data: { username: name, password } });
  const r = await api.post(`/api/v1/projects/${demoProject}/services/web/scale`, { data: { replicas: 3 } });
  expect(r.status()).toBe(403);
  await api.dispose();
});
