import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { verifiedCompany } from '../helpers/company.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { freePort } from '../helpers/ports.ts';
import { addVirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { finishWizard, heading, scriptErrors, t, typeEmailCode } from './webauthn-support.ts';
import { signInToDemoApp, signOutOfDemoApp } from './demo-support.ts';
import { startDemo, DEMO_USER, type Demo } from '../../src/demo/index.ts';
import { DEMO_APPS } from '../../src/demo/catalog.ts';
import { ACR } from '../../src/oidc/acr.ts';
import type { Clock } from '../../src/clock.ts';

// The demo as README's "Try it" tells a newcomer to click through it, in a real Chromium: the three
// demo apps (Expense Adaptive, Payroll Required, Directory Bypass), each on its own port, signing in
// through Gatehouse's pages; the authenticator app is `otpauth` computing the code from the key the
// wizard shows under "Can't scan?".
//
// Time: Gatehouse's injected clock is the test's. oidc-provider (auth_time, max_age) and Payroll's
// own API (@gatehouse/sdk: "a two-factor sign-in of the last 5 minutes") read Date.now, so Date.now
// is moved with it: one time for the whole process, moved forward by hand — a sign-in grows older
// than 5 minutes without a wait, and each authenticator-app code gets a step of its own.
const realNow = Date.now.bind(Date);
let ahead = 0;
Date.now = () => realNow() + ahead;
const clock: Clock & { advance(ms: number): void; stepAfter(at: number): void } = {
  now: () => Date.now(),
  advance(ms) {
    ahead += ms;
  },
  /**
   * To the start of the 30-second step after the one `at` falls in: a code made at `at` is still
   * accepted (±1 step) and, once used, the next sign-in's code is a new one. Counted from when the
   * code was made, not from now: real time goes on while a loaded machine types the code, and a step
   * that began meanwhile must not be skipped too (the code would then be two steps old and refused).
   */
  stepAfter(at) {
    ahead += Math.max(0, (Math.floor(at / 30_000) + 1) * 30_000 + 1_000 - Date.now());
  },
};

let gh: TestGatehouse;
let demo: Demo;

const browsers: TestBrowser[] = [];
/** Dana's authenticator app, once she set it up at Payroll (README step 2). */
let danaSecret: string | undefined;
const url = (name: string) => demo.apps.find((a) => a.name === name)!.url;

before(async () => {
  // As `npm start` runs it: a first method from a new browser needs the code sent to the email (decision 0014).
  gh = await startTestGatehouse({ GATEHOUSE_ENROLLMENT_EMAIL_CODE: '1' }, { clock });
  assert.ok(gh.issuer.startsWith('http://localhost:'), 'WebAuthn needs the RP ID localhost');
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  demo = await startDemo(gh.gh, { ports: [...ports] as [number, number, number] });
  assert.deepEqual(
    demo.apps.map((a) => a.name),
    DEMO_APPS.map((a) => a.name),
  );
});
after(async () => {
  for (const b of browsers) await b.close();
  await demo?.close();
  await gh?.close();
  Date.now = realNow;
});

/** A browser of its own (a fresh profile: no cookies, a device Gatehouse has never seen). */
async function freshBrowser(): Promise<TestBrowser> {
  // One Chromium at a time: the previous test's is done.
  for (const old of browsers.splice(0)) await old.close();
  const b = await launchBrowser();
  browsers.push(b);
  return b;
}

/** What Dana's authenticator app shows now (a code is accepted once: move to the next step after using it). */
function danaCode(at = clock.now()): string {
  assert.ok(danaSecret, 'Dana set up her authenticator app in the first test (README step 2)');
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(danaSecret) }).generate({ timestamp: at });
}

/** The app's "Sign in" button, then Gatehouse's email and password pages. */
const signIn = (page: Page, app: string, email?: string, password?: string) => signInToDemoApp(page, url(app), gh.issuer, email, password);

/** Signed in at the app's home page, as it shows the ID token: the methods used (`amr`) and the acr. */
async function assertAtHome(page: Page, app: string, amr: string): Promise<void> {
  await page.waitForURL(`${url(app)}/`);
  assert.equal(await page.locator('.who').textContent(), 'Dana Demo', `${app}: signed in as Dana`);
  assert.equal(await page.locator('.amr code').textContent(), amr, `${app}: amr`);
  assert.equal(await page.locator('.acr code').textContent(), amr === 'pwd' ? ACR.singleFactor : ACR.multiFactor, `${app}: acr`);
}

/** Gatehouse's second-factor page with the authenticator-app code field. */
async function atChallenge(page: Page): Promise<boolean> {
  return page.url().startsWith(gh.issuer) && (await heading(page)) === t('mfa.title') && (await page.getByLabel(t('mfa.totp.label')).count()) === 1;
}

/** Types the code of this step, then moves time to the next step before submitting (±1 step is accepted): the next sign-in gets a new code. */
async function typeCode(page: Page): Promise<void> {
  const at = clock.now();
  await page.getByLabel(t('mfa.totp.label')).fill(danaCode(at));
  clock.stepAfter(at);
  await page.getByRole('button', { name: t('mfa.verify') }).click();
}

/** The app's "Sign out", then Gatehouse's confirmation: signed out of the app and of Gatehouse. */
const signOut = (page: Page, app: string) => signOutOfDemoApp(page, url(app));

test('README "Try it": Expense with "Remind me later", Payroll by single sign-on sets up an authenticator app, Directory by single sign-on', async () => {
  const { page, consoleErrors } = await freshBrowser();
  // 1. Expense (Adaptive), Sign in: Dana has no 2FA yet, so it is suggested; "Remind me later".
  await signIn(page, 'Expense');
  assert.equal(await heading(page), t('wizard.intro.title'));
  await page.locator('form[action$="/later"] button').click();
  await assertAtHome(page, 'Expense', 'pwd');

  // 2. Open Payroll: no password again, but Payroll (Required) opens the wizard, without "Remind me later".
  await page.getByRole('link', { name: 'Open Payroll' }).click();
  await page.waitForURL(/\/interaction\/[^/]+\/enroll$/);
  assert.equal(await page.getByLabel(t('common.password'), { exact: true }).count(), 0, 'single sign-on: no password');
  assert.equal(await page.locator('form[action$="/later"]').count(), 0, 'Required: no "Remind me later"');
  await page.getByRole('button', { name: t('wizard.intro.start') }).click();
  assert.equal(await heading(page), t('wizard.choose.title'));
  await page.getByLabel(t('method.totp')).check();
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  // This browser never completed a two-step sign-in: the code from Dana's email comes first (README step 2).
  await typeEmailCode(page, gh, DEMO_USER.email);
  assert.equal(await heading(page), t('wizard.totp.title'));
  const key = page.getByTestId('totp-secret');
  if (!(await key.isVisible())) await page.getByText(t('wizard.totp.cant_scan')).click();
  danaSecret = ((await key.textContent()) ?? '').replace(/\s+/g, '');
  assert.match(danaSecret, /^[A-Z2-7]{16,}$/);
  const at = clock.now();
  await page.getByLabel(t('wizard.totp.code_label')).fill(danaCode(at));
  clock.stepAfter(at);
  await page.getByRole('button', { name: t('wizard.confirm.button') }).click();
  assert.equal(await heading(page), t('wizard.recovery.title'));
  assert.equal((await page.locator('#recovery-codes code').allTextContents()).length, 10, 'ten recovery codes to save');
  await page.getByLabel(t('wizard.recovery.stored')).check();
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  await page.locator('form[action$="/done"] button').click();
  await assertAtHome(page, 'Payroll', 'pwd otp mfa');

  // 3. Open Directory: signed in by single sign-on, nothing asked.
  await page.getByRole('link', { name: 'Open Directory' }).click();
  await assertAtHome(page, 'Directory', 'pwd otp mfa');
  assert.deepEqual(scriptErrors(consoleErrors), [], 'no CSP violations or script errors on any page');
});

test('Directory (Bypass) never asks for the second step: a browser Gatehouse has never seen signs in with the password alone', async () => {
  const { page } = await freshBrowser();
  await signIn(page, 'Directory');
  await assertAtHome(page, 'Directory', 'pwd');
  // Again, after signing out: still nothing asked.
  await signOut(page, 'Directory');
  await signIn(page, 'Directory');
  await assertAtHome(page, 'Directory', 'pwd');
});

test('Expense (Adaptive) asks from a new browser and says why; after a two-factor sign-in there, the same browser is not asked again', async () => {
  const { page, consoleErrors } = await freshBrowser();
  await signIn(page, 'Expense');
  assert.ok(await atChallenge(page), `a new device: the second step is asked (at ${page.url()}, "${await heading(page)}")`);
  assert.equal((await page.locator('#why').textContent())?.trim(), "We're asking because this is a new device.");
  assert.equal((await page.locator('#purpose').textContent())?.trim(), t('login.to_app', { app: 'Expense' }));
  await typeCode(page);
  await assertAtHome(page, 'Expense', 'pwd otp mfa');

  // Signed out of Expense and of Gatehouse; the next sign-in from this browser: email, password, in.
  await signOut(page, 'Expense');
  await signIn(page, 'Expense');
  await assertAtHome(page, 'Expense', 'pwd');
  assert.deepEqual(scriptErrors(consoleErrors), []);
});

test('Payroll (Required) always asks, and asks again before "Change bank details" once the sign-in is more than 5 minutes old, saying what for', async () => {
  const { page, consoleErrors } = await freshBrowser();
  // A browser Expense knows (a two-factor sign-in there), signed out: Payroll still asks.
  await signIn(page, 'Expense');
  assert.ok(await atChallenge(page), 'precondition: Expense asks from a new browser');
  await typeCode(page);
  await assertAtHome(page, 'Expense', 'pwd otp mfa');
  await signOut(page, 'Expense');
  await signIn(page, 'Expense');
  await assertAtHome(page, 'Expense', 'pwd');
  await signOut(page, 'Expense');

  await signIn(page, 'Payroll');
  assert.ok(await atChallenge(page), `Payroll asks even on a browser Expense does not ask on (at ${page.url()}, "${await heading(page)}")`);
  await typeCode(page);
  await assertAtHome(page, 'Payroll', 'pwd otp mfa');
  const signedInAt = Number((await page.locator('.auth-time').textContent())!.split(' ')[0]);

  // Within 5 minutes of that sign-in, Payroll's API accepts the action at once: no Gatehouse page.
  await page.getByRole('link', { name: 'Change bank details' }).click();
  await page.waitForURL(`${url('Payroll')}/sensitive/done`);
  assert.equal(await heading(page), 'Change bank details: confirmed');

  // Six minutes later the sign-in is too old for the API: Payroll steps up (acr_values multi-factor,
  // max_age=300, "change bank details") and Gatehouse asks again — the password, then the code.
  clock.advance(6 * 60_000);
  await page.goto(`${url('Payroll')}/`);
  const authorizationEndpoint = String(((await (await fetch(`${gh.issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string }).authorization_endpoint);
  const requests: URL[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${authorizationEndpoint}?`)) requests.push(new URL(r.url()));
  });
  await page.getByRole('link', { name: 'Change bank details' }).click();
  await page.waitForURL((u) => u.href.startsWith(gh.issuer));
  // What Payroll asked for is what its API's RFC 9470 challenge said, and what for.
  assert.equal(requests.length, 1, 'one authorization request');
  const asked = requests[0]!.searchParams;
  assert.equal(asked.get('acr_values'), ACR.multiFactor);
  assert.equal(asked.get('max_age'), '300');
  assert.equal(asked.get('gatehouse_action'), 'change bank details');
  // max_age passed: the person authenticates again (OpenID Connect Core §3.1.2.1), the email known.
  const password = page.getByLabel(t('common.password'), { exact: true });
  assert.equal(await password.count(), 1, `the password page first (at ${page.url()}, "${await heading(page)}")`);
  await password.fill(DEMO_USER.password);
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  assert.ok(await atChallenge(page), `the step-up asks for the second step (at ${page.url()}, "${await heading(page)}")`);
  assert.equal((await page.locator('#purpose').textContent())?.trim(), 'Payroll asks you to confirm it is you to change bank details');
  await typeCode(page);
  await page.waitForURL(`${url('Payroll')}/sensitive/done`);
  assert.equal(await heading(page), 'Change bank details: confirmed');
  assert.equal(await page.locator('.acr code').textContent(), ACR.multiFactor, "as Payroll's API read it in the new access token");
  assert.equal(await page.locator('.amr code').textContent(), 'pwd otp mfa');
  const confirmedAt = Number((await page.locator('.auth-time').textContent())!.split(' ')[0]);
  assert.ok(confirmedAt >= signedInAt + 300, `a new authentication (auth_time ${confirmedAt}, the sign-in's ${signedInAt})`);
  assert.deepEqual(scriptErrors(consoleErrors), []);
});

test('a company that accepts only phishing-resistant methods: the wizard offers only a passkey and a security key', async () => {
  // Keys Only Ltd verified keys.example and requires 2FA with WebAuthn only (as `gatehouse org policy set` stores it).
  await verifiedCompany(gh, 'Keys Only Ltd', 'keys.example', { secondFactor: 'required', allowedMethods: ['webauthn'] });
  const email = 'kim@keys.example';
  const password = 'a long walk on the quiet beach';
  await gh.createUser(email, password, { name: 'Kim Keys' });

  const { page, consoleErrors } = await freshBrowser();
  await addVirtualAuthenticator(page, 'passkey');
  // Directory is Bypass: it never asks, the company's rule included (Bypass wins at sign-in).
  // Expense is Adaptive: the company requires 2FA, so its wizard opens right after the password.
  await signIn(page, 'Expense', email, password);
  assert.equal(await heading(page), t('wizard.intro.title'));
  await page.getByRole('button', { name: t('wizard.intro.start') }).click();
  assert.equal(await heading(page), t('wizard.choose.title'));
  const offered = await page.locator('input[name="method"]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
  assert.deepEqual([...offered].sort(), ['passkey', 'security-key'], `only phishing-resistant methods are offered, got ${JSON.stringify(offered)}`);
  assert.equal(await page.getByLabel(t('method.totp')).count(), 0, 'no authenticator app');
  assert.equal(await page.getByLabel(t('method.push')).count(), 0, 'no Gatehouse Authenticator');

  // And a passkey set up there signs Kim in to Expense, phishing-resistant.
  await page.getByLabel(t('wizard.choose.passkey')).check();
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  await typeEmailCode(page, gh, email);
  assert.equal(await heading(page), t('wizard.webauthn.passkey_title'));
  await page.locator('form[data-webauthn=register] button[type=submit]').click();
  await page.getByRole('heading', { name: t('wizard.recovery.title') }).waitFor();
  await finishWizard(page);
  await page.waitForURL(`${url('Expense')}/`);
  assert.equal(await page.locator('.who').textContent(), 'Kim Keys');
  assert.equal(await page.locator('.acr code').textContent(), ACR.phishingResistant);
  assert.deepEqual(scriptErrors(consoleErrors), []);
});
