import { createHmac } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { readyUser, signIn, waitHydrated } from './helpers';

/** RFC 6238 (SHA-1, 6 digits, 30 s) from a base32 secret, as an authenticator app computes it. */
function totp(secret: string, at = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const o = mac[mac.length - 1] & 0xf;
  const n = ((mac[o] & 0x7f) << 24) | (mac[o + 1] << 16) | (mac[o + 2] << 8) | mac[o + 3];
  return (n % 1_000_000).toString().padStart(6, '0');
}

test('a user sets up two-factor sign-in with the QR page, and signing in then asks for the code', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/account');
  await waitHydrated(page);
  const card = page.getByTestId('totp');
  await expect(card.getByTestId('totp-state')).toContainText('Off');
  await card.getByTestId('totp-start').click();
  await expect(card.getByTestId('totp-qr').locator('svg')).toBeVisible();
  const secret = (await card.getByTestId('totp-secret').textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await card.getByTestId('totp-code').fill(totp(secret));
  await card.getByTestId('totp-confirm').click();
  const codes = card.getByTestId('recovery-codes');
  await expect(codes).toBeVisible();
  const recovery = (await codes.textContent())!.trim().split('\n');
  expect(recovery).toHaveLength(10);
  await expect(card.getByTestId('totp-state')).toContainText('On');

  // Sign out; signing in now takes the password, then a code.
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const code = page.getByTestId('login-code');
  await expect(code).toBeVisible();
  // A wrong code says so and stays; the next step's code (one step of skew) signs in.
  await code.fill('000001');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('login-error')).toContainText('not right');
  await code.fill(totp(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('current-user')).toHaveText(name);
});

test('on a phone the sign-in code step fits the screen', async ({ browser }) => {
  const [name, password] = await readyUser('viewer');
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/account');
  await waitHydrated(page);
  await page.getByTestId('totp-start').click();
  const qr = page.getByTestId('totp-qr');
  await expect(qr.locator('svg')).toBeVisible();
  const box = await qr.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await context.close();
});
