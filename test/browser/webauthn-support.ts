import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import type { ReceivedMail } from '../helpers/smtp.ts';
import { buildAuthorization, relyingParty, type AuthStart } from '../helpers/oidc-client.ts';
import { translator } from '../../src/i18n/index.ts';
import type { AppPolicy } from '../../src/store/clients.ts';

/** Page-driving steps shared by the 2FA browser suites (test/browser/webauthn*.test.ts, mfa*.test.ts). */
export const t = translator();

/**
 * The relying party's redirect_uri: a tiny HTTP server on a free loopback port that answers
 * anything with a blank page (the app needs only the code in the address; the page is also a
 * site of another origin for the WebAuthn origin tests). Not a routed URL: Chromium refuses
 * "unsafe" ports such as 9 before any route sees the request.
 */
export async function startAppServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>The app</title><p>the app</p>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface BrowserApp {
  rp: client.Configuration;
  redirectUri: string;
  /** Starts a sign-in to the app in `page`; returns what the app keeps to redeem the code. */
  start(page: Page, extra?: Record<string, string>): Promise<AuthStart>;
  /** Waits until `page` is back at the app and redeems the code: the ID token's claims. */
  back(page: Page, auth: AuthStart): Promise<client.IDToken>;
}

/** Registers an app with `policy` whose redirect_uri is on `appOrigin`, and an openid-client relying party for it. */
export async function browserApp(gh: TestGatehouse, appOrigin: string, policy: AppPolicy, path: string = policy): Promise<BrowserApp> {
  const redirectUri = `${appOrigin}/${path}/cb`;
  const { clientId, clientSecret } = await gh.createApp({ redirectUris: [redirectUri], policy });
  const rp = await relyingParty(gh.issuer, clientId, clientSecret);
  return {
    rp,
    redirectUri,
    async start(page, extra = {}) {
      const auth = await buildAuthorization(rp, redirectUri, extra);
      await page.goto(auth.url.href);
      return auth;
    },
    async back(page, auth) {
      await page.waitForURL((u) => u.href.startsWith(redirectUri));
      const tokens = await client.authorizationCodeGrant(rp, new URL(page.url()), { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce, idTokenExpected: true });
      return tokens.claims()!;
    },
  };
}

export async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').textContent())?.trim() ?? '';
}

/** Email page, then password page. */
export async function enterPassword(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel(t('common.email')).fill(email);
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  await page.getByLabel(t('common.password'), { exact: true }).fill(password);
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
}

/**
 * The wizard from the why through the choice and the set-up with a WebAuthn kind, the touch (the
 * virtual authenticator of the tab answers), the recovery codes and done. Returns the codes shown.
 */
export async function enrollWebAuthn(page: Page, kind: 'passkey' | 'security-key', name?: string): Promise<string[]> {
  await page.getByRole('button', { name: t('wizard.intro.start') }).click();
  assert.equal(await heading(page), t('wizard.choose.title'));
  await page.getByLabel(kind === 'passkey' ? t('wizard.choose.passkey') : t('wizard.choose.security_key')).check();
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  assert.equal(await heading(page), kind === 'passkey' ? t('wizard.webauthn.passkey_title') : t('wizard.webauthn.key_title'));
  if (name) await page.getByLabel(t('wizard.webauthn.name_label')).fill(name);
  await page.locator('form[data-webauthn=register] button[type=submit]').click();
  await page.getByRole('heading', { name: t('wizard.recovery.title') }).waitFor();
  return finishWizard(page);
}

/** The wizard's "Check your email" step (decision 0014): the newest code mailed to `email`, typed in. */
export async function typeEmailCode(page: Page, gh: TestGatehouse, email: string): Promise<void> {
  assert.equal(await heading(page), t('wizard.email.title'));
  const sent = (m: ReceivedMail) => m.to.includes(email) && m.subject === t('notice.enroll_code.subject');
  const mail = gh.smtp.mails.filter(sent).at(-1) ?? (await gh.smtp.waitFor(sent));
  await page.getByLabel(t('wizard.email.code_label')).fill(/^\s+(\d{6})\s*$/m.exec(mail.text)![1]!);
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
}

/** The recovery codes and done: store the codes, tick the box, continue to the app. Returns the codes. */
export async function finishWizard(page: Page): Promise<string[]> {
  const codes = (await page.locator('#recovery-codes code').allTextContents()).map((c) => c.trim());
  assert.equal(codes.length, 10);
  await page.getByLabel(t('wizard.recovery.stored')).check();
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  assert.equal(await heading(page), t('wizard.done.title'));
  await page.locator('form[action$="/done"] button').click();
  return codes;
}

/** Console errors that are not a page answered with a 4xx (a refused code is a 400 page). */
export function scriptErrors(consoleErrors: string[]): string[] {
  return consoleErrors.filter((e) => !e.startsWith('Failed to load resource'));
}

/**
 * Lets a test switch the page's passkey autofill (conditional mediation) off. The virtual
 * authenticator answers an autofill request at once, as if the person picked the passkey, so a
 * page that offers autofill signs in before any button can be clicked; with autofill off the page
 * behaves as in a browser without it, and the "Sign in with a passkey" button runs the ceremony.
 */
export async function autofillSwitch(page: Page): Promise<(on: boolean) => void> {
  let allowed = true;
  await page.exposeFunction('__gatehouseTestAutofill', () => allowed);
  await page.addInitScript(() => {
    const pkc = window.PublicKeyCredential as unknown as { isConditionalMediationAvailable?: () => Promise<boolean> } | undefined;
    const original = pkc?.isConditionalMediationAvailable?.bind(pkc);
    if (!pkc || !original) return;
    const ask = (window as unknown as { __gatehouseTestAutofill: () => Promise<boolean> }).__gatehouseTestAutofill;
    pkc.isConditionalMediationAvailable = async () => (await ask()) && (await original());
  });
  return (on) => {
    allowed = on;
  };
}
