import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Flags that keep Debian's Chromium quiet and offline in a container (see TOOLCHAIN.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchOptions {
  /** @default 1280×800 */
  viewport?: { width: number; height: number };
  /** @default process.env.CHROMIUM_PATH or /usr/bin/chromium */
  executablePath?: string;
}

export interface TestBrowser {
  context: BrowserContext;
  /** The first tab. */
  page: Page;
  /**
   * Console errors and uncaught page errors of every tab, in order. CSP violations show up here
   * ("Refused to execute inline script…"), so an empty list shows the pages ran within their
   * Content-Security-Policy. Chromium also logs a page answered with a 4xx ("Failed to load
   * resource: … 400") here; each entry ends with the URL in brackets, so tests can tell them apart.
   */
  consoleErrors: string[];
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/**
 * A headless Chromium (Debian's, through playwright-core) with a fresh profile of its own.
 * Open Gatehouse at `http://localhost:PORT`, not 127.0.0.1: WebAuthn's RP ID is `localhost`.
 */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: opts.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1280, height: 800 },
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const consoleErrors: string[] = [];
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.location().url ? `${m.text()} [${m.location().url}]` : m.text());
    });
    p.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    consoleErrors,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
