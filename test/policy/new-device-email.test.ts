import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { verifiedCompany } from '../helpers/company.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';

// Issue 9, company policy: "whether a sign-in from a new device emails the person". A browser is new
// until it completes a sign-in of that person; the mail names the app, the browser and the address.
// And a step-up's action (`gatehouse_action`) is recorded in the audit log with the sign-in it made.
const PASSWORD = 'correct horse battery staple';
const CB = 'http://127.0.0.1:9/payroll/cb';
const DIRECTORY_CB = 'http://127.0.0.1:9/directory/cb';
const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
let directory: client.Configuration;

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Payroll', redirectUris: [CB], policy: 'required' });
  payroll = await relyingParty(t.issuer, a.clientId, a.clientSecret);
  const d = await t.createApp({ name: 'Directory', redirectUris: [DIRECTORY_CB], policy: 'bypass' });
  directory = await relyingParty(t.issuer, d.clientId, d.clientSecret);
  for (const [name, domain, newDeviceEmail] of [['Watchful Corp', 'watchful.example', true], ['Quiet Corp', 'quiet.example', false]] as const) {
    await verifiedCompany(t, name, domain, { newDeviceEmail });
  }
});
after(() => t.close());

const newDeviceMails = (email: string) => t.smtp.mails.filter((m) => m.to.includes(email) && /device you have not used before/.test(m.subject));
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

test('a sign-in from a browser the person never signed in on is mailed to them; the same browser again is not', async () => {
  const email = 'ada@watchful.example';
  await t.createUser(email, PASSWORD);
  const laptop = new UserAgent();
  const { secret } = await enrollTotp(laptop, payroll, CB, email, PASSWORD, clock);
  await t.smtp.waitFor(() => newDeviceMails(email).length === 1);

  laptop.endSession();
  clock.nextStep();
  await passwordStep(laptop, payroll, CB, email, PASSWORD);
  await submitCode(laptop, CB, totpCode(secret, clock.now()));
  // A password-only sign-in at a Bypass app from that browser is not new either.
  laptop.endSession();
  assert.ok((await passwordStep(laptop, directory, DIRECTORY_CB, email, PASSWORD)).returned);

  const phone = new UserAgent();
  phone.headers['user-agent'] = FIREFOX;
  clock.nextStep();
  await passwordStep(phone, payroll, CB, email, PASSWORD);
  const done = await submitCode(phone, CB, totpCode(secret, clock.now()));
  assert.ok(done.url.startsWith(CB));
  const mail = await t.smtp.waitFor(() => newDeviceMails(email).length === 2).then(() => newDeviceMails(email)[1]!);
  assert.match(mail.subject, /Payroll/);
  assert.match(mail.text, /Browser: Firefox on Linux/);
  assert.match(mail.text, /Address: (127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)/);
  assert.match(mail.text, /Watchful Corp asks Gatehouse/);
  assert.equal(newDeviceMails(email).length, 2, 'one mail per new browser');
  const audited = await t.gh.deps.db.selectFrom('audit_events').select('event').where('event', '=', 'login.new_device.notified').execute();
  assert.ok(audited.length >= 2);
});

test('a password holder at a Bypass app is reported too, once, and their browser never becomes known', async () => {
  const email = 'grace@watchful.example';
  await t.createUser(email, PASSWORD);
  const owner = new UserAgent();
  await enrollTotp(owner, payroll, CB, email, PASSWORD, clock);
  const thief = new UserAgent();
  for (let i = 0; i < 2; i++) {
    assert.ok((await passwordStep(thief, directory, DIRECTORY_CB, email, PASSWORD)).returned);
    thief.endSession();
  }
  await t.smtp.waitFor(() => newDeviceMails(email).length === 2);
  assert.equal(newDeviceMails(email).length, 2, 'the owner’s browser and the thief’s, each once');
  const rows = await t.gh.deps.db.selectFrom('known_devices').innerJoin('users', 'users.id', 'known_devices.user_id').select('known_devices.two_factor').where('users.email', '=', email).execute();
  assert.deepEqual(rows.map((r) => r.two_factor).sort(), [0, 1], 'the thief’s browser is only seen, not known');
});

test('without the company setting no mail is sent', async () => {
  const email = 'linus@quiet.example';
  await t.createUser(email, PASSWORD);
  await enrollTotp(new UserAgent(), payroll, CB, email, PASSWORD, clock);
  assert.ok((await passwordStep(new UserAgent(), directory, DIRECTORY_CB, email, PASSWORD)).returned);
  assert.equal(newDeviceMails(email).length, 0);
});

test('the action a step-up was for is in the audit log, with the decision that asked and the sign-in it made', async () => {
  const email = 'mary@quiet.example';
  const { id } = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  const { secret } = await enrollTotp(ua, payroll, CB, email, PASSWORD, clock);
  // oidc-provider reads max_age against the real time, not the test's clock: 0 asks for a fresh proof now.
  clock.nextStep();
  const step = await passwordStep(ua, payroll, CB, email, PASSWORD, { acr_values: ACR.multiFactor, max_age: '0', gatehouse_action: 'change bank details' });
  assert.ok(!step.returned, `the step-up asks: ${step.page.url}`);
  assert.match(step.page.body, /change bank details/);
  await submitCode(ua, CB, totpCode(secret, clock.now()));
  const rows = await t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('user_id', '=', id).where('event', 'in', ['policy.decision', 'login.succeeded']).orderBy('id', 'desc').limit(2).execute();
  const details = rows.map((r) => JSON.parse(String(r.details)) as { action?: string });
  assert.deepEqual(details.map((d) => d.action), ['change bank details', 'change bank details'], JSON.stringify(rows));
});
