import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { expect, request, test } from '@playwright/test';
import { adminApi, baseURL, demoProject, readyUser, signIn, waitHydrated } from './helpers';

/** The demo stack's database container, found by its compose labels. */
function dbContainer(): string {
  const out = execFileSync('docker', [
    'ps', '-q',
    '--filter', `label=com.docker.compose.project=${demoProject}`,
    '--filter', 'label=com.docker.compose.service=db',
  ]).toString().trim();
  expect(out, 'the demo stack runs a db container').not.toBe('');
  return out.split('\n')[0];
}

test.beforeAll(() => {
  // Enough rows that the dump takes a moment, so its progress can be watched.
  execFileSync('docker', [
    'exec', dbContainer(), 'psql', '-v', 'ON_ERROR_STOP=1', '-U', 'demo', '-d', 'demo', '-c',
    "CREATE TABLE IF NOT EXISTS e2e_bulk AS SELECT i, md5(i::text) || md5((i * 7)::text) AS t FROM generate_series(1, 400000) i;",
  ]);
});

test('an operator backs up the demo database, watches it run and downloads the file', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/backups');
  await waitHydrated(page);
  await expect(page.getByTestId('stream')).toHaveAttribute('data-state', 'live');

  const card = page.locator(`[data-database="${demoProject}/db"]`);
  await expect(card).toContainText('PostgreSQL');
  await expect(card).toContainText('database demo · user demo');
  // The password's variable is named; its value never reaches the page.
  await expect(card).toContainText('password from $POSTGRES_PASSWORD');
  expect(await page.content()).not.toContain('demo-secret');

  await card.getByTestId('back-up-now').click();
  await expect(page.getByTestId('backup-result')).toContainText(/Backup #\d+ started/);
  // Progress arrives over the live stream while the dump runs…
  await expect(card.getByTestId('job')).toBeVisible({ timeout: 10_000 });
  await expect(card.getByTestId('job')).toContainText(/backing up by .*: .* so far/);
  // …and the job ends with a good backup.
  await expect(card.getByTestId('job')).toHaveCount(0, { timeout: 60_000 });
  await expect(card.getByTestId('last-good')).toContainText(/#\d+ · \d{4}-\d\d-\d\d/);

  const row = page.locator('table[data-testid="backups"] tr[data-status="ok"]').first();
  await expect(row).toContainText(`${demoProject}/db · demo`);
  const downloading = page.waitForEvent('download');
  await row.getByTestId('download').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(new RegExp(`^${demoProject}-db-\\d{8}-\\d{6}-\\d+\\.sql\\.gz$`));
  const file = await download.path();
  const sql = gunzipSync(readFileSync(file)).toString('utf8');
  expect(sql).toContain('CREATE TABLE "public"."e2e_bulk"');
  // The completion line is at the end (newer pg_dump adds only a \unrestrict line after it).
  expect(sql.slice(-300)).toContain('-- PostgreSQL database dump complete');

  // Proven by a restore into a throwaway server of the same image: the badge says so.
  await expect(row.getByTestId('verified')).toBeVisible({ timeout: 90_000 });
  await expect(row.getByTestId('verified-counts')).toContainText(/[1-9]\d* tables, [1-9]\d* rows/);

  const api = await adminApi();
  await expect
    .poll(async () => {
      const audit = await (await api.get(`/api/v1/audit?actor=${name}&action=backup.`)).json();
      return audit.map((r: any) => `${r.action}:${r.outcome}`).sort();
    })
    .toEqual(['backup.create:ok', 'backup.download:ok', 'backup.verify:ok']);
  await api.dispose();
});

test('an admin backs up the whole demo project as one set and sees its parts', async ({ page }) => {
  const [name, password] = await readyUser('admin');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/backups');
  await waitHydrated(page);
  await expect(page.getByTestId('stream')).toHaveAttribute('data-state', 'live');

  // The proxy's certificate directory is a bind mount: its files are backed up; the
  // database's data directory is not (its dump is its backup).
  const files = page.locator(`[data-files="${demoProject}/proxy"]`);
  await expect(files).toContainText('/etc/nginx/certs');
  await expect(page.locator(`[data-files="${demoProject}/db"]`)).toHaveCount(0);

  await page.locator(`[data-testid="back-up-project"][data-project="${demoProject}"]`).click();
  await expect(page.getByTestId('backup-result')).toContainText(new RegExp(`Set #\\d+ of ${demoProject} started`));
  const set = page.locator('[data-testid="sets"] li.set').first();
  await expect(set).toContainText(`Set #`);
  // Good only when every part is: the dump first, then the files.
  await expect(set).toHaveAttribute('data-status', 'ok', { timeout: 90_000 });
  const parts = set.locator('li[data-part]');
  await expect(parts).toHaveCount(2);
  await expect(parts.nth(0)).toContainText(`${demoProject}/db · database`);
  await expect(parts.nth(1)).toContainText(`${demoProject}/proxy · files`);
  await expect(set.locator('li[data-part][data-status="ok"]')).toHaveCount(2);
  await expect(files.getByTestId('files-last-good')).toContainText(/#\d+ · .* files/);

  // Restoring the set takes the project's name typed out.
  await set.getByRole('button', { name: 'Restore set…' }).click();
  const confirm = set.getByTestId('confirm-set-restore');
  const go = set.getByRole('button', { name: 'Restore', exact: true });
  await expect(go).toBeDisabled();
  await confirm.fill('db');
  await expect(go).toBeDisabled();
  await confirm.fill(demoProject);
  await expect(go).toBeEnabled();
  await set.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toHaveCount(0);
});

test('a viewer sees backups but has no button or download, and the API refuses with 403', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/backups');
  await waitHydrated(page);
  const card = page.locator(`[data-database="${demoProject}/db"]`);
  await expect(card).toBeVisible();
  await expect(card.getByTestId('back-up-now')).toHaveCount(0);
  await expect(page.getByTestId('back-up-project')).toHaveCount(0);
  await expect(page.getByTestId('back-up-files')).toHaveCount(0);
  await expect(page.getByTestId('download')).toHaveCount(0);

  const api = await request.newContext({ baseURL, ignoreHTTPSErrors: true, extraHTTPHeaders: { Origin: baseURL } });
  expect((await api.post('/api/v1/session', { data: { username: name, password } })).status()).toBe(200);
  const list = await (await api.get('/api/v1/backups')).json();
  expect(list.length).toBeGreaterThan(0);
  expect((await api.get(`/api/v1/backups/${list[0].id}/download`)).status()).toBe(403);
  expect((await api.post('/api/v1/backups', { data: { project: demoProject, service: 'db' } })).status()).toBe(403);
  await api.dispose();
});
