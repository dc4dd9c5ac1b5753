import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addVirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { browserApp, enterPassword, heading as desktopHeading, scriptErrors, startAppServer, t, type BrowserApp } from './webauthn-support.ts';
import { approveOnPhone, numberOn, PHONE } from './authenticator-pwa-support.ts';

// Issue 8, "Done when", with the real server: a computer signs in to an app that requires 2FA and
// chooses the Gatehouse Authenticator in the wizard; the web app in a second browser (the phone,
// 390×844, its screen lock a DevTools virtual authenticator) enrolls from the link the wizard shows,
// approves the test request with the number on the computer's screen, then approves a sign-in.
// (The request screen's accessibility is checked in authenticator-pwa-requests.test.ts: this file
// already holds two browsers and a whole wizard within the runner's per-file limit.)
const PASSWORD = 'a long walk on the quiet beach';
let gh: TestGatehouse;
let computer: TestBrowser;
let phone: TestBrowser;
let appServer: Awaited<ReturnType<typeof startAppServer>>;
let app: BrowserApp;

before(async () => {
  gh = await startTestGatehouse();
  computer = await launchBrowser();
  phone = await launchBrowser({ viewport: PHONE });
  appServer = await startAppServer();
  app = await browserApp(gh, appServer.origin, 'required');
});
after(async () => {
  await phone?.close();
  await computer?.close();
  await appServer?.close();
  await gh?.close();
});

test('enroll the web app from the wizard\'s link, approve the test request, then approve a sign-in with the number and the screen lock', async () => {
  const email = 'ada@example.com';
  await gh.createUser(email, PASSWORD, { name: 'Ada' });
  const desk = computer.page;
  await app.start(desk);
  await enterPassword(desk, email, PASSWORD);
  await desk.getByRole('button', { name: t('wizard.intro.start') }).click();
  await desk.getByLabel(t('method.push')).check();
  await desk.getByRole('button', { name: t('common.continue'), exact: true }).click();
  assert.equal(await desktopHeading(desk), t('wizard.push.title'));
  const link = ((await desk.getByTestId('push-link').textContent()) ?? '').trim();
  assert.ok(link.startsWith(`${gh.issuer}/authenticator/#enroll=`), link);

  // The phone opens the link.
  const ph = phone.page;
  const lock = await addVirtualAuthenticator(ph, 'passkey');
  await ph.goto(link);
  await ph.getByRole('heading', { level: 1, name: `Add ${email} on ${new URL(gh.issuer).host}?` }).waitFor();
  await ph.getByLabel('Name this device').fill("Ada's phone");
  await ph.getByLabel('Notify me of sign-in requests').uncheck();
  await ph.getByRole('button', { name: 'Add account' }).click();

  // The computer moves on to the test request by itself; the phone shows it — at once, so "Account
  // added" may be replaced before anyone could look for it: the request's screen is what to wait for.
  await approveOnPhone(ph, 'Approve the test request?', await numberOn(desk));
  assert.equal((await lock.credentials()).length, 1, 'the screen lock was registered');
  // The computer goes on by itself to the recovery codes: the approval made the method active. (The
  // rest of the wizard is the wizard suites' concern; this file stays well inside the per-file limit.)
  await desk.getByRole('heading', { name: t('wizard.recovery.title') }).waitFor({ timeout: 20_000 });

  // A new sign-in on the computer: the number on the challenge page, typed on the phone.
  await computer.context.clearCookies();
  const desk2 = await computer.context.newPage();
  const auth = await app.start(desk2);
  await enterPassword(desk2, email, PASSWORD);
  const number = await numberOn(desk2);
  await ph.getByRole('heading', { level: 1, name: 'Approve sign-in to Test app?' }).waitFor({ timeout: 20_000 });
  const shown = await ph.locator('dl.request-details').evaluate((dl) => Array.from(dl.querySelectorAll('dt'), (dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
  const d = Object.fromEntries(shown) as Record<string, string>;
  assert.equal(d.App, 'Test app');
  assert.equal(d.Browser, 'Chrome');
  assert.equal(d.OS ?? d['Operating system'], 'Linux');
  assert.match(d['IP address'] ?? '', /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  await approveOnPhone(ph, 'Approve sign-in to Test app?', number);
  const claims = await app.back(desk2, auth);
  assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'pwd', 'swk', 'user']);
  assert.deepEqual(scriptErrors(phone.consoleErrors), []);
});
