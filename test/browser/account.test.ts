import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { translator } from '../../src/i18n/index.ts';

const t = translator();
const email = 'account-chromium@example.com';
const FIRST = 'a long walk on the quiet beach';
const SECOND = 'brand new words for a new day';

let gh: TestGatehouse;
let browser: TestBrowser;

before(async () => {
  gh = await startTestGatehouse();
  // Phone-sized: account settings must work without sideways scrolling.
  browser = await launchBrowser({ viewport: { width: 360, height: 740 } });
});
after(async () => {
  await browser?.close();
  await gh?.close();
});

async function fitsTheScreen(page: Page): Promise<void> {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${page.url()} is ${scroll}px wide on a ${inner}px screen`);
}

async function signIn(page: Page, password: string): Promise<void> {
  await page.getByLabel(t('common.email')).fill(email);
  await page.getByRole('button', { name: t('common.continue') }).click();
  await page.getByLabel(t('common.password'), { exact: true }).fill(password);
  await page.getByRole('button', { name: t('common.continue') }).click();
}

test('in Chromium: sign in to account settings, change the name and the password, read the activity', async () => {
  const { page, consoleErrors } = browser;
  await gh.createUser(email, FIRST, { name: 'Chromium User' });

  await page.goto(`${gh.issuer}/account`);
  assert.equal((await page.locator('h1').textContent())?.trim(), t('login.title'), 'sent to sign in first');
  await signIn(page, FIRST);
  await page.waitForURL(`${gh.issuer}/account`);
  assert.equal((await page.locator('h1').textContent())?.trim(), t('account.title'));
  await page.getByText(t('account.signed_in_as', { email })).waitFor();
  await fitsTheScreen(page);

  // Profile.
  const name = page.getByLabel(t('common.name'));
  assert.equal(await name.inputValue(), 'Chromium User');
  await name.fill('Renamed In Chromium');
  await page.getByRole('button', { name: t('common.save') }).click();
  await page.waitForURL(/done=profile/);
  await page.getByRole('status').getByText(t('account.profile_saved')).waitFor();
  assert.equal(await page.getByLabel(t('common.name')).inputValue(), 'Renamed In Chromium');

  // A wrong current password: the error summary takes focus and the field is marked.
  await page.getByLabel(t('account.current_password')).fill('not my password');
  await page.getByLabel(t('account.new_password'), { exact: true }).fill(SECOND);
  await page.getByLabel(t('account.repeat_password')).fill(SECOND);
  await page.getByRole('button', { name: t('account.change_password') }).click();
  await page.locator('.error-summary').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true, 'focus on the error summary');
  assert.equal(await page.getByLabel(t('account.current_password')).getAttribute('aria-invalid'), 'true');
  await fitsTheScreen(page);

  // The right one.
  await page.getByLabel(t('account.current_password')).fill(FIRST);
  await page.getByLabel(t('account.new_password'), { exact: true }).fill(SECOND);
  await page.getByLabel(t('account.repeat_password')).fill(SECOND);
  await page.getByRole('button', { name: t('account.change_password') }).click();
  await page.waitForURL(/done=password/);
  await page.getByRole('status').getByText(t('account.password_changed')).waitFor();

  // Activity, newest first.
  const activity = (await page.locator('#activity li strong').allTextContents()).map((s) => s.trim());
  assert.equal(activity[0], t('account.event.signed_out_everywhere'));
  assert.ok(activity.includes(t('account.event.password_changed')), activity.join(' | '));
  assert.ok(activity.includes(t('account.event.password_failed')), activity.join(' | '));
  assert.ok(activity.includes(t('account.event.profile_updated')), activity.join(' | '));
  assert.match((await page.locator('#activity li').first().textContent()) ?? '', /Chrome on Linux/);
  await fitsTheScreen(page);

  // Sign out, then back in with the new password.
  await page.getByRole('button', { name: t('account.sign_out'), exact: true }).click();
  await page.getByText(t('logout.done_body')).waitFor();
  await page.getByRole('link', { name: t('account.sign_in_again') }).click();
  await signIn(page, SECOND);
  await page.waitForURL(`${gh.issuer}/account`);
  assert.equal(await page.getByLabel(t('common.name')).inputValue(), 'Renamed In Chromium');

  // A 400 answer to the wrong password (and the missing favicon) are logged as failed loads; anything else is a CSP violation or a script error.
  assert.deepEqual(consoleErrors.filter((e) => !e.startsWith('Failed to load resource')), [], 'no CSP violations or script errors');
});
