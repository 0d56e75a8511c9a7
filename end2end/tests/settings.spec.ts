import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { expect, request, test } from '@playwright/test';
import { adminApi, adminPassword, baseURL, readyUser, signIn, waitHydrated } from './helpers';

test('an admin adds a webhook target, sends a test that arrives, and requires two-factor sign-in for operators', async ({ page }) => {
  const got: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push(body);
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-part`;

  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.getByTestId('nav').getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await waitHydrated(page);

  const hooks = page.getByTestId('webhooks');
  await hooks.getByText('Add a target…').click();
  const name = `ops-${Date.now().toString(36)}`;
  await hooks.getByTestId('webhook-name').fill(name);
  await hooks.getByTestId('webhook-url').fill(url);
  await hooks.getByTestId('webhook-format').selectOption('generic');
  await hooks.getByTestId('add-webhook').click();
  const target = hooks.locator(`[data-testid="webhook"][data-name="${name}"]`);
  await expect(target).toBeVisible();
  await expect(target).not.toContainText('secret-part');
  await target.getByTestId('send-test').click();
  await expect(hooks.getByTestId('test-result')).toContainText('Test delivered');
  await expect.poll(() => got.length).toBeGreaterThan(0);
  expect(JSON.parse(got[0]).event).toBe('test');
  await expect(hooks.getByTestId('deliveries')).toContainText(name);

  const security = page.getByTestId('security-settings');
  await security.getByTestId('require-operator').check();
  await security.getByTestId('save-security').click();
  await expect(security.getByTestId('settings-saved')).toBeVisible();
  server.close();

  // An operator without two-factor sign-in now lands on Account and is asked to set it up.
  const [op, password] = await readyUser('operator');
  const browser = page.context().browser()!;
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const other = await context.newPage();
  await signIn(other, op, password);
  await expect(other).toHaveURL(/\/account$/);
  await expect(other.getByTestId('must-enrol')).toBeVisible();
  const api = await request.newContext({ baseURL, ignoreHTTPSErrors: true, extraHTTPHeaders: { Origin: baseURL } });
  await api.post('/api/v1/session', { data: { username: op, password } });
  expect((await api.get('/api/v1/projects')).status()).toBe(403);
  await api.dispose();
  await context.close();

  // Back as it was, for the other specs.
  await security.getByTestId('require-operator').uncheck();
  await security.getByTestId('save-security').click();
  const admin = await adminApi();
  await expect
    .poll(async () => (await (await admin.get('/api/v1/settings/security')).json()).totp_required)
    .toEqual([]);
  await admin.dispose();
});
