#!/usr/bin/env node
// Runs every *.test.ts under test/ with Node's test runner (TypeScript through tsx).
// Usage: npm test [-- <path filter>…]; DATABASE_URL=postgres://… runs the suites on PostgreSQL.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'helpers' ? [] : walk(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
let files = walk('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
// Browser suites need Debian's Chromium. Without it a developer's `npm test` says so and runs the
// rest; CI (CI=true) installs it in .ci/run and never skips them.
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium) && !process.env.CI) {
  const browser = files.filter((f) => f.includes('browser'));
  if (browser.length) {
    console.warn(`\n!! Chromium not found at ${chromium}: skipping ${browser.length} browser suites. Install it with \`apt-get install chromium\` (or set CHROMIUM_PATH).\n`);
    files = files.filter((f) => !browser.includes(f));
  }
}
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
