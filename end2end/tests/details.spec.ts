import { expect, test } from '@playwright/test';
import { adminPassword, demoProject, openService, readyUser, signIn, waitHydrated } from './helpers';

test('a viewer opens a container from Services and sees its details, with the password hidden', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const db = await openService(page, `${demoProject}/db`);
  await db.getByTestId('details-link').first().click();
  await expect(page).toHaveURL(/\/containers\//);
  await expect(page.getByTestId('overview')).toContainText('bosun-demo/postgres:15');
  const secret = page.locator('[data-var="POSTGRES_PASSWORD"]');
  await expect(secret.getByTestId('hidden')).toBeVisible();
  await expect(page.getByTestId('env')).not.toContainText('demo-secret');
  await expect(page.locator('[data-var="POSTGRES_DB"]')).toContainText('demo');
  await expect(page.getByTestId('mounts')).toContainText('/var/lib/postgresql/data');
  // Revealing is for admins: no button here.
  await expect(secret.locator('[data-action="reveal"]')).toHaveCount(0);
  // The details page works at phone width too.
  await page.setViewportSize({ width: 390, height: 800 });
  await expect(page.getByTestId('env')).toBeVisible();
});

test('an admin reveals one hidden value, and only on asking', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.goto('/');
  await waitHydrated(page);
  const db = await openService(page, `${demoProject}/db`);
  await db.getByTestId('details-link').first().click();
  await waitHydrated(page);
  const secret = page.locator('[data-var="POSTGRES_PASSWORD"]');
  await expect(page.getByTestId('env')).not.toContainText('demo-secret');
  await secret.locator('[data-action="reveal"]').click();
  await expect(secret.getByTestId('revealed')).toHaveText('demo-secret');
});

test('a viewer opens the compose file a project came from, its password hidden', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const card = page.locator(`[data-project="${demoProject}"]`);
  await card.locator('[data-toggle="compose"]').click();
  const text = card.getByTestId('compose-text');
  await expect(text).toContainText('POSTGRES_PASSWORD: ••••••');
  await expect(text).toContainText('POSTGRES_DB: demo');
  await expect(card.getByTestId('compose-files')).not.toContainText('demo-secret');
});
