#!/usr/bin/env node
// Runs every *.test.ts under test/ with Node's test runner.
// Usage: npm test [-- <path filter>…]; DATABASE_URL=postgres://… runs the suites on PostgreSQL.
//
// The TypeScript is compiled once by tsc (tsconfig.test.json: src, test and packages into .build/,
// incremental, relative `.ts` imports rewritten to `.js`) and the test processes run that JavaScript:
// through tsx's loader hooks every test process spent ~2.6 s and ~4.8 s of CPU importing the server,
// ~1 s without them — minutes of every CI run. The code is the same; `npm start`, the command line
// and the bench still run the TypeScript through tsx. Type errors are reported and the tests still
// run on what was emitted (CI type-checks on its own).
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

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
const BUILD = '.build';
const tsc = spawnSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.test.json'], { stdio: 'inherit' });
if (tsc.status !== 0) console.warn(`\n!! tsc reported errors (above); the tests run on what it emitted.\n`);
// tsc never deletes what it emitted for a source that has since been moved or removed, and code that
// lists a directory (migrations, the methods' folders) would load such a file as if it were still
// there: drop every emitted .js whose .ts is gone.
function prune(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (lstatSync(p).isSymbolicLink()) continue;
    if (statSync(p).isDirectory()) prune(p);
    else if (p.endsWith('.js') && !existsSync(p.slice(BUILD.length + 1).replace(/\.js$/, '.ts'))) unlinkSync(p);
  }
}
for (const dir of ['src', 'test', 'packages']) prune(join(BUILD, dir));
// What the code reads beside itself (static files, the command line's entry point), as in the repository.
mkdirSync(BUILD, { recursive: true });
for (const dir of ['static', 'bin']) if (!existsSync(join(BUILD, dir))) symlinkSync(join('..', dir), join(BUILD, dir));
const compiled = files.map((f) => join(BUILD, f.replace(/\.ts$/, '.js')));
const missing = compiled.filter((f) => !existsSync(f));
if (missing.length) {
  console.error(`not compiled: ${missing.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=120000', ...compiled], { stdio: 'inherit' });
process.exit(r.status ?? 1);
