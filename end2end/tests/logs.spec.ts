import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { demoProject, readyUser, signIn, waitHydrated } from './helpers';

/** The demo worker prints whatever is in /tmp/say on its next tick (once a second). */
function say(text: string) {
  const id = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${demoProject}`, '--filter', 'label=com.docker.compose.service=worker'])
    .toString()
    .trim()
    .split('\n')[0];
  execFileSync('docker', ['exec', '-i', id, 'sh', '-c', 'cat > /tmp/say'], { input: `${text}\n` });
}

test('a line written to a container appears within 2 s, shown as text, never run', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  // From the Services page: each service has its Logs link.
  await page.goto('/');
  await waitHydrated(page);
  await page.locator(`[data-service="${demoProject}/worker"]`).getByTestId('service-logs').click();
  await expect(page).toHaveURL(new RegExp(`/logs\\?scope=s:${demoProject}/worker$`));
  await waitHydrated(page);
  await expect(page.getByTestId('log-state')).toHaveAttribute('data-state', 'live');
  const log = page.getByTestId('log');
  // Only the rows in sight are in the page: the first lines are there once scrolled to.
  await expect(log).toContainText('worker tick');
  await log.evaluate((el) => { el.scrollTop = 0; });
  await expect(log).toContainText('demo-worker started (stdout)');
  await expect(log.locator('.log-line.stderr').first()).toBeVisible();
  // Back to the newest lines, followed again.
  await page.getByTestId('bottom').click();

  let ran = false;
  page.on('dialog', async (d) => { ran = true; await d.dismiss(); });
  const hostile = `<script>alert('x')</script><img src=x onerror="alert('y')"> e2e-${Date.now()}`;
  const written = Date.now();
  say(hostile);
  const line = log.locator('.log-line', { hasText: hostile });
  await expect(line).toBeVisible({ timeout: 3_000 });
  // Within a second of the worker printing it (the worker prints on its next tick, ≤ 1 s).
  expect(Date.now() - written).toBeLessThan(2_000 + 1_000);
  await expect(line.locator('.src')).toHaveText('worker.1');
  await expect(log.locator('script')).toHaveCount(0);
  await expect(log.locator('img')).toHaveCount(0);
  expect(ran).toBe(false);
});

test('the filter hides other lines and highlights matches; a bad regex says what to fix', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto(`/logs?scope=p:${demoProject}&grep=STARTED&tail=5000`);
  const log = page.getByTestId('log');
  await expect(log).toContainText('demo-worker started (stdout)');
  await expect(log).not.toContainText('worker tick');
  await expect(log.locator('mark').first()).toHaveText('started');

  await page.goto(`/logs?scope=p:${demoProject}&grep=(oops&regex=true`);
  await expect(page.locator('.alert-error')).toContainText('regular expression');
  await expect(page.getByTestId('log')).toHaveCount(0);
});

test('pause keeps the view still; resume shows how many lines came meanwhile', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto(`/logs?scope=s:${demoProject}/worker`);
  await waitHydrated(page);
  await expect(page.getByTestId('log-state')).toHaveAttribute('data-state', 'live');
  await page.getByTestId('pause').click();
  const count = await page.getByTestId('line-count').textContent();
  // The worker writes two lines a second.
  await expect(page.getByTestId('resume')).toHaveText(/Resume \(([1-9]\d*) new\)/, { timeout: 5_000 });
  await page.waitForTimeout(1_000);
  expect(await page.getByTestId('line-count').textContent()).toBe(count);
  await page.getByTestId('resume').click();
  await expect(page.getByTestId('line-count')).not.toHaveText(count ?? '');
  await expect(page.getByTestId('pause')).toBeVisible();
  // Operators can download what they see.
  const download = page.waitForEvent('download');
  await page.getByTestId('download').click();
  expect((await download).suggestedFilename()).toMatch(/\.log$/);
});

test('the picker finds a service by typing, and offers the recent choice first next time', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/logs');
  await waitHydrated(page);
  const box = page.getByTestId('scope');
  await box.fill(`${demoProject} work`);
  const options = page.locator('#scope-options [role="option"]');
  await expect(options.first()).toHaveAttribute('data-value', `s:${demoProject}/worker`);
  await expect(page.locator(`#scope-options [data-value="s:${demoProject}/web"]`)).toHaveCount(0);
  // The keyboard chooses too.
  await box.press('ArrowDown');
  await box.press('ArrowUp');
  await box.press('Enter');
  await expect(box).toHaveValue(`${demoProject} / worker`);
  await page.getByTestId('show').click();
  await expect(page).toHaveURL(new RegExp(`/logs\\?scope=s%3A${demoProject}%2Fworker|/logs\\?scope=s:${demoProject}/worker`));
  await expect(page.getByTestId('log')).toContainText('worker tick', { timeout: 10_000 });

  // Back on the empty page: the list opens with that choice on top, marked recent.
  await page.goto('/logs');
  await waitHydrated(page);
  await page.getByTestId('scope').focus();
  const first = page.locator('#scope-options [role="option"]').first();
  await expect(first).toHaveAttribute('data-value', `s:${demoProject}/worker`);
  await expect(first).toContainText('recent');
});

test('a log of 10,000 lines keeps only the rows in sight in the page, newest at the bottom, oldest a scroll away', async ({ page }) => {
  test.setTimeout(120_000);
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  // A container of this test's own, removed at the end.
  const container = `bosun-e2e-flood-${process.pid}-${Date.now()}`;
  execFileSync('docker', ['run', '-d', '--name', container, '--label', 'bosun.e2e=flood', 'busybox:latest', 'sh', '-c',
    'i=0; while [ $i -lt 10000 ]; do i=$((i+1)); echo "flood line $i"; done; exec sleep 600']);
  try {
    // Written before the page opens: the history read brings all of it.
    await expect.poll(() => execFileSync('docker', ['logs', '--tail', '1', container]).toString().trim(), { timeout: 30_000 })
      .toBe('flood line 10000');
    await page.goto(`/logs?scope=c:${container}&tail=10000`);
    await waitHydrated(page);
    // All of it (a stream the browser had to reconnect reads the tail again: more, not fewer).
    await expect.poll(async () => Number.parseInt((await page.getByTestId('line-count').textContent()) ?? '0', 10), { timeout: 45_000 })
      .toBeGreaterThanOrEqual(10_000);
    const log = page.getByTestId('log');
    await expect(log.locator('.log-line .text', { hasText: /^flood line 10000$/ })).toBeVisible();
    const rows = () => log.locator('.log-line').count();
    expect(await rows()).toBeLessThan(200);
    // The scroll bar spans all of them; the oldest are drawn when scrolled to.
    await log.evaluate((el) => { el.scrollTop = 0; });
    await expect(log.locator('.log-line .text', { hasText: /^flood line 1$/ })).toBeVisible();
    expect(await rows()).toBeLessThan(200);
    await log.evaluate((el) => { el.scrollTop = el.scrollHeight / 2; });
    await expect(log.locator('.log-line .text', { hasText: /^flood line \d+$/ }).first()).toBeVisible();
    expect(await rows()).toBeLessThan(200);
  } finally {
    execFileSync('docker', ['rm', '-f', container]);
  }
});
