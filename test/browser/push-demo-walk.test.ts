import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { freePort } from '../helpers/ports.ts';
import { addVirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { enterPassword, finishWizard, heading, scriptErrors, t, typeEmailCode } from './webauthn-support.ts';
import { approveOnPhone, numberOn, PHONE, shownCode } from './authenticator-pwa-support.ts';
import { signInToDemoApp, signOutOfDemoApp } from './demo-support.ts';
import { startDemo, DEMO_USER, type Demo } from '../../src/demo/index.ts';

// Issue 8, "Done when", as README's "Try the authenticator without a phone" tells a newcomer to walk
// it with `npm start`: Dana signs in to Payroll (Required) on a computer, chooses the Gatehouse
// Authenticator in the wizard, types the code mailed to her (a first method from a new browser,
// decision 0014), and enrolls the web app in a second browser (the phone, 390×844, its screen lock a
// DevTools virtual authenticator) from the link the wizard shows. She approves the test request with
// the number, signs in to Payroll again approving with the number, then answers a second attempt
// "This wasn't me": the computer says the sign-in was denied, she is emailed, and Account settings'
// recent security activity lists the report. One Chromium per role for the whole file (the runner
// gives it 2 minutes); the tests run in order, each going on from the one before.
const DEVICE = "Dana's phone";
let gh: TestGatehouse;
let demo: Demo;
let computer: TestBrowser;
let phone: TestBrowser;
let payroll: string;

before(async () => {
  gh = await startTestGatehouse({ GATEHOUSE_ENROLLMENT_EMAIL_CODE: '1' });
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  demo = await startDemo(gh.gh, { ports: [...ports] as [number, number, number] });
  payroll = demo.apps.find((a) => a.name === 'Payroll')!.url;
  computer = await launchBrowser();
  phone = await launchBrowser({ viewport: PHONE });
});
after(async () => {
  await phone?.close();
  await computer?.close();
  await demo?.close();
  await gh?.close();
});

/** Payroll's home page, signed in as Dana with the Gatehouse Authenticator: `swk` the device's key, `user` its screen lock. */
async function atPayroll(): Promise<void> {
  const desk = computer.page;
  await desk.waitForURL(`${payroll}/`, { timeout: 20_000 });
  assert.equal(await desk.locator('.who').textContent(), 'Dana Demo');
  assert.deepEqual(((await desk.locator('.amr code').textContent()) ?? '').split(' ').sort(), ['mfa', 'pwd', 'swk', 'user']);
}

test("Payroll's wizard: the Gatehouse Authenticator, the code from the email, the web app added from the link, the test request approved with the number", async () => {
  const desk = computer.page;
  await signInToDemoApp(desk, payroll, gh.issuer);
  assert.equal(await heading(desk), t('wizard.intro.title'));
  await desk.getByRole('button', { name: t('wizard.intro.start') }).click();
  await desk.getByLabel(t('method.push')).check();
  await desk.getByRole('button', { name: t('common.continue'), exact: true }).click();
  await typeEmailCode(desk, gh, DEMO_USER.email);
  assert.equal(await heading(desk), t('wizard.push.title'));
  const link = ((await desk.getByTestId('push-link').textContent()) ?? '').trim();
  assert.ok(link.startsWith(`${gh.issuer}/authenticator/#enroll=`), link);

  // The second browser opens the link: the web app asks to add Dana's account.
  const ph = phone.page;
  await addVirtualAuthenticator(ph, 'passkey');
  await ph.goto(link);
  await ph.getByRole('heading', { level: 1, name: `Add ${DEMO_USER.email} on ${new URL(gh.issuer).host}?` }).waitFor();
  await ph.getByLabel('Name this device').fill(DEVICE);
  await ph.getByLabel('Notify me of sign-in requests').uncheck();
  await ph.getByRole('button', { name: 'Add account' }).click();
  await approveOnPhone(ph, 'Approve the test request?', await numberOn(desk));

  // The computer moves on by itself: recovery codes, done, back at Payroll signed in with the device.
  await desk.getByRole('heading', { name: t('wizard.recovery.title') }).waitFor({ timeout: 20_000 });
  await finishWizard(desk);
  await atPayroll();
});

test('signed out, Dana signs in to Payroll again: the number on the computer, typed on the phone, approves it (and "Remember this device", ticked while waiting, is kept)', async () => {
  const desk = computer.page;
  await signOutOfDemoApp(desk, payroll);
  await signInToDemoApp(desk, payroll, gh.issuer);
  assert.equal(await heading(desk), t('mfa.push.title'));
  // The page came in answer to the password (decision 0024); the address bar shows the page's own
  // address, so a reload asks for the page, which shows the same request's number.
  // (page-url.js runs once the page is parsed: waited for, not read at once.)
  await desk.waitForURL((u) => /^\/interaction\/[^/]+$/.test(u.pathname), { timeout: 5_000 });
  const shown = await numberOn(desk);
  await desk.reload();
  assert.equal(await heading(desk), t('mfa.push.title'));
  const number = await numberOn(desk);
  assert.equal(number, shown, 'the same request, not a second one');
  // Ticked after the page sent its held Continue: the page sends it again with the choice.
  await desk.getByLabel(t('mfa.remember')).check();
  await approveOnPhone(phone.page, 'Approve sign-in to Payroll?', number);
  await atPayroll();
  const remembered = (await computer.context.cookies(gh.issuer)).filter((c) => c.name.startsWith('gh_rd_'));
  assert.equal(remembered.length, 1, 'this computer is remembered');
  // The next test signs in from this computer again and must be asked: it forgets the choice.
  await computer.context.clearCookies({ name: remembered[0]!.name });
});

test(`a second attempt answered "This wasn't me": the computer says it was denied, Dana is emailed, and recent security activity lists the report`, async () => {
  const desk = computer.page;
  const ph = phone.page;
  await signOutOfDemoApp(desk, payroll);
  await signInToDemoApp(desk, payroll, gh.issuer);
  await numberOn(desk);
  await ph.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor({ timeout: 20_000 });
  await ph.getByRole('button', { name: "This wasn't me" }).click();
  await ph.getByRole('heading', { level: 1, name: 'Thanks for telling us' }).waitFor();

  // The computer's page stops by itself and says so.
  await desk.getByRole('heading', { level: 1, name: t('mfa.push.denied.title') }).waitFor({ timeout: 20_000 });
  assert.equal(await desk.getByTestId('push-number').count(), 0, 'no number left to type');
  assert.ok(((await desk.locator('main').textContent()) ?? '').includes(t('mfa.push.denied.body')));
  assert.ok(!desk.url().startsWith(payroll), 'not signed in to Payroll');

  // The email, naming the device as the account names it.
  const mail = await gh.smtp.waitFor((m) => m.to.includes(DEMO_USER.email) && m.subject === t('notice.push_fraud_reported.subject'));
  assert.ok(mail.text.includes(DEVICE), mail.text);

  // Account settings: approvals are paused, so Dana signs in with the 6-digit code the app shows.
  await desk.goto(`${gh.issuer}/account`);
  await enterPassword(desk, DEMO_USER.email, DEMO_USER.password);
  assert.ok(((await desk.locator('main').textContent()) ?? '').includes(t('mfa.push.paused')), 'the page says approvals are paused');
  assert.equal(await heading(desk), t('mfa.title'), 'and does not ask to approve on the phone');
  await ph.getByRole('button', { name: 'Back to my accounts' }).click();
  await desk.getByLabel(t('mfa.push.code_label')).fill(await shownCode(ph, DEMO_USER.email));
  await desk.getByRole('button', { name: t('mfa.verify') }).click();
  await desk.waitForURL(`${gh.issuer}/account`);
  const activity = (await desk.locator('#activity li').allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
  assert.ok(
    activity.some((e) => e.startsWith(t('account.event.push_fraud'))),
    `recent security activity lists the report:\n${activity.join('\n')}`,
  );
  assert.deepEqual(scriptErrors(computer.consoleErrors), []);
  assert.deepEqual(scriptErrors(phone.consoleErrors), []);
});
