import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { atApp, enrollPushAtSignIn, pageNumber, pushPage, PASSWORD, signInWithPush, gatehouseWithPayroll } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';
let n = 0;
const MIN = 60_000;

before(async () => {
  ({ t, payroll } = await gatehouseWithPayroll(clock, cb));
});
after(async () => {
  await t.close();
});

async function person() {
  const email = `l${++n}@example.com`;
  const user = await t.createUser(email, PASSWORD);
  const device = await PushDevice.create(t.issuer, clock.now);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device);
  // The enrollment's test request took one of the window's five.
  clock.advance(16 * MIN);
  return { email, user, device };
}

const events = async (userId: string, event: string) => (await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', userId).where('event', '=', event).execute()).length;

/** Password, then whatever the second-factor page shows. */
async function challengePage(email: string) {
  const ua = new UserAgent();
  await passwordStep(ua, payroll, cb, email, PASSWORD);
  return ua;
}

test('One pending request per person: the same sign-in gets its request back, another sign-in is told to wait', async () => {
  const { email, user, device } = await person();
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const again = await ua.go(ua.lastUrl);
  assert.equal(pageNumber(again.body), number, 'the same sign-in, drawn again: the same request');
  const other = await challengePage(email);
  assert.ok(!other.lastBody.includes('data-testid="push-number"'), 'no second request');
  // Says what to do as the person would: deny the other one if it is not theirs, or use the app's code here.
  assert.match(other.lastBody, /Another sign-in is already waiting for approval on your phone\. If it isn(&#39;|&#x27;|')t yours, deny it there\. To continue here, enter a code from the app instead\./);
  assert.doesNotMatch(other.lastBody, /Finish or deny that one first/);
  assert.equal((await device.challenges()).length, 1, 'the device sees one request');
  assert.equal(await events(user.id, 'push.busy'), 1);
  // The other browser may still use the app's code.
  assert.match(other.lastBody, /name="code"/);
});

test('Push bombing: at most 5 requests per 15 minutes per person; the sixth is refused and audited', async () => {
  const { email, user, device } = await person();
  for (let i = 0; i < 5; i++) {
    const ua = await challengePage(email);
    assert.ok(ua.lastBody.includes('data-testid="push-number"'), `request ${i + 1} sent`);
    // The person picks another way: that request stops waiting, without counting as a refusal.
    await ua.go(`${ua.lastUrl.split('?')[0]}?method=recovery`);
  }
  const sixth = await challengePage(email);
  assert.ok(!sixth.lastBody.includes('data-testid="push-number"'), 'no sixth request');
  assert.match(sixth.lastBody, /Too many approval requests/);
  assert.equal(await events(user.id, 'push.throttled'), 1);
  assert.deepEqual(await device.challenges(), []);
  clock.advance(15 * MIN);
  await signInWithPush(new UserAgent(), payroll, cb, email, device);
});

test('Three denials in a row pause push for the person; their other ways still work', async () => {
  const { email, user, device } = await person();
  for (let i = 0; i < 3; i++) {
    const ua = new UserAgent();
    await pushPage(ua, payroll, cb, email);
    const c = await device.nextChallenge();
    assert.equal((await device.answer(c.id, 'deny')).status, 200);
  }
  assert.equal(await events(user.id, 'push.paused'), 1);
  const paused = await challengePage(email);
  assert.ok(!paused.lastBody.includes('data-testid="push-number"'));
  assert.match(paused.lastBody, /paused/);
  assert.equal(await events(user.id, 'push.refused_paused'), 1);
  // The app's code still signs in while push is paused.
  clock.nextStep();
  const done = await paused.submit('/mfa', { method: 'push', code: device.code(clock.now()) }, atApp(cb));
  assert.ok(atApp(cb)(done.url), 'the code works while push is paused');
  clock.advance(15 * MIN);
  await signInWithPush(new UserAgent(), payroll, cb, email, device);
});

test('An approval ends the run: two denials, an approval, then two more denials do not pause push; a third does', async () => {
  const { email, user, device } = await person();
  const deny = async () => {
    await pushPage(new UserAgent(), payroll, cb, email);
    const c = await device.nextChallenge();
    assert.equal((await device.answer(c.id, 'deny')).status, 200);
  };
  const refusals = async () => (await t.gh.deps.db.selectFrom('push_state').select('consecutive_refusals').where('user_id', '=', user.id).executeTakeFirstOrThrow()).consecutive_refusals;
  await deny();
  await deny();
  assert.equal(await refusals(), 2);
  await signInWithPush(new UserAgent(), payroll, cb, email, device);
  assert.equal(await refusals(), 0, 'the approval ended the run');
  // A new window: the five requests above were this window's.
  clock.advance(16 * MIN);
  await deny();
  await deny();
  assert.equal(await events(user.id, 'push.paused'), 0);
  assert.ok((await challengePage(email)).lastBody.includes('data-testid="push-number"'), 'push still asks after two denials in a row');
  // That request is the third in a row once denied.
  const c = await device.nextChallenge();
  assert.equal((await device.answer(c.id, 'deny')).status, 200);
  assert.equal(await events(user.id, 'push.paused'), 1);
});

test('Time-outs count like denials', async () => {
  const { email, user, device } = await person();
  for (let i = 0; i < 3; i++) {
    await pushPage(new UserAgent(), payroll, cb, email);
    clock.advance(61_000);
  }
  // The third time-out is noticed when the next request would start.
  const paused = await challengePage(email);
  assert.match(paused.lastBody, /paused/);
  assert.equal(await events(user.id, 'push.timed_out'), 3);
  void device;
});

test('"This wasn\'t me": audited, emailed, push paused for the cooling period, the signal kept; the browser is told it was denied', async () => {
  const { email, user, device } = await person();
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, email);
  const c = await device.nextChallenge();
  assert.deepEqual(await device.answer(c.id, 'fraud'), { status: 200, body: { status: 'reported' } });
  const page = await ua.submit('/mfa', { method: 'push' });
  assert.equal(page.status, 403);
  assert.match(page.body, /Sign-in denied/);
  assert.equal(await events(user.id, 'push.fraud_reported'), 1);
  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && /not yours/.test(m.subject));
  assert.match(mail.text, /Test phone/);
  const state = await t.gh.deps.db.selectFrom('push_state').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
  assert.equal(state.last_fraud_at, clock.now());
  assert.equal(state.paused_until, clock.now() + 3600_000, 'the cooling period: one hour by default');
  clock.advance(59 * MIN);
  assert.match((await challengePage(email)).lastBody, /paused/);
  clock.advance(2 * MIN);
  await signInWithPush(new UserAgent(), payroll, cb, email, device);
});
