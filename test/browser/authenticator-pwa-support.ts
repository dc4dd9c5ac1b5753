import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page, Worker } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { before, after } from 'node:test';
import { startApiDouble, type ApiDouble } from './authenticator-api-double.ts';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';

/** The phone: an iPhone-sized screen, as the issue asks the app to be designed for first. */
export const PHONE = { width: 390, height: 844 };

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page as it is now. It runs through the DevTools
 * Protocol (page.evaluate), which the page's CSP does not govern, so the page's own policy stays as served.
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}

/** What otpauth computes from the same secret: the reference the app's codes must equal. */
export function referenceCode(secret: string, atMs: number): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: atMs });
}

export async function heading(page: Page): Promise<string> {
  return ((await page.locator('main h1').textContent()) ?? '').trim();
}

/** Waits until the app's service worker controls the page; returns its worker. */
export async function controllingWorker(page: Page): Promise<Worker> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 10_000 });
  const worker = page.context().serviceWorkers().find((w) => w.url().endsWith('/authenticator/sw.js'));
  assert.ok(worker, 'the service worker runs');
  return worker;
}

/** The code the app shows for `email`, without the space that groups its digits. */
export async function shownCode(page: Page, email: string): Promise<string> {
  const row = page.locator('li.account').filter({ has: page.getByRole('heading', { name: new RegExp(`^${email.replace(/[.+]/g, '\\$&')}`) }) });
  const text = (await row.locator('.totp-code').textContent()) ?? '';
  return text.replace(/\s/g, '');
}

/** Adds `email` from a fresh link of the double and waits until the app listens for its requests; the device id. */
export async function enrolled(page: Page, api: ApiDouble, email: string, opts: { notify?: boolean; vapidPublicKey?: string } = {}): Promise<string> {
  await page.goto(api.link(email, { vapidPublicKey: opts.vapidPublicKey }));
  await page.getByLabel('Name this device').fill(`${email}'s phone`);
  if (!opts.notify) await page.getByLabel('Notify me of sign-in requests').uncheck();
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Account added' }).waitFor({ timeout: 20_000 });
  const device = [...api.devices.values()].find((d) => d.email === email)!;
  await waitUntil(() => api.isWaiting(device.id), 'the app waits for requests');
  return device.id;
}

export async function waitUntil(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 200) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The number the computer's page shows, once it shows one. */
export async function numberOn(page: Page): Promise<string> {
  const n = page.getByTestId('push-number');
  await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid=push-number]')?.textContent?.trim() ?? ''), undefined, { timeout: 20_000 });
  return ((await n.textContent()) ?? '').trim();
}

/** On the phone: waits for the request titled `title`, types `number`, approves; waits for "Sign-in approved". */
export async function approveOnPhone(page: Page, title: string, number: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: title }).waitFor({ timeout: 20_000 });
  await page.getByLabel('Type the number shown on the sign-in page').fill(number);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign-in approved' }).waitFor();
}

/**
 * The web app's world, registered as the file's before/after: a Gatehouse serving the app, the API
 * double the app talks to, and a phone-sized Chromium. Read the fields inside tests.
 */
export function phoneWithApiDouble(): { gh: TestGatehouse; api: ApiDouble; phone: TestBrowser } {
  const w = {} as { gh: TestGatehouse; api: ApiDouble; phone: TestBrowser };
  before(async () => {
    w.gh = await startTestGatehouse();
    w.api = await startApiDouble(w.gh.issuer);
    w.phone = await launchBrowser({ viewport: PHONE });
  });
  after(async () => {
    await w.phone?.close();
    await w.api?.close();
    await w.gh?.close();
  });
  return w;
}
