import { expect, test } from '@playwright/test';
import { openService, readyUser, serviceMenu, signIn, waitHydrated } from './helpers';

// A compose project on an image in a local registry, with a newer build pushed under the same
// tag (scripts/e2e.sh starts it with end2end/stacks/updates/up.sh).
const project = process.env.E2E_UPDATE_PROJECT ?? 'bosun-e2e-upd';

test('an operator sees an update, runs it with progress, and sees the outcome', async ({ page }) => {
  const [name, password] = await readyUser('operator');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  await expect(page.getByTestId('live')).toHaveAttribute('data-state', 'live');
  const web = await openService(page, `${project}/web`);

  await page.locator('[data-action="check-updates"]').click();
  await expect(page.getByTestId('action-result')).toContainText(/with a newer build/, { timeout: 30_000 });
  const badge = web.getByTestId('update-available');
  await expect(badge).toBeVisible({ timeout: 15_000 });
  // The old and the new digest, shortened.
  await expect(badge).toContainText(/[0-9a-f]{12} → [0-9a-f]{12}/);
  // When the new build was made, as its registry records it.
  await expect(badge).toContainText(/built \d{4}-\d{2}-\d{2} /);

  // The row says so before it is opened, and the menu offers it.
  await expect(web.getByTestId('update-badge')).toBeVisible();
  await (await serviceMenu(page, `${project}/web`)).locator('[data-action="update"]').click();
  // Progress while it runs: the card's busy line names the step, with a bar.
  await expect(web.getByTestId('busy')).toContainText('update:', { timeout: 15_000 });
  await expect(web.getByTestId('progress')).toBeVisible();
  // The outcome, live: updated, the newest build, and a way back.
  await expect(web.getByTestId('update-outcome')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  await expect(web.getByTestId('update-outcome')).toContainText(`Last update by ${name}: updated`);
  await expect(web.getByTestId('update-current')).toBeVisible();
  await expect(web.getByTestId('busy')).toHaveCount(0);
  await expect((await serviceMenu(page, `${project}/web`)).locator('[data-action="rollback"]')).toBeVisible();
});

test('a viewer sees what is available but is offered no update', async ({ page }) => {
  const [name, password] = await readyUser('viewer');
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  await page.goto('/');
  await waitHydrated(page);
  const web = await openService(page, `${project}/web`);
  await expect(web.getByTestId('service-updates')).toBeVisible({ timeout: 15_000 });
  await expect(web.locator('[data-action="update"]')).toHaveCount(0);
  await expect(web.locator('[data-action="rollback"]')).toHaveCount(0);
  await expect(page.locator('[data-action="check-updates"]')).toHaveCount(0);
});
