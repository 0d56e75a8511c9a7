import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { adminPassword, demoProject, openService, readyUser, signIn, waitHydrated } from './helpers';

/** Command lines of the processes in a container, from the engine. */
function processes(container: string): string {
  return execFileSync('docker', ['top', container, '-eo', 'pid,args'], { encoding: 'utf8' });
}

test('an admin opens a terminal, runs a command, resizes it, and closing the tab ends its processes', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.goto('/');
  await waitHydrated(page);
  await (await openService(page, `${demoProject}/db`)).getByTestId('details-link').first().click();
  await expect(page).toHaveURL(/\/containers\/[^/]+$/);
  const container = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
  await page.locator('[data-action="terminal"]').click();
  await expect(page).toHaveURL(/\/terminal$/);
  const box = page.locator('#terminal');
  await expect(box).toHaveAttribute('data-ready', 'true');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await expect(page.locator('#terminal-status')).toContainText('Connected', { timeout: 15_000 });
  await expect(page.locator('#terminal-status')).toContainText('/bin/bash');

  const screen = page.locator('.xterm-rows');
  /** The terminal's rows that read exactly `text`. */
  const row = (text: string) => screen.locator(':scope > div').filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) });
  await page.keyboard.type('echo $((6*7))');
  await page.keyboard.press('Enter');
  await expect(row('42')).toHaveCount(1);

  // A smaller window: the terminal refits, and the shell sees the new size.
  const before = await box.getAttribute('data-cols');
  await page.setViewportSize({ width: 640, height: 520 });
  await expect(box).not.toHaveAttribute('data-cols', before ?? '');
  const cols = await box.getAttribute('data-cols');
  const rows = await box.getAttribute('data-rows');
  await page.keyboard.type('clear; stty size');
  await page.keyboard.press('Enter');
  await expect(row(`${rows} ${cols}`)).toHaveCount(1);

  // Something still running when the tab closes: it must not outlive the terminal.
  await page.keyboard.type('sleep 4242');
  await page.keyboard.press('Enter');
  await expect.poll(() => processes(container)).toContain('sleep 4242');
  await page.close();
  await expect.poll(() => processes(container), { timeout: 20_000 }).not.toContain('sleep 4242');
});

test('a viewer gets no terminal: no link on the details page, and the page says why, on a phone too', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto('/');
  await waitHydrated(page);
  await (await openService(page, `${demoProject}/db`)).getByTestId('details-link').first().click();
  await expect(page.getByTestId('overview')).toBeVisible();
  await expect(page.locator('[data-action="terminal"]')).toHaveCount(0);
  await page.goto(page.url() + '/terminal');
  await expect(page.getByTestId('refusal')).toContainText('BOSUN_TERMINAL=admin');
  await expect(page.locator('#terminal')).toHaveCount(0);
});
