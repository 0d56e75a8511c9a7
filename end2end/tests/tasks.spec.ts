import { expect, test } from '@playwright/test';
import { adminApi, demoProject, readyUser, serviceMenu, signIn, waitHydrated } from './helpers';

// The demo stack's worker declares two tasks (end2end/stacks/demo/docker-compose.yaml):
// `count` (exec: a line a second, a warning on stderr, exit 3) and `greet` (run: a one-off
// container that echoes its parameter).

test('an operator runs a task from the service card and watches its lines arrive live', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  await expect(page.getByTestId('live')).toHaveAttribute('data-state', 'live');

  const menu = await serviceMenu(page, `${demoProject}/worker`);
  await menu.getByTestId('service-tasks').locator('[data-task="count"]').click();
  const dialog = page.getByTestId('task-dialog');
  await expect(dialog).toContainText(`Count to five — ${demoProject}/worker`);
  await expect(dialog.getByTestId('task-command')).toContainText('tick-$i');
  await dialog.locator('[data-action="run-task"]').click();

  const panel = dialog.getByTestId('run-panel');
  const output = panel.getByTestId('run-output');
  // The first lines show while the task is still running: they arrive live.
  await expect(output).toContainText('tick-1', { timeout: 10_000 });
  await expect(panel).toHaveAttribute('data-status', 'running');
  await expect(output).not.toContainText('tick-5');
  await expect(panel.getByTestId('run-status')).toHaveText('running');
  // Then the end: the exit code, stderr set apart, who ran it, the exact argument list.
  await expect(panel).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  await expect(output).toContainText('tick-5');
  await expect(panel.getByTestId('run-exit-code')).toHaveText('3');
  await expect(output.locator('.out-stderr')).toContainText('done-counting');
  await expect(output.locator('.out-stdout').first()).not.toContainText('done-counting');
  await expect(panel.getByTestId('run-by')).toContainText(name);
  await expect(panel.getByTestId('run-argv')).toContainText('["sh","-c","for i in 1 2 3 4 5;');
  await dialog.locator('[data-action="close-task"]').click();
  await expect(dialog).toHaveCount(0);

  const api = await adminApi();
  await expect
    .poll(async () => {
      const audit = await (await api.get(`/api/v1/audit?actor=${name}&action=task.run`)).json();
      return audit.some((r: any) => r.target.startsWith(`${demoProject}/worker count #`) && r.outcome === 'failed');
    })
    .toBe(true);
  await api.dispose();
});

test('at phone width the task dialog fits and shows the run to its exit code', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);

  const menu = await serviceMenu(page, `${demoProject}/worker`);
  const button = menu.getByTestId('service-tasks').locator('[data-task="count"]');
  await button.scrollIntoViewIfNeeded();
  await button.click();
  const dialog = page.getByTestId('task-dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('[data-action="run-task"]').click();
  const panel = dialog.getByTestId('run-panel');
  await expect(panel.getByTestId('run-output')).toContainText('tick-1', { timeout: 10_000 });
  await expect(panel).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  await expect(panel.getByTestId('run-exit-code')).toHaveText('3');
  await expect(panel.getByTestId('run-exit-code')).toBeInViewport();
  // Nothing sticks out sideways: the dialog and the page keep to the screen's width.
  const box = await dialog.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(390);
});

test('the Tasks page runs a task with a parameter in a one-off container and keeps its history', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/tasks');
  await waitHydrated(page);

  const greet = page.locator(`[data-task="${demoProject}/worker/greet"]`);
  await greet.locator('[data-action="open-task"]').click();
  const dialog = page.getByTestId('task-dialog');
  // A value that fails the pattern is refused, naming the parameter.
  await dialog.locator('[data-param="name"]').fill('Ada; rm -rf /');
  await dialog.locator('[data-action="run-task"]').click();
  await expect(dialog.locator('.alert-error')).toContainText('name');
  await dialog.locator('[data-param="name"]').fill('Ada Lovelace');
  await dialog.locator('[data-action="run-task"]').click();
  const panel = dialog.getByTestId('run-panel');
  await expect(panel).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  await expect(panel.getByTestId('run-output')).toHaveText('hello, Ada Lovelace\n');
  await expect(panel.getByTestId('run-exit-code')).toHaveText('0');
  await expect(panel).toContainText(`${demoProject}_worker_run_`);
  await dialog.locator('[data-action="close-task"]').click();

  await greet.locator('[data-action="task-history"]').click();
  await expect(page.getByTestId('history-title')).toContainText('History of greet');
  const row = page.getByTestId('task-history').locator('tr[data-status="succeeded"]').first();
  await expect(row).toContainText(name);
  await row.locator('[data-action="open-run"]').click();
  await expect(page.getByTestId('run-panel').getByTestId('run-output')).toHaveText('hello, Ada Lovelace\n');
});

test('a viewer has no task buttons and no Tasks page', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const worker = page.locator(`[data-service="${demoProject}/worker"]`);
  await expect(worker).toBeVisible();
  await expect(worker.locator('[data-toggle="menu"]')).toHaveCount(0);
  await expect(page.getByTestId('service-tasks')).toHaveCount(0);
  await expect(page.getByTestId('nav').getByRole('link', { name: 'Tasks', exact: true })).toHaveCount(0);
  const r = await page.goto('/tasks');
  expect(r?.status()).toBe(403);
});
