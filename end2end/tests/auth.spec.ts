import { expect, test } from '@playwright/test';
import { adminApi, adminPassword, createUser, expectMenuToggles, readyUser, signIn, waitHydrated } from './helpers';

test('an admin signs in through the form and sees the whole shell', async ({ page }) => {
  await page.goto('/users');
  await expect(page).toHaveURL(/\/login\?next=%2Fusers|\/login\?next=\/users/);
  await signIn(page, 'admin', adminPassword, true);
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  const nav = page.getByTestId('nav');
  for (const item of ['Services', 'Logs', 'Backups', 'Certificates', 'Links', 'Audit', 'Users', 'Account']) {
    await expect(nav.getByRole('link', { name: item, exact: true })).toBeVisible();
  }
  await expect(page.getByTestId('users-table')).toContainText('admin');
  // Client-side navigation reaches every page, Certificates included.
  await nav.getByRole('link', { name: 'Certificates', exact: true }).click();
  await expect(page.locator('[data-testid="cert"][data-id="bosun"]')).toBeVisible();
});

test('a wrong password shows an error and stays on the sign-in page', async ({ page }) => {
  await signIn(page, 'admin', 'definitely-not-it');
  await expect(page.getByTestId('login-error')).toContainText('Wrong user name or password');
  await expect(page).toHaveURL(/\/login/);
});

test('after a wrong password the sign-in page keeps where the user was going, and calls it no ended session', async ({ page }) => {
  await page.goto('/users');
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)users/);
  await waitHydrated(page);
  await signIn(page, 'admin', 'definitely-not-it', true);
  await expect(page.getByTestId('login-error')).toContainText('Wrong user name or password');
  await expect(page.getByTestId('login-error')).toContainText('Not signed in');
  await expect(page.getByTestId('expired')).toHaveCount(0);
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)users$/);
  // The right password then goes where the user was going.
  await signIn(page, 'admin', adminPassword, true);
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
});

test('signing out returns to the sign-in page and the session is gone', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await waitHydrated(page);
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=/);
});

test('a new viewer sets a password, then cannot reach Users', async ({ page }) => {
  const initial = 'first-passphrase-1';
  const chosen = 'second-passphrase-2';
  const name = await createUser('viewer', initial);

  const streams: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/events')) streams.push(r.url()); });
  await signIn(page, name, initial);
  // A password set by an admin must be replaced first.
  await expect(page).toHaveURL(/\/account$/);
  await waitHydrated(page);
  // Nothing live is opened before that (it would be refused), so no banner claims live
  // updates are interrupted.
  await expect(page.getByText('Set a new one below before using bosun')).toBeVisible();
  expect(streams).toEqual([]);
  await expect(page.getByText('Live updates from bosun are interrupted')).toHaveCount(0);
  await page.getByLabel('Current password').fill(initial);
  await page.getByLabel('New password', { exact: true }).fill(chosen);
  await page.getByLabel('Repeat new password').fill(chosen);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/login\?changed=1/);

  await signIn(page, name, chosen);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  const nav = page.getByTestId('nav');
  await expect(nav.getByRole('link', { name: 'Services', exact: true })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Audit', exact: true })).toHaveCount(0);

  const response = await page.goto('/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('alert')).toContainText('needs the admin role');
  await expect(page.getByTestId('users-table')).toHaveCount(0);
});

test('the shell works on a phone once hydrated', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  const nav = page.getByTestId('nav');
  await expect(nav).toBeHidden();
  await expectMenuToggles(page);
  await expect(nav).toBeVisible();
  await nav.getByRole('link', { name: 'Audit', exact: true }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(nav).toBeHidden();
  await expect(page.getByTestId('audit-table')).toContainText('session.login');
  // Nothing overflows sideways on a phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test('after signing out everywhere, the next page says the session ended', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.goto('/account');
  await waitHydrated(page);
  await page.getByTestId('logout-all').click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/audit');
  await expect(page).toHaveURL(/\/login\?next=%2Faudit&expired=1|\/login\?next=\/audit&expired=1/);
  await expect(page.getByTestId('expired')).toContainText('Your session has ended');
});

test('a user disabled while watching the live Services page is taken to the sign-in page', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  await expect(page.getByTestId('live')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });

  const api = await adminApi();
  const users = await (await api.get('/api/v1/users')).json();
  const id = users.find((u: any) => u.username === name).id;
  const r = await api.patch(`/api/v1/users/${id}`, { data: { disabled: true } });
  expect(r.status(), await r.text()).toBe(200);
  await api.dispose();

  // Nobody clicks anything: the open stream ends, and the page says why.
  await expect(page).toHaveURL(/\/login\?expired=1&next=(%2F|\/)$/, { timeout: 15_000 });
  await expect(page.getByTestId('expired')).toContainText('Your session has ended');
});
