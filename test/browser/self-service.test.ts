import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { linkIn } from '../helpers/smtp.ts';
import { buildAuthorization, relyingParty } from '../helpers/oidc-client.ts';
import { translator } from '../../src/i18n/index.ts';

const t = translator();
const redirectUri = 'http://127.0.0.1:9/cb';
const email = 'chromium@example.com';
const FIRST = 'a long walk on the quiet beach';
const SECOND = 'brand new words for a new day';

let gh: TestGatehouse;
let browser: TestBrowser;

before(async () => {
  gh = await startTestGatehouse();
  // Phone-sized: the pages must work without sideways scrolling.
  browser = await launchBrowser({ viewport: { width: 360, height: 740 } });
});
after(async () => {
  await browser?.close();
  await gh?.close();
});

async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').textContent())?.trim() ?? '';
}

async function fitsTheScreen(page: Page): Promise<void> {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${page.url()} is ${scroll}px wide on a ${inner}px screen`);
}

const mailTo = (subject: string, n = 1) =>
  gh.smtp.waitFor(() => gh.smtp.mails.filter((m) => m.to.includes(email) && m.subject === subject).length >= n).then(
    () => gh.smtp.mails.filter((m) => m.to.includes(email) && m.subject === subject)[n - 1]!,
  );

test('sign-up, email verification and password reset in Chromium, within the CSP', async () => {
  const { page, consoleErrors } = browser;
  assert.ok(gh.issuer.startsWith('http://localhost:'));

  // Sign-up: a weak password first — the error summary gets focus (static/focus.js runs under the CSP).
  await page.goto(gh.issuer + '/signup');
  assert.equal(await heading(page), t('signup.title'));
  await fitsTheScreen(page);
  await page.getByLabel(t('signup.name_label')).fill('Chromium User');
  await page.getByLabel(t('common.email')).fill(email);
  await page.getByLabel(t('common.password'), { exact: true }).fill('password1');
  await page.getByRole('button', { name: t('signup.submit') }).click();
  await page.locator('.error-summary').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true, 'focus on the error summary');
  assert.equal(await page.getByLabel(t('common.password'), { exact: true }).getAttribute('aria-invalid'), 'true');
  await fitsTheScreen(page);

  await page.getByLabel(t('common.password'), { exact: true }).fill(FIRST);
  // static/show-password.js: reveal, hide again, and never submit a revealed field as text.
  const password = page.getByLabel(t('common.password'), { exact: true });
  await page.getByRole('button', { name: t('selfservice.show_password') }).click();
  assert.equal(await password.getAttribute('type'), 'text');
  assert.equal(await page.getByRole('button', { name: t('selfservice.hide_password') }).getAttribute('aria-pressed'), 'true');
  await page.getByRole('button', { name: t('selfservice.hide_password') }).click();
  assert.equal(await password.getAttribute('type'), 'password');
  await page.getByRole('button', { name: t('selfservice.show_password') }).click();
  await page.getByRole('button', { name: t('signup.submit') }).click();
  await page.waitForURL(/\/signup$/);
  assert.equal(await heading(page), t('signup.check_email'));

  // The link from the mail: a page with a button, then verified.
  await page.goto(linkIn(await mailTo(t('verify.mail_subject'))));
  assert.equal(await heading(page), t('verify.confirm_title'));
  await fitsTheScreen(page);
  await page.getByLabel(t('verify.password_label'), { exact: true }).fill(FIRST);
  await page.getByRole('button', { name: t('verify.confirm_submit') }).click();
  await page.waitForURL(/\/verify-email$/);
  assert.equal(await heading(page), t('verify.title'));

  // Password reset.
  await page.goto(gh.issuer + '/reset');
  assert.equal(await heading(page), t('reset.title'));
  await fitsTheScreen(page);
  await page.getByLabel(t('common.email')).fill(email);
  await page.getByRole('button', { name: t('reset.submit') }).click();
  await page.waitForURL(/\/reset$/);
  assert.equal(await heading(page), t('reset.sent_title'));

  await page.goto(linkIn(await mailTo(t('reset.mail_subject'))));
  assert.equal(await heading(page), t('reset.choose_title'));
  await fitsTheScreen(page);
  await page.getByLabel(t('reset.new_password'), { exact: true }).fill(SECOND);
  await page.getByLabel(t('reset.confirm_password')).fill(SECOND + 'x');
  await page.getByRole('button', { name: t('reset.choose_submit') }).click();
  await page.locator('.error-summary').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true);
  await page.getByLabel(t('reset.new_password'), { exact: true }).fill(SECOND);
  await page.getByLabel(t('reset.confirm_password')).fill(SECOND);
  await page.getByRole('button', { name: t('reset.choose_submit') }).click();
  await page.waitForURL(/\/reset\/confirm$/);
  assert.equal(await heading(page), t('reset.done_title'));
  await mailTo(t('password.changed_mail_subject'));

  // The new password signs in to an app through the sign-in pages.
  const app = await gh.createApp({ redirectUris: [redirectUri] });
  const rp = await relyingParty(gh.issuer, app.clientId, app.clientSecret);
  const auth = await buildAuthorization(rp, redirectUri);
  await page.route(`${redirectUri}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'app' }));
  await page.goto(auth.url.href);
  await page.getByLabel(t('common.email')).fill(email);
  await page.getByRole('button', { name: t('common.continue') }).click();
  await page.getByLabel(t('common.password'), { exact: true }).fill(SECOND);
  await page.getByRole('button', { name: t('common.continue') }).click();
  await page.waitForURL((u) => u.href.startsWith(redirectUri));
  const tokens = await client.authorizationCodeGrant(rp, new URL(page.url()), { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce });
  assert.equal(tokens.claims()!.email, email);

  // Chromium logs every 4xx document as "Failed to load resource": the two refused forms above
  // (400) and its own favicon request (404) are expected; anything else is a problem.
  const unexpected = consoleErrors.filter(
    (e) => !/^Failed to load resource: the server responded with a status of 400 .*\[http:\/\/localhost:\d+\/(signup|reset\/confirm)\]$/.test(e) && !/status of 404 .*\/favicon\.ico\]$/.test(e),
  );
  assert.deepEqual(unexpected, [], 'no console errors, no CSP violations');
});

test('the CSP check above can see a violation', async () => {
  const { page, consoleErrors } = browser;
  await page.goto(gh.issuer + '/reset');
  const before = consoleErrors.length;
  // An inline script is exactly what the Content-Security-Policy forbids.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'document.title = "inline ran"';
    document.body.append(s);
  });
  await page.waitForTimeout(100);
  assert.notEqual(await page.title(), 'inline ran');
  assert.ok(consoleErrors.slice(before).some((e) => /Content Security Policy/i.test(e)), `got ${JSON.stringify(consoleErrors)}`);
});
