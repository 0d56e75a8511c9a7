import { expect, request, test } from '@playwright/test';
import { adminPassword, baseURL, signIn, waitHydrated } from './helpers';

test('an admin adds a user, changes their role, and the audit log shows both', async ({ page }) => {
  const name = `ui-${Date.now().toString(36)}`;
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.goto('/users');
  await waitHydrated(page);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Initial password (the user must change it)').fill('initial-passphrase-9');
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByRole('button', { name: 'Add user' }).click();
  const row = page.locator(`tr[data-user="${name}"]`);
  await expect(row).toContainText('must change password');

  const saved = page.waitForResponse((r) => r.url().includes('/sfn/admin/update_user') && r.ok());
  await row.getByLabel(`Role of ${name}`).selectOption('operator');
  await saved;
  await page.goto(`/audit?actor=admin&action=user.`);
  const table = page.getByTestId('audit-table');
  await expect(table).toContainText(`user:${name} (role=operator)`);
  await expect(table).toContainText(`user:${name}`);
  await expect(table.locator('tr', { hasText: 'user.create' }).first()).toContainText('ok');
});

test('a token is shown once and works as a bearer token', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.goto('/account');
  await waitHydrated(page);
  const name = `e2e-${Date.now().toString(36)}`;
  await page.getByPlaceholder('Token name, e.g. ci-deploy').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('new-token').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^bsn_/);
  await expect(page.locator('table')).toContainText(name);

  const api = await request.newContext({ baseURL, ignoreHTTPSErrors: true });
  const me = await api.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).username).toBe('admin');

  // Revoking it in the page makes it stop working.
  await page.locator('tr', { hasText: name }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.locator('tr', { hasText: name })).toHaveCount(0);
  const after = await api.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  await api.dispose();
});
