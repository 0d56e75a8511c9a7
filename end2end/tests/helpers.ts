import { APIRequestContext, Page, expect, request } from '@playwright/test';

export const baseURL = process.env.E2E_BOSUN_URL ?? 'https://127.0.0.1:8443';
export const adminPassword = process.env.E2E_ADMIN_PASSWORD ?? '';

/** An API client signed in as admin, sending bosun's own Origin like a browser would. */
export async function adminApi(): Promise<APIRequestContext> {
  const api = await request.newContext({
    baseURL,
    ignoreHTTPSErrors: true,
    extraHTTPHeaders: { Origin: baseURL },
  });
  const r = await api.post('/api/v1/session', { data: { username: 'admin', password: adminPassword } });
  expect(r.status(), await r.text()).toBe(200);
  return api;
}

/** Creates a user (who must choose a password at first sign-in); names are unique per run. */
export async function createUser(role: 'viewer' | 'operator' | 'admin', initial: string): Promise<string> {
  const api = await adminApi();
  const name = `${role}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
  const r = await api.post('/api/v1/users', { data: { username: name, password: initial, role } });
  expect(r.status(), await r.text()).toBe(201);
  await api.dispose();
  return name;
}

/** Fills the sign-in form; goes to /login first unless `stay` (to keep a ?next=). */
export async function signIn(page: Page, username: string, password: string, stay = false) {
  if (!stay) await page.goto('/login');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits until the wasm bundle has hydrated the shell, or the sign-in page (an effect sets the marker). */
export async function waitHydrated(page: Page) {
  await expect(page.locator('.app, main.login')).toHaveAttribute('data-hydrated', 'true', { timeout: 15_000 });
}

/** Proves hydration by behaviour: the phone menu button toggles only once the wasm runs. */
export async function expectMenuToggles(page: Page) {
  const toggle = page.getByTestId('menu-toggle');
  await expect(async () => {
    const before = await toggle.getAttribute('aria-expanded');
    await toggle.click();
    await expect(toggle).not.toHaveAttribute('aria-expanded', before ?? '', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
}

/** A user of `role` who has already chosen their password; returns [name, password]. */
export async function readyUser(role: 'viewer' | 'operator' | 'admin'): Promise<[string, string]> {
  const initial = 'initial-passphrase-9';
  const chosen = 'a-chosen-passphrase-7';
  const name = await createUser(role, initial);
  const api = await request.newContext({ baseURL, ignoreHTTPSErrors: true, extraHTTPHeaders: { Origin: baseURL } });
  const r = await api.post('/api/v1/session', { data: { username: name, password: initial } });
  expect(r.status(), await r.text()).toBe(200);
  const c = await api.post('/api/v1/me/password', { data: { current: initial, new: chosen } });
  expect(c.status(), await c.text()).toBeLessThan(300);
  await api.dispose();
  return [name, chosen];
}

/** The demo stack's compose project, started by scripts/e2e.sh. */
export const demoProject = process.env.E2E_DEMO_PROJECT ?? 'bosun-demo';

/** A service's row on the Services page, opened to its containers, links and update. */
export async function openService(page: Page, key: string) {
  const row = page.locator(`[data-service="${key}"]`);
  const toggle = row.locator('[data-toggle="service"]');
  await expect(toggle).toBeVisible();
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  return row;
}

/** Opens a service's actions menu and returns it. */
export async function serviceMenu(page: Page, key: string) {
  const row = page.locator(`[data-service="${key}"]`);
  const toggle = row.locator('[data-toggle="menu"]');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  return row.locator('.menu-panel');
}
