import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { browserApp, enterPassword, heading, scriptErrors, startAppServer, t, type BrowserApp } from './webauthn-support.ts';
import { ACR } from '../../src/oidc/acr.ts';

const PASSWORD = 'a long walk on the quiet beach';
const email = 'phone@example.com';

let gh: TestGatehouse;
let browser: TestBrowser;
let appServer: Awaited<ReturnType<typeof startAppServer>>;
let app: BrowserApp;

before(async () => {
  gh = await startTestGatehouse();
  // A phone: every step of the wizard must work without sideways scrolling.
  browser = await launchBrowser({ viewport: { width: 390, height: 844 } });
  appServer = await startAppServer();
  app = await browserApp(gh, appServer.origin, 'required');
});
after(async () => {
  await browser?.close();
  await appServer?.close();
  await gh?.close();
});

async function fitsTheScreen(page: Page): Promise<void> {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${page.url()} (${await heading(page)}) is ${scroll}px wide on a ${inner}px screen`);
}

/** What Google or Microsoft Authenticator shows for `secret` (SHA-1, 6 digits, 30 s) at `atMs`. */
function authenticatorApp(secret: string, atMs: number): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: atMs });
}

test('authenticator app on a phone-sized screen: QR code, "Can\'t scan?", a code confirms, recovery codes, then the code at the next sign-in', async () => {
  const { page, consoleErrors } = browser;
  await gh.createUser(email, PASSWORD);
  let auth = await app.start(page);
  await enterPassword(page, email, PASSWORD);

  // The why (no step count: the steps are choose, set up, recovery codes)
  assert.equal(await heading(page), t('wizard.intro.title'));
  assert.equal(await page.getByText(/Step \d+ of \d+/).count(), 0, 'the intro is not a step');
  await fitsTheScreen(page);
  assert.equal(await page.locator('form[action$="/later"]').count(), 0, 'Required: no "Remind me later"');
  await page.getByRole('button', { name: t('wizard.intro.start') }).click();

  // 1 choose: Gatehouse Authenticator is listed first and preselected (issue 8); the person picks the authenticator app
  assert.equal(await heading(page), t('wizard.choose.title'));
  await page.getByText(t('wizard.progress', { n: 1, total: 3 })).waitFor();
  await fitsTheScreen(page);
  assert.equal(await page.locator('input[name="method"]').first().getAttribute('value'), 'push');
  assert.equal(await page.locator('#m-push').isChecked(), true);
  assert.equal(await page.getByLabel(t('method.totp')).isChecked(), false);
  await page.getByLabel(t('method.totp')).check();
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();

  // 2 set up: a QR code that loaded; on a phone the key is shown with the page (issue 7, phone first)
  assert.equal(await heading(page), t('wizard.totp.title'));
  await page.getByText(t('wizard.progress', { n: 2, total: 3 })).waitFor();
  await fitsTheScreen(page);
  const qr = page.getByRole('img', { name: t('wizard.totp.qr_alt') });
  assert.equal(await qr.isVisible(), true);
  const box = await qr.boundingBox();
  assert.ok(box && box.width >= 150 && box.x >= 0 && box.x + box.width <= 390, `QR code at ${JSON.stringify(box)}`);
  assert.ok(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the QR image decoded (img-src data: is allowed)');
  const secretEl = page.getByTestId('totp-secret');
  // The page's script opens the key on a phone at DOMContentLoaded, which may come after its heading.
  await page.waitForLoadState('domcontentloaded');
  assert.equal(await secretEl.isVisible(), true, 'on a phone the key is open with the page');
  await page.getByText(t('wizard.totp.cant_scan')).click();
  assert.equal(await secretEl.isVisible(), false, '"Can\'t scan?" closes it');
  await page.getByText(t('wizard.totp.cant_scan')).click();
  assert.equal(await secretEl.isVisible(), true);
  await fitsTheScreen(page);
  const secret = ((await secretEl.textContent()) ?? '').replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  const uri = new URL((await page.getByRole('link', { name: t('wizard.totp.open_app') }).getAttribute('href'))!);
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.searchParams.get('issuer'), 'Gatehouse');
  assert.equal(uri.searchParams.get('secret'), secret);
  assert.match(decodeURIComponent(uri.pathname), new RegExp(email.replace('.', '\\.')));

  // Confirm (part of step 2): a wrong code first, then the app's code
  const code = page.getByLabel(t('wizard.totp.code_label'));
  const right = authenticatorApp(secret, Date.now());
  await code.fill(right === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: t('wizard.confirm.button') }).click();
  await page.locator('.error-summary').waitFor();
  assert.equal(await heading(page), t('wizard.totp.title'));
  assert.equal(await page.getByLabel(t('wizard.totp.code_label')).getAttribute('aria-invalid'), 'true');
  await fitsTheScreen(page);
  await page.getByLabel(t('wizard.totp.code_label')).fill(authenticatorApp(secret, Date.now()));
  await page.getByRole('button', { name: t('wizard.confirm.button') }).click();

  // 3 recovery codes: copy/print appear (script), the box must be ticked
  assert.equal(await heading(page), t('wizard.recovery.title'));
  await page.getByText(t('wizard.progress', { n: 3, total: 3 })).waitFor();
  await fitsTheScreen(page);
  const codes = (await page.locator('#recovery-codes code').allTextContents()).map((c) => c.trim());
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  assert.equal(await page.getByRole('button', { name: t('wizard.recovery.copy') }).isVisible(), true);
  assert.equal(await page.getByRole('button', { name: t('wizard.recovery.print') }).isVisible(), true);
  const download = await page.getByRole('link', { name: t('wizard.recovery.download') }).getAttribute('href');
  assert.ok(codes.every((c) => decodeURIComponent(download!).includes(c)), 'the download holds every code');
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  await page.getByText(t('wizard.recovery.must_confirm')).first().waitFor();
  assert.equal(await heading(page), t('wizard.recovery.title'));
  await page.getByLabel(t('wizard.recovery.stored')).check();
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();

  // Done (the outcome, not a step)
  assert.equal(await heading(page), t('wizard.done.title'));
  await fitsTheScreen(page);
  await page.locator('form[action$="/done"] button').click();
  const claims = await app.back(page, auth);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  assert.equal(claims.acr, ACR.multiFactor);

  // Signed out; the next sign-in asks for the app's code (a later one: the used step is spent).
  await browser.context.clearCookies();
  auth = await app.start(page);
  await enterPassword(page, email, PASSWORD);
  assert.equal(await heading(page), t('mfa.title'));
  await fitsTheScreen(page);
  await page.getByLabel(t('mfa.totp.label')).fill(authenticatorApp(secret, Date.now() + 30_000));
  await page.getByRole('button', { name: t('mfa.verify') }).click();
  const again = await app.back(page, auth);
  assert.equal(again.sub, claims.sub);
  assert.deepEqual(again.amr, ['pwd', 'otp', 'mfa']);

  assert.deepEqual(scriptErrors(consoleErrors), [], 'no CSP violations or script errors on any page');
});
