import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addVirtualAuthenticator, type AuthenticatorKind, type VirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { browserApp, enrollWebAuthn, enterPassword, heading, startAppServer, t, type BrowserApp } from './webauthn-support.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { failureCount } from '../../src/security/attempts.ts';

export const PASSWORD = 'a long walk on the quiet beach';

// The suites' world, set up by each file that calls useSecurityKeyWorld() (ES module live bindings).
export let gh: TestGatehouse;
export let browser: TestBrowser;
export let appServer: Awaited<ReturnType<typeof startAppServer>>;
export let app: BrowserApp;

/**
 * A Gatehouse, one Chromium and a Required app, for the file that calls it (its before/after). The
 * security-key suite is two files so that each stays well inside the runner's 2 minutes per file.
 */
export function useSecurityKeyWorld(): void {
before(async () => {
  gh = await startTestGatehouse();
  assert.ok(gh.issuer.startsWith('http://localhost:'), 'WebAuthn needs the RP ID localhost');
  browser = await launchBrowser();
  appServer = await startAppServer();
  app = await browserApp(gh, appServer.origin, 'required');
});
after(async () => {
  await browser?.close();
  await appServer?.close();
  await gh?.close();
});
}

export interface Tab {
  page: Page;
  key: VirtualAuthenticator;
  userId: string;
  email: string;
}

/** A new tab with a key of `kind`; a new user sets it up in the wizard after the password (Required app). */
export async function enrolledKey(email: string, kind: AuthenticatorKind = 'security-key'): Promise<Tab> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  const key = await addVirtualAuthenticator(page, kind);
  const { id } = await gh.createUser(email, PASSWORD);
  const auth = await app.start(page);
  await enterPassword(page, email, PASSWORD);
  await enrollWebAuthn(page, 'security-key', 'Blue key');
  const claims = await app.back(page, auth);
  // No user verification on a plain security key: password + key.
  assert.deepEqual([...(claims.amr as string[])].sort(), ['hwk', 'mfa', 'pwd']);
  assert.equal(claims.acr, ACR.phishingResistant);
  return { page, key, userId: id, email };
}

/** Signed out, then the password: the challenge page asks for the key. */
export async function toChallenge(tab: Tab) {
  await browser.context.clearCookies();
  const auth = await app.start(tab.page);
  await enterPassword(tab.page, tab.email, PASSWORD);
  assert.equal(await heading(tab.page), t('mfa.title'));
  return auth;
}

export const touchKey = (page: Page) => page.getByRole('button', { name: t('mfa.webauthn.button') }).click();

export async function refusedWith(page: Page, message: string) {
  await page.locator('#webauthn-error').getByText(message).waitFor();
  assert.equal(await heading(page), t('mfa.title'));
}

export async function failures(userId: string): Promise<number> {
  return failureCount(gh.gh.deps.db, userId, 'webauthn');
}

export async function failedReasons(userId: string): Promise<string[]> {
  const rows = await gh.gh.deps.db.selectFrom('audit_events').select('details').where('user_id', '=', userId).where('event', '=', 'mfa.failed').orderBy('id').execute();
  return rows.map((r) => JSON.parse(r.details ?? '{}').reason);
}
