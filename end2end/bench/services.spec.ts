// The Services page on a host with many containers (created, not started) in 20 compose
// projects of 10 services, loaded cold by a viewer in Chromium. Measured in the browser: when
// the first bench project's card is drawn (from the navigation's start), when the page has
// hydrated, the HTML's size, the nodes in the DOM once the live stream is connected (and
// 2 s later), the longest main-thread task (the Performance API's `longtask` entries) while
// loading and while scrolling the page and one opened project through, and the JS heap at
// the end. Prints `BENCH key value` lines for scripts/bench.sh; asserts only what the
// measuring relies on, never the goals (bench.sh sets the figures against them).
// Run by scripts/browser-bench.sh, which makes the containers (E2E_MANY_CONTAINERS of them in
// projects named E2E_MANY_PREFIX0…19) before it starts bosun.
import { APIRequestContext, expect, test } from '@playwright/test';
import { adminApi, baseURL, readyUser, waitHydrated } from '../tests/helpers';

const prefix = process.env.E2E_MANY_PREFIX ?? '';
const containers = Number(process.env.E2E_MANY_CONTAINERS ?? '0');
/** A bench project's card. */
const card = `[data-project^="${prefix}"]`;

/** What the page records about itself, from its first script on (times from navigation start). */
type Probe = {
  /** Every long task: [start, duration] in ms. */
  __tasks: [number, number][];
  /** The frame that drew the first bench project's card. */
  __firstCard?: number;
  /** When the shell's data-hydrated turned "true". */
  __hydrated?: number;
};

function bench(key: string, value: number) {
  console.log(`BENCH ${key} ${value}`);
}

/** The bench's containers in bosun's overview. */
async function listed(api: APIRequestContext): Promise<number> {
  const r = await api.get('/api/v1/overview');
  expect(r.status()).toBe(200);
  const o = (await r.json()) as { projects: { name: string; services: { containers: unknown[] }[] }[] };
  return o.projects
    .filter((p) => p.name.startsWith(prefix))
    .flatMap((p) => p.services)
    .reduce((n, s) => n + s.containers.length, 0);
}

test('the Services page with many containers', async ({ page }) => {
  test.setTimeout(900_000);
  expect(prefix, 'E2E_MANY_PREFIX').not.toBe('');
  expect(containers, 'E2E_MANY_CONTAINERS').toBeGreaterThan(0);
  // bosun reads the engine's containers after its start: measure once its overview has them all.
  const admin = await adminApi();
  await expect.poll(() => listed(admin), { timeout: 600_000, intervals: [1_000] }).toBe(containers);
  await admin.dispose();
  const [name, password] = await readyUser('viewer');

  await page.addInitScript((card: string) => {
    const w = window as unknown as Probe;
    w.__tasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__tasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
    // First screen: the first animation frame in which a bench project's card is in the DOM
    // and laid out. A frame runs its requestAnimationFrame callbacks, then style, layout and
    // paint, so this is when the card is drawn; no frame runs while the stylesheet still
    // blocks rendering. First-contentful-paint would time the shell's header instead, which
    // comes before the list in the HTML; the card's frame is what a user waits for.
    const look = () => {
      const el = document.querySelector(card);
      if (el && el.getClientRects().length > 0) w.__firstCard = performance.now();
      else if (performance.now() < 300_000) requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
    // Hydrated: the moment an effect sets the marker waitHydrated() waits for.
    new MutationObserver((_, seen) => {
      if (document.querySelector('.app[data-hydrated="true"]')) {
        w.__hydrated = performance.now();
        seen.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
  }, card);
  // Signed in through the API with the page's own cookies, not the sign-in form, so that `/`
  // is the browser's first page: cold, nothing of bosun's in its cache, no wasm compiled yet.
  const r = await page.request.post('/api/v1/session', {
    data: { username: name, password },
    headers: { Origin: baseURL },
  });
  expect(r.status(), await r.text()).toBe(200);
  await page.goto('/', { waitUntil: 'commit', timeout: 120_000 });
  const probe = () =>
    page.evaluate((): Probe => {
      const w = window as unknown as Probe;
      return { __tasks: w.__tasks, __firstCard: w.__firstCard, __hydrated: w.__hydrated };
    });

  // The page works: a bench project's card on screen, the wasm hydrated, the stream live.
  await expect(page.locator(card).first()).toBeVisible({ timeout: 300_000 });
  await page.waitForFunction(() => (window as unknown as Probe).__hydrated !== undefined, null, {
    timeout: 300_000,
  });
  await waitHydrated(page);
  await expect(page.getByTestId('live')).toHaveAttribute('data-state', 'live', { timeout: 300_000 });
  const cards = await page.locator(card).count();
  // Every node, text and comments (Leptos' hydration markers) too: the issue's goal counts
  // nodes, and elements alone would be about half.
  const nodes = () =>
    page.evaluate(() => {
      const walk = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
      let n = 0;
      while (walk.nextNode()) n++;
      return n;
    });
  const elements = () => page.evaluate(() => document.getElementsByTagName('*').length);
  const domLive = await nodes();
  await page.waitForTimeout(2_000);
  const domLater = await nodes();
  const elementsLater = await elements();
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return { decoded: n.decodedBodySize, encoded: n.encodedBodySize, fcp: fcp?.startTime ?? NaN };
  });
  const loaded = await probe();
  expect(loaded.__firstCard, 'the frame that drew the first card').toBeDefined();

  // Scrolling: the page top to bottom in 30 steps 100 ms apart (each step a 30th of what is
  // left, as a virtualised list may grow), then one bench project opened (a click on its
  // header if it is folded) and scrolled through in 15 steps.
  const scrolled = await page.evaluate(() => performance.now());
  for (let left = 30; left > 0; left--) {
    await page.evaluate((left) => {
      const rest = document.documentElement.scrollHeight - innerHeight - scrollY;
      scrollBy(0, Math.ceil(rest / left));
    }, left);
    await page.waitForTimeout(100);
  }
  const project = page.locator(card).first();
  await project.scrollIntoViewIfNeeded();
  const toggle = project.locator('[data-toggle="project"]');
  if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(project.locator('[data-service]').first()).toBeVisible();
  const services = await project.locator('[data-service]').count();
  await project.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  for (let left = 15; left > 0; left--) {
    await project.evaluate((el, left) => {
      const rest = Math.max(0, el.getBoundingClientRect().bottom - innerHeight);
      scrollBy(0, Math.ceil(rest / left));
    }, left);
    await page.waitForTimeout(100);
  }
  // Long tasks are reported after they end: give the last one time to arrive.
  await page.waitForTimeout(1_000);
  const tasks = (await probe()).__tasks;
  const longest = (ts: [number, number][]) => Math.max(0, ...ts.map(([, d]) => d));
  const before = tasks.filter(([start]) => start < scrolled);
  const during = tasks.filter(([start]) => start >= scrolled);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;

  const ms = (t: number) => Math.round(t);
  console.log(
    `${containers} containers, ${cards} bench project cards in the page, ${services} services in the one opened; ` +
      `first contentful paint ${ms(nav.fcp)} ms; HTML ${ms(nav.encoded / 1000)} KB on the wire; ` +
      `DOM ${domLive} nodes when live, ${domLater} 2 s later (${elementsLater} of them elements)`,
  );
  const list = (ts: [number, number][]) => ts.map(([s, d]) => `${ms(d)} ms at ${ms(s)}`).join(', ') || 'none';
  console.log(`long tasks while loading: ${list(before)}`);
  console.log(`long tasks while scrolling: ${list(during)}`);
  bench('many_first_screen_ms', loaded.__firstCard ?? NaN);
  bench('many_hydrated_ms', loaded.__hydrated ?? NaN);
  bench('many_html_kb', nav.decoded / 1000);
  bench('many_dom_nodes', Math.max(domLive, domLater));
  bench('many_dom_elements', elementsLater);
  bench('many_scroll_longest_ms', longest(during));
  bench('many_load_longest_ms', longest(before));
  bench('many_heap_mb', heap / 1e6);
});
