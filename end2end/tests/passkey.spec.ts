import { Browser, BrowserContext, CDPSession, Page, expect, test } from '@playwright/test';
import { adminApi, adminPassword, baseURL, readyUser, signIn, waitHydrated } from './helpers';

// Browsers refuse WebAuthn at a bare IP address, so these tests open bosun at `localhost`
// (the suite's own address is 127.0.0.1). The authenticator is Chromium's own virtual one,
// through DevTools: a platform authenticator with user verification, that keeps passkeys.
const byName = baseURL.replace('127.0.0.1', 'localhost');

type Device = { context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string };

async function withAuthenticator(browser: Browser): Promise<Device> {
  const context = await browser.newContext({ baseURL: byName, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page, cdp, authenticatorId };
}

async function addPasskey(page: Page, name: string) {
  await page.goto('/account');
  await waitHydrated(page);
  const card = page.getByTestId('passkeys');
  await card.getByTestId('passkey-name').fill(name);
  await card.getByTestId('passkey-add').click();
  await expect(card.getByTestId('passkey-added')).toContainText(`“${name}” added`);
  await expect(card.getByTestId('passkey-list')).toContainText(name);
  await expect(card.getByTestId('passkey-list')).toContainText('localhost');
}

async function auditFor(name: string): Promise<{ action: string; outcome: string; detail?: string }[]> {
  const api = await adminApi();
  const r = await api.get(`/api/v1/audit?actor=${encodeURIComponent(name)}&limit=100`);
  expect(r.status(), await r.text()).toBe(200);
  const entries = await r.json();
  await api.dispose();
  return entries;
}

test('a user adds a passkey on the Account page and then signs in with it alone', async ({ browser }) => {
  const [name, password] = await readyUser('operator');
  const { context, page, cdp, authenticatorId } = await withAuthenticator(browser);
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await addPasskey(page, 'Laptop');
  // The authenticator keeps it as a discoverable passkey: no user name is needed later.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);
  expect(credentials[0].rpId).toBe('localhost');

  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login/);
  await waitHydrated(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(name);
  const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(after[0].signCount).toBeGreaterThan(credentials[0].signCount);

  await page.goto('/account');
  await waitHydrated(page);
  const list = page.getByTestId('passkey-list');
  await expect(list.locator('tbody tr')).toHaveCount(1);
  await expect(list.locator('tbody tr td').nth(3)).not.toHaveText('never');

  const actions = (await auditFor(name)).map((e) => `${e.action} ${e.outcome} ${e.detail ?? ''}`.trim());
  expect(actions.some((a) => a.startsWith('user.passkey.add ok') && a.includes('Laptop'))).toBe(true);
  expect(actions.some((a) => a.startsWith('session.login ok with a passkey'))).toBe(true);
  await context.close();

  // An admin sees it on the Users page, where "Reset two-factor" would take it away.
  const admin = await browser.newContext({ baseURL, ignoreHTTPSErrors: true });
  const adminPage = await admin.newPage();
  await signIn(adminPage, 'admin', adminPassword);
  await expect(adminPage.getByTestId('current-user')).toHaveText('admin');
  await adminPage.goto('/users');
  const row = adminPage.locator(`[data-user="${name}"]`);
  await expect(row).toContainText('1 passkey');
  await expect(row.getByTestId('reset-totp')).toBeVisible();
  await admin.close();
});

test('a revoked passkey no longer signs in, and the page says so', async ({ browser }) => {
  const [name, password] = await readyUser('viewer');
  const { context, page } = await withAuthenticator(browser);
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await addPasskey(page, 'Old phone');
  await page.getByRole('button', { name: 'Revoke passkey Old phone' }).click();
  await expect(page.getByTestId('no-passkeys')).toBeVisible();

  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login/);
  await waitHydrated(page);
  // The authenticator still offers it; bosun no longer knows it.
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByTestId('passkey-error')).toContainText('did not sign you in');
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=/);
  const entries = await auditFor(name);
  expect(entries.some((e) => e.action === 'user.passkey.revoke' && e.outcome === 'ok')).toBe(true);
  await context.close();
});

test('with a passkey, signing in with the password asks for the passkey next', async ({ browser }) => {
  const [name, password] = await readyUser('operator');
  const { context, page } = await withAuthenticator(browser);
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await addPasskey(page, 'Security key');
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login/);
  await waitHydrated(page);

  // The right password alone does not sign in: the second step offers the passkey.
  await signIn(page, name, password, true);
  await expect(page.getByTestId('second-factor-passkey')).toBeVisible();
  await expect(page.getByTestId('current-user')).toHaveCount(0);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await context.close();
});

test('at a bare IP address the Account page says passkeys need a host name', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/account');
  await waitHydrated(page);
  const card = page.getByTestId('passkeys');
  await expect(card.getByTestId('passkeys-bare-ip')).toContainText('host name');
  await expect(card.getByTestId('passkey-add')).toBeDisabled();
});
