import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The browser benchmarks (scripts/browser-bench.sh): the e2e settings, one long test at a time.
export default defineConfig({
  ...base,
  testDir: './bench',
  timeout: 300_000,
  reporter: [['line']],
});
