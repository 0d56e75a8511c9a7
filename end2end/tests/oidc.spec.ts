import { Page, expect, request, test } from '@playwright/test';
import { waitHydrated } from './helpers';

// The team's identity provider (end2end/oidc/provider.mjs, the `oidc-provider` package),
// started by scripts/e2e.sh with users in groups: alice (bosun-admins), oscar
// (bosun-operators), nobody (marketing). Each password is `<user>-pw`.
const issuer = process.env.E2E_OIDC_URL ?? '';

async function setGroups(user: string, groups: string[]) {
  const api = await request.newContext();
  const r = await api.post(`${issuer}/__test/groups`, { data: { user, groups } });
  expect(r.status(), await r.text()).toBe(200);
  await api.dispose();
}

/** From bosun's sign-in page, through the provider's own login page. */
async function providerSignIn(page: Page, user: string) {
  await page.getByRole('link', { name: 'Sign in with Team SSO' }).click();
  await expect(page).toHaveURL(new RegExp(`^${issuer}/interaction/`));
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`${user}-pw`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('an operator signs in at the provider, lands where they were going, with their group\'s role', async ({ page }) => {
  await page.goto('/logs');
  await expect(page).toHaveURL(/\/login\?next=/);
  await providerSignIn(page, 'oscar');
  await expect(page).toHaveURL(/\/logs$/);
  await expect(page.getByTestId('current-user')).toHaveText('oscar');
  await expect(page.getByTestId('nav').getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);
});

test('a group change at the provider gives the new role at the next sign-in, shown on Users', async ({ browser }) => {
  await setGroups('oscar', ['bosun-admins']);
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto('/login');
    await providerSignIn(page, 'oscar');
    await expect(page.getByTestId('current-user')).toHaveText('oscar');
    await page.goto('/users');
    const row = page.locator('tr[data-user="oscar"]');
    await expect(row.getByTestId('role-source')).toHaveText('from the identity provider: bosun-admins');
    // The role comes from the provider: bosun offers no way to change it.
    await expect(row.getByRole('combobox', { name: 'Role of oscar' })).toBeDisabled();
    await context.close();
  } finally {
    await setGroups('oscar', ['bosun-operators']);
  }
});

test('someone whose groups map to no role is refused with a page that says why', async ({ page }) => {
  await page.goto('/login');
  await providerSignIn(page, 'nobody');
  await expect(page).toHaveURL(/\/login\?refused=no-role/);
  await expect(page.getByTestId('provider-refused')).toContainText('none of your groups gives a role');
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});

test('signing out ends the session at bosun and at the provider', async ({ page }) => {
  await page.goto('/login');
  await providerSignIn(page, 'alice');
  await expect(page.getByTestId('current-user')).toHaveText('alice');
  await waitHydrated(page);
  await page.getByTestId('logout').click();
  // The provider asks to confirm, then comes back to bosun's sign-in page.
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=/);
});
