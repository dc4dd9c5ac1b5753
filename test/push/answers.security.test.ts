import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { generateKeyPair, CompactSign } from 'jose';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { removeMethod } from '../../src/methods/records.ts';
import { answerChallenge } from '../../src/methods/push/answer.ts';
import { settleChallenge } from '../../src/methods/push/challenges.ts';
import { ceremonyContext } from '../../src/http/ceremony-context.ts';
import { atApp, pageNumber, pushPage, signInWithPush, gatehouseWithPayroll, type PayrollWorld } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';
let personWithDevice: PayrollWorld['personWithDevice'];
const person = () => personWithDevice('p');

before(async () => {
  ({ t, payroll, personWithDevice } = await gatehouseWithPayroll(clock, cb));
});
after(async () => {
  await t.close();
});


const status = async (id: string) => (await t.gh.deps.db.selectFrom('push_challenges').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
const pushFailures = async (userId: string) =>
  Number((await t.gh.deps.db.selectFrom('mfa_attempts').select('consecutive_failures').where('user_id', '=', userId).where('scope', '=', 'push').executeTakeFirst())?.consecutive_failures ?? 0);
const refused = { status: 400, body: { error: 'answer_refused', error_description: 'This answer was not accepted.' } };

test('A replayed approval is refused: the request is answered once, and its approval signs in one browser once', async () => {
  const { email, device } = await person();
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const c = await device.nextChallenge();
  const jws = await device.answerJws(c.id, 'approve', number);
  assert.deepEqual(await device.sendAnswer(c.id, jws), { status: 200, body: { status: 'approved' } });
  assert.deepEqual(await device.sendAnswer(c.id, jws), refused, 'the same signed answer again');
  assert.deepEqual(await device.answer(c.id, 'deny'), refused, 'nor can a later answer change it');
  const done = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url));
  assert.equal(await status(c.id), 'consumed');
  assert.deepEqual(await device.sendAnswer(c.id, jws), refused);
});

test('Twenty answers to one request at once: exactly one applies', async () => {
  const { email, device } = await person();
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const c = await device.nextChallenge();
  // Signed first, then sent together (over HTTP, and straight into the handler so that every read of
  // the request happens before any write): only the conditional UPDATE keeps it to one.
  const jws = await Promise.all(Array.from({ length: 20 }, () => device.answerJws(c.id, 'approve', number)));
  const ctx = ceremonyContext(t.gh.deps);
  const direct = await Promise.allSettled(jws.slice(0, 10).map((answer) => answerChallenge(ctx, c.id, { answer }, {})));
  const answers = await Promise.all(jws.slice(10).map((a) => device.sendAnswer(c.id, a)));
  assert.equal(direct.filter((a) => a.status === 'fulfilled').length + answers.filter((a) => a.status === 200).length, 1);
  assert.equal(answers.filter((a) => a.status === 400).length + direct.filter((a) => a.status === 'rejected').length, 19);
  const approved = await t.gh.deps.db.selectFrom('audit_events').select('event').where('event', '=', 'push.approved').where('details', 'like', `%${c.id}%`).execute();
  assert.equal(approved.length, 1, 'audited once');
});

test('The store applies one answer per request even when two instances both read it as pending', async () => {
  const { email, device } = await person();
  await pushPage(new UserAgent(), payroll, cb, email);
  const c = await device.nextChallenge();
  // What two instances do after both passed the checks: the second conditional UPDATE finds nothing.
  assert.equal(await settleChallenge(t.gh.deps, c.id, 'approved', device.deviceId, ['swk']), true);
  assert.equal(await settleChallenge(t.gh.deps, c.id, 'denied', device.deviceId, null), false);
  assert.equal(await status(c.id), 'approved');
});

test('An approval for another request, another person, or another sign-in of the same person is refused', async () => {
  const a = await person();
  const b = await person();
  const uaA = new UserAgent();
  const { number } = await pushPage(uaA, payroll, cb, a.email);
  const ca = await a.device.nextChallenge();

  // B's device, a valid signature, A's request: not B's person.
  assert.deepEqual(await b.device.answer(ca.id, 'approve', number), refused);
  // A signed approval of request X posted for request Y (cid differs from the URL).
  const uaB = new UserAgent();
  const pb = await pushPage(uaB, payroll, cb, b.email);
  const cb2 = await b.device.nextChallenge();
  const forX = await b.device.answerJws(cb2.id, 'approve', pb.number);
  assert.deepEqual(await a.device.sendAnswer(ca.id, forX), refused);
  assert.equal(await status(ca.id), 'pending');

  // A approves A's request; another browser of A's (another sign-in) cannot use that approval.
  assert.equal((await a.device.answer(ca.id, 'approve', number)).status, 200);
  const other = new UserAgent();
  await pushPage(other, payroll, cb, a.email).catch(() => undefined);
  const stolen = await other.submit('/mfa', { method: 'push' });
  assert.ok(stolen.status === 400 || stolen.status === 200, `no sign-in for the other browser: ${stolen.status}`);
  assert.ok(!atApp(cb)(stolen.url));
  assert.equal(await status(ca.id), 'approved', 'the approval is still only for its own sign-in');
  const done = await uaA.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url));
});

test('A missing or wrong number ends the request and counts as a failed attempt (kind push)', async () => {
  const { email, user, device } = await person();
  for (const number of [undefined, 'wrong'] as const) {
    const ua = new UserAgent();
    const shown = (await pushPage(ua, payroll, cb, email)).number;
    const c = await device.nextChallenge();
    const before = await pushFailures(user.id);
    const typed = number === undefined ? undefined : String(((Number(shown) - 10 + 1) % 90) + 10);
    assert.deepEqual(await device.answer(c.id, 'approve', typed), refused);
    assert.equal(await status(c.id), 'failed', 'the request ended');
    assert.equal(await pushFailures(user.id), before + 1, 'one failed push attempt');
    // The right number after that is too late: the request is over.
    assert.deepEqual(await device.answer(c.id, 'approve', shown), refused);
    const page = await ua.submit('/mfa', { method: 'push' });
    assert.ok(!atApp(cb)(page.url));
    assert.match(page.body, /That request ended/);
    const next = pageNumber(page.body);
    const c2 = await device.nextChallenge();
    assert.notEqual(c2.id, c.id, 'a new request for the sign-in');
    assert.equal((await device.answer(c2.id, 'approve', next)).status, 200);
    assert.ok(atApp(cb)((await ua.submit('/mfa', { method: 'push' }, atApp(cb))).url));
  }
  const events = (await t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('user_id', '=', user.id).where('event', '=', 'mfa.failed').execute()).map((e) => JSON.parse(e.details!).reason);
  assert.deepEqual(events, ['number_missing', 'number_wrong']);
});

test('A removed device is refused at once, exactly like an unknown one', async () => {
  const { email, user, device } = await person();
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const c = await device.nextChallenge();
  assert.ok(await removeMethod(t.gh.deps.db, user.id, device.deviceId));
  assert.deepEqual(await device.answer(c.id, 'approve', number), refused);
  const self = await device.signedGet('/devices/self');
  const list = await device.signedGet('/challenges');
  const stranger = await PushDevice.create(t.issuer, clock.now);
  stranger.deviceId = 'never-existed';
  const unknown = await stranger.signedGet('/devices/self');
  assert.equal(self.status, 401);
  assert.equal(list.status, 401);
  assert.deepEqual(self.body, unknown.body, 'removed reads as never enrolled');
  assert.equal(self.body.error, 'device_unknown');
  assert.deepEqual(await stranger.answer(c.id, 'approve', number), refused);
});

test('A forged signature (another key under the device id), a wrong aud, a stale iat, a wrong typ are refused', async () => {
  const { email, device } = await person();
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const c = await device.nextChallenge();
  const forger = await PushDevice.create(t.issuer, clock.now);
  forger.deviceId = device.deviceId;
  assert.deepEqual(await forger.answer(c.id, 'approve', number), refused, 'signed by another key');
  assert.equal((await forger.signedGet('/challenges')).status, 401, 'a forged signed request');
  assert.deepEqual(await device.answer(c.id, 'approve', number, { aud: 'http://evil.example' }), refused);
  assert.deepEqual(await device.answer(c.id, 'approve', number, { iat: Math.floor(clock.now() / 1000) - 120 }), refused);
  const { privateKey } = await generateKeyPair('ES256');
  const wrongTyp = await new CompactSign(new TextEncoder().encode(JSON.stringify({ aud: t.issuer, cid: c.id, decision: 'approve', number, iat: Math.floor(clock.now() / 1000) }))).setProtectedHeader({ alg: 'ES256', kid: device.deviceId, typ: 'JWT' }).sign(privateKey);
  assert.deepEqual(await device.sendAnswer(c.id, wrongTyp), refused);
  assert.deepEqual(await device.post(`/challenges/${c.id}/answer`, { answer: ['not', 'a', 'jws'] }), refused);
  assert.equal(await status(c.id), 'pending', 'none of them touched the request');
  assert.equal((await device.answer(c.id, 'approve', number)).status, 200);
});

test('An expired request cannot be approved; its time-out is counted', async () => {
  const { email, user, device } = await person();
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const c = await device.nextChallenge();
  clock.advance(61_000);
  assert.deepEqual(await device.answer(c.id, 'approve', number), refused);
  assert.deepEqual(await device.challenges(), [], 'no longer offered to the device');
  const page = await ua.submit('/mfa', { method: 'push' });
  assert.ok(!atApp(cb)(page.url));
  assert.match(page.body, /That request ended/);
  const timedOut = await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', user.id).where('event', '=', 'push.timed_out').execute();
  assert.equal(timedOut.length, 1);
});

test('Signed requests: htm, htu and iat are checked', async () => {
  const { device } = await person();
  const url = device.api('/challenges');
  const post = await fetch(url, { headers: { authorization: await device.authorization('POST', url) } });
  assert.equal(post.status, 401, 'signed for another method');
  const other = await fetch(url, { headers: { authorization: await device.authorization('GET', device.api('/devices/self')) } });
  assert.equal(other.status, 401, 'signed for another URL');
  device.clockOffsetMs = -120_000;
  assert.equal((await device.signedGet('/challenges')).status, 401, 'signed two minutes ago');
  device.clockOffsetMs = 0;
  assert.equal((await device.signedGet('/challenges')).status, 200);
  assert.equal((await fetch(url, { headers: { authorization: 'Device x.y.z' } })).status, 401);
  assert.equal((await fetch(url)).status, 401);
});

test('Sign-in works again for a person after all that', async () => {
  const { email, device } = await person();
  const { claims } = await signInWithPush(new UserAgent(), payroll, cb, email, device);
  assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa']);
});
