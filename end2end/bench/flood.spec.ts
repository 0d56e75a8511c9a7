// A container writes as fast as it is let (about 10,000 lines a second) while the Logs page
// follows it in Chromium. Measured in the browser: the longest task on the main thread (the
// Performance API's `longtask` entries), how far behind the container the newest line on
// screen is (its engine time stamp against the clock, sampled every 2 s), how busy the main
// thread was while following and how many server-sent events it was handed, the JS heap and
// the DOM at the end. Prints `BENCH key value` lines for scripts/bench.sh.
// E2E_FLOOD_TRACE=path also writes a Chrome trace; scripts/lib/long_tasks.py reads it.
// Run by scripts/browser-bench.sh, which starts bosun and the writer (E2E_FLOOD_CONTAINER).
import { expect, test } from '@playwright/test';
import { readyUser, signIn, waitHydrated } from '../tests/helpers';

const container = process.env.E2E_FLOOD_CONTAINER ?? '';
const seconds = Number(process.env.E2E_FLOOD_SECONDS ?? '60');
// A Chrome trace of the follow, for scripts/lib/long_tasks.py (not in CI: it slows the page).
const trace = process.env.E2E_FLOOD_TRACE ?? '';

function bench(key: string, value: number) {
  console.log(`BENCH ${key} ${value}`);
}

test('the Logs page follows a log flood', async ({ page, browser }) => {
  expect(container, 'E2E_FLOOD_CONTAINER').not.toBe('');
  const [name, password] = await readyUser('viewer');
  // Every long task from the first script on, kept in the page.
  await page.addInitScript(() => {
    const w = window as unknown as { __longest: number; __longTasks: number; __tasks: string[] };
    w.__longest = 0;
    w.__longTasks = 0;
    w.__tasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        w.__longest = Math.max(w.__longest, e.duration);
        if (e.duration > 200) {
          w.__longTasks += 1;
          w.__tasks.push(`${location.pathname} at ${Math.round(e.startTime)} ms: ${Math.round(e.duration)} ms`);
        }
      }
    }).observe({ type: 'longtask', buffered: true });
    // Every server-sent event the page is handed (each one a call into the page's code).
    const v = window as unknown as { __events: number };
    v.__events = 0;
    const Source = window.EventSource;
    window.EventSource = class extends Source {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        this.addEventListener('message', () => (v.__events += 1));
      }
    };
  });
  await signIn(page, name, password);
  await expect(page.getByTestId('current-user')).toHaveText(name);
  if (trace) {
    await browser.startTracing(page, {
      path: trace,
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'v8',
        'v8.wasm',
        'blink',
        'loading',
      ],
    });
  }
  await page.goto(`/logs?scope=c:${container}&tail=100&timestamps=true`);
  await waitHydrated(page);
  await expect(page.getByTestId('log-state')).toHaveAttribute('data-state', 'live');
  // The main thread's busy time (tasks, and script within them) over the follow, from
  // Chromium's own counters: what the page spends to keep up, whether or not any task is long.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const counters = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (n: string) => metrics.find((m) => m.name === n)?.value ?? NaN;
  };
  const before = await counters();
  const eventsBefore = await page.evaluate(() => (window as unknown as { __events: number }).__events);
  const followed = Date.now();

  // Behind = the page's clock − the engine's time stamp of the newest line drawn, read by
  // the page itself (the same host clock). How long the page took to answer is kept too: a
  // busy main thread shows nothing new meanwhile. A page that does not answer within 15 s
  // counts as 15 s behind.
  const lags: number[] = [];
  let slowest = 0;
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    await page.waitForTimeout(2_000);
    const asked = Date.now();
    const behind = await Promise.race([
      page.evaluate(() => {
        const stamps = document.querySelectorAll('[data-testid="log"] .log-line .ts');
        const last = stamps[stamps.length - 1];
        return last ? Date.now() - Date.parse(last.textContent ?? '') : NaN;
      }),
      new Promise<number>((resolve) => setTimeout(() => resolve(15_000), 15_000)),
    ]);
    slowest = Math.max(slowest, Date.now() - asked);
    lags.push(Number.isNaN(behind) ? 15_000 : Math.max(0, behind));
  }
  // The first samples include the history read and the page settling.
  if (trace) await browser.stopTracing();
  const steady = lags.slice(Math.min(1, lags.length - 1));
  const metric = await counters();
  const span = (Date.now() - followed) / 1000;
  const events =
    (await page.evaluate(() => (window as unknown as { __events: number }).__events)) - eventsBefore;
  const page_ = await page.evaluate(() => {
    const w = window as unknown as { __longest: number; __longTasks: number; __tasks: string[] };
    return {
      longest: w.__longest,
      longTasks: w.__longTasks,
      tasks: w.__tasks,
      rows: document.querySelectorAll('[data-testid="log"] .log-line, [data-testid="log"] .log-marker').length,
      count: document.querySelector('[data-testid="line-count"]')?.textContent ?? '',
    };
  });
  console.log(`long tasks over 200 ms: ${page_.tasks.join('; ') || 'none'}`);
  bench('flood_seconds', seconds);
  bench('flood_probe_ms', slowest);
  bench('flood_lag_ms', Math.max(...steady));
  bench('flood_lag_median_ms', steady.sort((a, b) => a - b)[Math.floor(steady.length / 2)]);
  bench('flood_longest_task_ms', page_.longest);
  bench('flood_long_tasks', page_.longTasks);
  bench('flood_busy_pct', ((metric('TaskDuration') - before('TaskDuration')) / span) * 100);
  bench('flood_script_pct', ((metric('ScriptDuration') - before('ScriptDuration')) / span) * 100);
  bench('flood_events_per_s', events / span);
  bench('flood_heap_mb', metric('JSHeapUsedSize') / 1e6);
  bench('flood_dom_nodes', metric('Nodes'));
  bench('flood_rows_drawn', page_.rows);
  bench('flood_lines_kept', Number.parseInt(page_.count, 10));
});
