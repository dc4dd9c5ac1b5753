import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { totpCode } from '../helpers/mfa.ts';
import { freePort } from '../helpers/ports.ts';
import { startDemo } from '../../src/demo/index.ts';
import { DEMO_USER } from '../../src/demo/catalog.ts';
import { browserApp, heading, t } from './webauthn-support.ts';

/**
 * Every page a person can reach, in the order a person reaches them: the self-service pages, the
 * sign-in, the wizard (each step, its errors), the challenge (each way), account settings and every
 * confirmation, the error pages, and the demo apps. `visit` is called on each, named; the suites of
 * issue 7 measure the focus rings (focus-ring.test.ts) and run axe-core (axe.test.ts) on them.
 */
export type Visit = (page: Page, name: string) => Promise<void>;

/**
 * The walk in two halves, so that each file of a suite stays well within the test runner's two minutes:
 * `sign-in` is the self-service pages, the sign-in and the wizard; `settings` is the challenge, account
 * settings and their confirmations, the error pages and the demo apps (its person is set up first,
 * through the same pages, unvisited).
 */
export type TourPart = 'sign-in' | 'settings';

export interface TourOptions {
  part: TourPart;
  gh: TestGatehouse;
  page: Page;
  /** Where the test app's redirect_uri answers (startAppServer). */
  appOrigin: string;
  /** Unique per run: the person signs up afresh. */
  email: string;
  password: string;
  /** The demo's Directory app (Bypass), when the suite started the demo (startDemo). */
  demoDirectory?: string;
}

/** One sign-in code per 30-second step: the next code comes from a later step of the real clock. */
function codes(secret: string) {
  let at = Date.now();
  return () => {
    const code = totpCode(secret, at);
    at += 30_000;
    return code;
  };
}

export async function tour(o: TourOptions, visitAll: Visit): Promise<void> {
  const { gh, page, email, password } = o;
  const skip: Visit = async () => {};
  let visit = o.part === 'sign-in' ? visitAll : skip;
  const go = async (path: string, name: string) => {
    await page.goto(gh.issuer + path);
    await visit(page, name);
  };
  const button = (name: string) => page.getByRole('button', { name, exact: true });

  // Self-service pages, signed out.
  if (o.part === 'sign-in') {
  await go('/signup', 'sign-up');
  await button(t('signup.submit')).click();
  await page.locator('.error-summary').waitFor();
  await visit(page, 'sign-up with errors');
  await go('/reset', 'password reset request');
  await go('/reset/confirm?token=not-a-token', 'password reset with a bad link');
  await go('/verify-email?token=not-a-token', 'email verification with a bad link');
  await go('/no-such-page', 'not-found error page');
  }

  // Sign-in to a Required app: email (an error first), password (an error first), then the wizard.
  await gh.createUser(email, password);
  const app = await browserApp(gh, o.appOrigin, 'required', `required-${email.split('@')[0]}`);
  const auth = await app.start(page);
  await visit(page, 'sign-in: email');
  await button(t('common.continue')).click();
  await page.locator('.error-summary').waitFor();
  await visit(page, 'sign-in: email with an error');
  await page.getByLabel(t('common.email')).fill(email);
  await button(t('common.continue')).click();
  await page.getByLabel(t('common.password'), { exact: true }).waitFor();
  await visit(page, 'sign-in: password');
  await page.getByLabel(t('common.password'), { exact: true }).fill('not the password at all');
  await button(t('common.continue')).click();
  await page.locator('.error-summary').waitFor();
  await visit(page, 'sign-in: password with an error');
  await page.getByLabel(t('common.password'), { exact: true }).fill(password);
  await button(t('common.continue')).click();

  assert.equal(await heading(page), t('wizard.intro.title'));
  await visit(page, 'wizard: why');
  await button(t('wizard.intro.start')).click();
  assert.equal(await heading(page), t('wizard.choose.title'));
  await visit(page, 'wizard: choose a method');
  await page.getByLabel(t('wizard.choose.security_key')).check();
  await button(t('common.continue')).click();
  // A first method from a new browser: the code sent to the email first (the suites turn it on).
  assert.equal(await heading(page), t('wizard.email.title'));
  await visit(page, 'wizard: code from the email');
  const mail = await gh.smtp.waitFor((m) => m.to.includes(email) && m.subject === t('notice.enroll_code.subject'));
  const emailCode = /^\s+(\d{6})\s*$/m.exec(mail.text)![1]!;
  await page.getByLabel(t('wizard.email.code_label')).fill(emailCode === '000000' ? '111111' : '000000');
  await button(t('common.continue')).click();
  await page.locator('.error-summary').waitFor();
  await visit(page, 'wizard: code from the email with an error');
  await page.getByLabel(t('wizard.email.code_label')).fill(emailCode);
  await button(t('common.continue')).click();
  assert.equal(await heading(page), t('wizard.webauthn.key_title'));
  await visit(page, 'wizard: security key');
  await button(t('common.back')).click();
  await page.getByLabel(t('method.totp')).check();
  await button(t('common.continue')).click();
  assert.equal(await heading(page), t('wizard.totp.title'));
  await visit(page, 'wizard: authenticator app');
  const secretEl = page.getByTestId('totp-secret');
  if (!(await secretEl.isVisible())) await page.getByText(t('wizard.totp.cant_scan')).click();
  const secret = ((await secretEl.textContent()) ?? '').replace(/\s+/g, '');
  const next = codes(secret);
  const right = next();
  await page.getByLabel(t('wizard.totp.code_label')).fill(right === '000000' ? '111111' : '000000');
  await button(t('wizard.confirm.button')).click();
  await page.locator('.error-summary').waitFor();
  await visit(page, 'wizard: authenticator app with an error');
  await page.getByLabel(t('wizard.totp.code_label')).fill(right);
  await button(t('wizard.confirm.button')).click();
  assert.equal(await heading(page), t('wizard.recovery.title'));
  await visit(page, 'wizard: recovery codes');
  await button(t('common.continue')).click();
  await page.getByText(t('wizard.recovery.must_confirm')).first().waitFor();
  await visit(page, 'wizard: recovery codes with an error');
  await page.getByLabel(t('wizard.recovery.stored')).check();
  await button(t('common.continue')).click();
  assert.equal(await heading(page), t('wizard.done.title'));
  await visit(page, 'wizard: done');
  await page.locator('form[action$="/done"] button').click();
  await app.back(page, auth);

  if (o.part === 'sign-in') return;
  visit = visitAll;

  // Signed out: the challenge, each way (code, wrong code, recovery code).
  await page.context().clearCookies();
  const again = await app.start(page);
  await page.getByLabel(t('common.email')).fill(email);
  await button(t('common.continue')).click();
  await page.getByLabel(t('common.password'), { exact: true }).fill(password);
  await button(t('common.continue')).click();
  assert.equal(await heading(page), t('mfa.title'));
  await visit(page, 'challenge: authenticator app');
  await page.getByLabel(t('mfa.totp.label')).fill('12');
  await button(t('mfa.verify')).click();
  await page.locator('.error-summary').waitFor();
  await visit(page, 'challenge: with an error');
  await page.getByRole('link', { name: t('mfa.use_recovery') }).click();
  await page.getByLabel(t('mfa.recovery.label')).waitFor();
  await visit(page, 'challenge: recovery code');
  await page.getByText(t('mfa.try_another')).click();
  await page.getByRole('link', { name: t('method.totp') }).first().click();
  await page.getByLabel(t('mfa.totp.label')).fill(next());
  await button(t('mfa.verify')).click();
  await app.back(page, again);

  // Account settings: the console asks for the code again (a Required rule of its own).
  await page.goto(`${gh.issuer}/account`);
  for (let i = 0; i < 4 && new URL(page.url()).pathname !== '/account'; i++) {
    if (await page.locator('input#email').count()) await page.locator('input#email').fill(email);
    else if (await page.locator('input#password').count()) await page.locator('input#password').fill(password);
    else if (await page.locator('input#code').count()) await page.locator('input#code').fill(next());
    else break;
    await page.locator('main form button[type=submit]').first().click();
    await page.waitForLoadState();
  }
  await page.waitForURL(`${gh.issuer}/account`);
  await visit(page, 'account');
  await go('/account/security', 'account: two-step verification');
  await go('/account/security/verify?next=%2Faccount%2Fsecurity', "account: confirm it's you");
  await go('/account/security', 'account: two-step verification');
  await page.locator('tr[data-method]').first().getByRole('button', { name: t('security.remove') }).click();
  await page.waitForURL(/\/remove\/confirm$/);
  await visit(page, 'account: remove a method?');
  await go('/account/security/recovery-codes/confirm', 'account: create new recovery codes?');
  await go('/account/security/reset/confirm', 'account: reset two-step verification?');
  await go('/account/sign-out-everywhere/confirm', 'account: sign out everywhere?');

  await go('/interaction/not-an-interaction', 'expired interaction error page');

  if (o.demoDirectory) {
    const directory = o.demoDirectory;
    {
      await page.context().clearCookies();
      await page.goto(`${directory}/`);
      await visit(page, 'demo: signed out');
      await page.goto(`${directory}/callback?code=x&state=y`);
      await visit(page, 'demo: error');
      await page.goto(`${directory}/login`);
      await page.getByLabel(t('common.email')).fill(DEMO_USER.email);
      await button(t('common.continue')).click();
      await page.getByLabel(t('common.password'), { exact: true }).fill(DEMO_USER.password);
      await button(t('common.continue')).click();
      await page.waitForURL(`${directory}/`);
      await visit(page, 'demo: signed in');
    }
  }
}

/** The demo apps on free ports (one start per suite: the demo seeds its apps once). */
export async function startTourDemo(gh: TestGatehouse) {
  const seen = new Set<number>();
  while (seen.size < 3) seen.add(await freePort());
  const demo = await startDemo(gh.gh, { ports: [...seen] as [number, number, number] });
  return { demo, directory: demo.apps.find((a) => a.name === 'Directory')!.url };
}
