import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock, finish, passwordStep } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { atApp, enrollPushAtSignIn, pageStreamUrl, pushPage, readUntil, signInWithPush, gatehouseWithPayroll, type PayrollWorld } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
let person: PayrollWorld['personWithDevice'];
const cb = 'http://127.0.0.1:9/payroll/cb';

before(async () => {
  ({ t, payroll, personWithDevice: person } = await gatehouseWithPayroll(clock, cb));
});
after(async () => {
  await t.close();
});

test('Enroll the Authenticator in the wizard by its link, approve the test request, then sign in approving with the number', async () => {
  const email = 'ada@example.com';
  const user = await t.createUser(email, 'correct horse battery staple', { name: 'Ada' });
  const device = await PushDevice.create(t.issuer, clock.now);
  const ua = new UserAgent();
  ua.headers['user-agent'] = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

  const enrolled = await enrollPushAtSignIn(ua, payroll, cb, email, device);
  assert.deepEqual(enrolled.claims.amr, ['pwd', 'swk', 'mfa'], 'the approval of the test request is this sign-in\'s second factor');
  assert.equal(enrolled.claims.acr, ACR.multiFactor);
  assert.equal(device.enrolled!.account.email, email);
  assert.match(device.enrolled!.totp.secret, /^[A-Z2-7]{32}$/);
  const methods = await listActiveMethods(t.gh.deps.db, user.id);
  assert.deepEqual(methods.map((m) => [m.type, m.status, m.id]), [['push', 'active', device.deviceId]]);

  const self = await device.signedGet('/devices/self');
  assert.equal(self.status, 200);
  assert.equal(self.body.status, 'active');

  // A new browser: password, then "Approve the sign-in on your phone" with the number.
  const ua2 = new UserAgent();
  ua2.headers['user-agent'] = ua.headers['user-agent']!;
  const { auth, number } = await pushPage(ua2, payroll, cb, email);
  assert.match(ua2.lastBody, /Approve the sign-in on your phone/);
  const [c] = await device.challenges();
  assert.ok(c, 'the device sees the request');
  assert.equal(c.kind, 'sign_in');
  assert.equal(c.app, 'Payroll');
  assert.equal(c.browser, 'Chrome');
  assert.equal(c.os, 'Linux');
  assert.ok(!JSON.stringify(c).includes(`"${number}"`) || c.id.includes(number), 'the number is never sent to the device');
  assert.ok(!('number' in c));

  const ok = await device.answer(c.id, 'approve', number);
  assert.deepEqual(ok, { status: 200, body: { status: 'approved' } });
  const done = await ua2.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url), `back at the app: ${done.url}`);
  const { claims } = await finish(payroll, auth, done.url);
  assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa']);
  assert.equal(claims.acr, ACR.multiFactor);

  const events = (await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', user.id).execute()).map((e) => e.event);
  for (const e of ['push.device.registered', 'push.requested', 'push.approved', 'mfa.method.added', 'mfa.succeeded']) assert.ok(events.includes(e), `audited ${e}`);
});

test('"Didn\'t get a notification?": the app\'s code signs in with amr otp; a second use of that code is refused', async () => {
  const email = 'bob@example.com';
  await t.createUser(email, 'correct horse battery staple');
  const device = await PushDevice.create(t.issuer, clock.now);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device);
  clock.nextStep();

  const ua = new UserAgent();
  const { auth } = await pushPage(ua, payroll, cb, email);
  assert.match(ua.lastBody, /Didn(&#39;|')t get a notification\?/);
  const code = device.code(clock.now());
  const done = await ua.submit('/mfa', { method: 'push', code }, atApp(cb));
  assert.ok(atApp(cb)(done.url), `code signs in: ${done.url}`);
  const { claims } = await finish(payroll, auth, done.url);
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);

  const ua2 = new UserAgent();
  await pushPage(ua2, payroll, cb, email);
  const again = await ua2.submit('/mfa', { method: 'push', code });
  assert.equal(again.status, 400, 'the same code works once');
});

test('Deny ends the attempt with a clear page', async () => {
  const email = 'cy@example.com';
  await t.createUser(email, 'correct horse battery staple');
  const device = await PushDevice.create(t.issuer, clock.now);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device);
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, email);
  const c = await device.nextChallenge();
  assert.deepEqual(await device.answer(c.id, 'deny'), { status: 200, body: { status: 'denied' } });
  const page = await ua.submit('/mfa', { method: 'push' });
  assert.equal(page.status, 403);
  assert.match(page.body, /Sign-in denied/);
  assert.ok(!ua.lastBody.includes('/mfa"') || !ua.lastBody.includes('data-testid="push-number"'));
});

test('Continue before the phone answered changes nothing and counts nothing', async () => {
  const email = 'dee@example.com';
  const user = await t.createUser(email, 'correct horse battery staple');
  const device = await PushDevice.create(t.issuer, clock.now);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device);
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const early = await ua.submit('/mfa', { method: 'push' });
  assert.equal(early.status, 200);
  assert.match(early.body, /Not approved yet/);
  assert.equal(/data-testid="push-number">(\d{2})</.exec(early.body)?.[1], number, 'the same request, the same number');
  const failures = await t.gh.deps.db.selectFrom('mfa_attempts').select('consecutive_failures').where('user_id', '=', user.id).where('scope', '=', 'push').executeTakeFirst();
  assert.ok(!failures || failures.consecutive_failures === 0);
  void passwordStep;
});

test("The page's stream follows the request its page names, and only one of its own sign-in", async () => {
  const ada = await person('stream-own');
  const eve = await person('stream-other');
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, ada.email);
  const url = pageStreamUrl(ua);
  assert.match(url, /\/push\/wait\?request=[\w-]+$/, 'the page names its request');
  const cookie = { cookie: ua.cookieHeader(ua.lastUrl) };

  // Another person's request, named on this browser's sign-in: nothing about it is told, the page is drawn again.
  const other = new UserAgent();
  await pushPage(other, payroll, cb, eve.email);
  const theirs = new URL(pageStreamUrl(other)).searchParams.get('request')!;
  const foreign = await fetch(url.replace(/request=[\w-]+$/, `request=${theirs}`), { headers: cookie });
  assert.equal(foreign.status, 200);
  assert.deepEqual(await readUntil(foreign, 'changed'), { status: 'unknown' });
  const unknown = await fetch(url.replace(/request=[\w-]+$/, 'request=no-such-request'), { headers: cookie });
  assert.deepEqual(await readUntil(unknown, 'changed'), { status: 'unknown' });
  assert.equal((await fetch(url.replace(/request=[\w-]+$/, 'request=not%20an%20id'), { headers: cookie })).status, 404);

  // Its own: told when the phone answered.
  const res = await fetch(url, { headers: cookie });
  const told = readUntil(res, 'answered');
  const c = await ada.device.nextChallenge();
  assert.equal((await ada.device.answer(c.id, 'approve', number)).status, 200);
  assert.deepEqual(await told, { status: 'approved' });
  const done = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url));
});
