import { execFileSync } from 'node:child_process';
import { expect, request, test } from '@playwright/test';
import { adminApi, adminPassword, baseURL, demoProject, readyUser, signIn, waitHydrated } from './helpers';

/** The demo stack's nginx proxy container, found by its compose labels. */
function proxyContainer(): string {
  const out = execFileSync('docker', [
    'ps', '-q',
    '--filter', `label=com.docker.compose.project=${demoProject}`,
    '--filter', 'label=com.docker.compose.service=proxy',
  ]).toString().trim();
  expect(out, 'the demo stack runs a proxy container').not.toBe('');
  return out.split('\n')[0];
}

const rank: Record<string, number> = { expired: 0, critical: 1, warning: 2, ok: 3 };

test.beforeAll(() => {
  // A hand-made certificate with 3 days left, beside the proxy's own (in the watched dir).
  execFileSync('docker', [
    'exec', proxyContainer(), 'sh', '-c',
    'mkdir -p /etc/nginx/certs/legacy && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3 ' +
      '-subj /CN=legacy.demo -addext subjectAltName=DNS:legacy.demo ' +
      '-keyout /etc/nginx/certs/legacy/legacy.key -out /etc/nginx/certs/legacy/legacy.crt 2>/dev/null',
  ]);
});

test('an admin sees certificates worst first and renews the proxy, which then serves it', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.goto('/certificates');
  await waitHydrated(page);
  await expect(page.getByTestId('stream')).toHaveAttribute('data-state', 'live');

  const cards = page.getByTestId('cert');
  const served = page.locator(`[data-testid="cert"][data-kind="served"]`, { hasText: `${demoProject}/proxy` });
  await expect(served).toBeVisible({ timeout: 20_000 });
  // Worst first: the 3-day certificate leads, and no card is worse than the one before it.
  await expect(cards.first()).toHaveAttribute('data-urgency', 'critical');
  await expect(cards.first()).toContainText('legacy.crt');
  await expect(cards.first().getByTestId('days-left')).toContainText(/[23] days left/);
  const urgencies = await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-urgency') ?? ''));
  for (let i = 1; i < urgencies.length; i++) expect(rank[urgencies[i]]).toBeGreaterThanOrEqual(rank[urgencies[i - 1]]);
  await expect(page.getByTestId('cert-timeline')).toContainText('legacy.crt');
  // The proxy serves its hand-made file: self-signed, linked to the file.
  await expect(served.getByTestId('chain')).toContainText('self-signed');
  await expect(served).toContainText(/Served from .*server\.crt/);
  const oldSerial = (await served.getByTestId('serial').textContent()) ?? '';

  // Renew it from bosun's internal CA, and also reload the worker (which has no label).
  // A reload line that makes no sense is refused with what to write instead.
  await expect(served.getByTestId('renew-source')).toHaveValue('internal-ca');
  // The names come from the proxy's own file, which bosun's CA never issued: the form shows them
  // and they are confirmed first (the box is required; the browser will not send the form without).
  await expect(served.getByTestId('renew-unconfirmed')).toContainText('proxy.demo');
  await expect(served.getByTestId('renew-confirm-names')).toHaveText('proxy.demo');
  await expect(served.getByTestId('renew-confirm')).toHaveAttribute('required', '');
  await served.getByTestId('renew-confirm').check();
  await served.getByTestId('renew-reload').fill('worker');
  await served.getByTestId('renew-now').click();
  await expect(page.getByRole('alert').filter({ hasText: 'then what to do' })).toContainText('Check your input');
  await expect(served.getByTestId('serial')).toHaveText(oldSerial);
  const reloadLine = `${demoProject}/worker exec:sh -c true`;
  await served.getByTestId('renew-reload').fill(reloadLine);
  // The steps show while it runs, then the outcome.
  await served.getByTestId('renew-now').click();
  const result = page.getByTestId('renew-result');
  await expect(result).toContainText('Renewed', { timeout: 30_000 });
  await expect(result).toContainText('serves the new certificate');
  await expect(result).toContainText(new RegExp(`${demoProject}/worker #1 \\(.*\\) reloaded`));
  const newSerial = (await result.textContent())?.match(/serial ([0-9a-f:]+)/)?.[1] ?? '';
  expect(newSerial).not.toBe('');
  expect(newSerial).not.toBe(oldSerial);
  // The page follows by itself: the proxy now presents the new, trusted certificate.
  const renewed = page.locator(`[data-testid="cert"][data-kind="served"]`, { hasText: `${demoProject}/proxy` });
  await expect(renewed.getByTestId('serial')).toHaveText(newSerial, { timeout: 20_000 });
  await expect(renewed.getByTestId('chain')).toContainText('trusted');
  const file = page.locator(`[data-testid="cert"][data-kind="file"]`, { hasText: 'server.crt' });
  await expect(file.getByTestId('managed')).toHaveAttribute('data-source', 'internal-ca');
  await expect(file.getByTestId('reload').filter({ hasText: '/proxy #' })).toContainText('serves the new certificate');
  await expect(file.getByTestId('reload').filter({ hasText: '/worker #' })).toContainText('exec:sh -c true: reloaded');
  // The list is kept for the next renewal, and shown again in the form.
  await page.reload();
  await waitHydrated(page);
  await expect(page.locator(`[data-testid="cert"][data-kind="file"]`, { hasText: 'server.crt' }).getByTestId('renew-reload'))
    .toHaveValue(reloadLine);
  await expect(renewed.getByTestId('renew-reload')).toHaveValue(reloadLine);

  const api = await adminApi();
  const audit = await (await api.get('/api/v1/audit?actor=admin&action=certificate.')).json();
  expect(audit.map((r: any) => `${r.action}:${r.outcome}`)).toEqual(
    expect.arrayContaining(['certificate.renew:ok', 'certificate.reload:ok']),
  );
  await api.dispose();
});

test('a viewer sees the certificates but has no renew button, and the API refuses with 403', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/certificates');
  await waitHydrated(page);
  await expect(page.locator('[data-testid="cert"][data-id="bosun"]')).toBeVisible();
  await expect(page.getByTestId('renew-now')).toHaveCount(0);
  await expect(page.getByTestId('upload')).toHaveCount(0);
  // The CA's root is there for everyone to import.
  await expect(page.getByTestId('ca-download')).toHaveAttribute('href', '/api/v1/ca.pem');

  const api = await request.newContext({ baseURL, ignoreHTTPSErrors: true, extraHTTPHeaders: { Origin: baseURL } });
  expect((await api.post('/api/v1/session', { data: { username: name, password } })).status()).toBe(200);
  expect((await api.get('/api/v1/certificates')).status()).toBe(200);
  const r = await api.post('/api/v1/certificates/bosun/renew', { data: {} });
  expect(r.status()).toBe(403);
  expect((await r.json()).message).toContain('admin');
  const up = await api.post('/api/v1/certificates', { data: { target: 'bosun', cert_pem: 'x', key_pem: 'y' } });
  expect(up.status()).toBe(403);
  await api.dispose();
});

test('on a phone the certificates stack in one column and nothing is cut off', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.goto('/certificates');
  await waitHydrated(page);
  const card = page.locator('[data-testid="cert"][data-id="bosun"]');
  await expect(card).toBeVisible();
  const box = await card.boundingBox();
  expect(box!.width).toBeLessThanOrEqual(390);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await context.close();
});

test('a live update redraws the cards but keeps what an admin typed into a renew form', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await expect(page.getByTestId('current-user')).toHaveText('admin');
  await page.goto('/certificates');
  await waitHydrated(page);
  await expect(page.getByTestId('stream')).toHaveAttribute('data-state', 'live');
  const card = page.locator('[data-testid="cert"][data-kind="file"]', { hasText: 'legacy.crt' });
  const typed = `${demoProject}/worker restart`;
  await card.getByTestId('renew-reload').fill(typed);
  await card.getByTestId('renew-names').fill('legacy.demo, legacy2.demo');
  // A new file in the watched directory: the next scan sends a new list, which redraws every card.
  const name = `redraw-${Date.now().toString(36)}`;
  const dir = `/etc/nginx/certs/${name}`;
  execFileSync('docker', [
    'exec', proxyContainer(), 'sh', '-c',
    `mkdir -p ${dir} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 300 ` +
      `-subj /CN=${name}.demo -keyout ${dir}/${name}.key -out ${dir}/${name}.crt 2>/dev/null`,
  ]);
  try {
    await expect(page.locator('[data-testid="cert"]', { hasText: `${name}.crt` })).toBeVisible({ timeout: 45_000 });
    await expect(card.getByTestId('renew-reload')).toHaveValue(typed);
    await expect(card.getByTestId('renew-names')).toHaveValue('legacy.demo, legacy2.demo');
  } finally {
    execFileSync('docker', ['exec', proxyContainer(), 'rm', '-rf', dir]);
  }
});
