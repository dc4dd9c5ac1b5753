import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { FakeClock, finish, interactionUid } from '../helpers/mfa.ts';
import { buildAuthorization } from '../helpers/oidc-client.ts';
import { deviceCookieName } from '../../src/security/remembered-devices.ts';
import { hash } from '@node-rs/argon2';
import { atApp, pageNumber, pushPage, gatehouseWithPayroll, PASSWORD, type PayrollWorld } from './support.ts';
import { loadLoginFlow } from '../../src/store/login-flows.ts';

// The push page's script (static/push-wait.js) sends its Continue form at once with `wait=1` and the
// server holds it until the phone answers: one request where an event stream and then the form were two.

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

/** The page's held Continue, as its script sends it: the approval form's fields, `wait=1`, JSON accepted, same origin. */
function holdContinue(ua: UserAgent, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
  assert.match(ua.lastBody, /data-push-hold/, 'the push page holds its Continue');
  const form = findForm(ua.lastBody, '/mfa');
  const action = new URL(form.action, ua.lastUrl).href;
  return ua.fetch(action, {
    method: 'POST',
    form: { ...form.hidden, wait: '1', ...fields },
    headers: { accept: 'application/json', origin: new URL(t.issuer).origin, 'sec-fetch-site': 'same-origin', ...headers },
  });
}

/** Whether `p` is still unsettled after `ms`. */
async function stillWaiting(p: Promise<unknown>, ms = 300): Promise<boolean> {
  return Promise.race([p.then(() => false, () => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms))]);
}

test('A held Continue waits for the phone, then says where to go: the sign-in is done, with the approval as its second factor', async () => {
  const ada = await person('held');
  const events = async () => (await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', ada.user.id).where('event', 'in', ['push.approved', 'mfa.succeeded', 'login.succeeded']).orderBy('id').execute()).map((r) => r.event);
  const before = (await events()).length;
  const ua = new UserAgent();
  const { auth, number } = await pushPage(ua, payroll, cb, ada.email);
  const held = holdContinue(ua);
  assert.ok(await stillWaiting(held), 'no answer from the phone yet: the request waits');

  const c = await ada.device.nextChallenge();
  assert.equal((await ada.device.answer(c.id, 'approve', number)).status, 200);
  const res = await held;
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const { next } = (await res.json()) as { next: string };
  assert.match(next, /\/authorize\/[\w-]+$/, 'the sign-in resumes at the authorization endpoint');
  assert.equal(new URL(next).origin, new URL(t.issuer).origin);

  const done = await ua.go(next, {}, atApp(cb));
  assert.ok(atApp(cb)(done.url), `not back at the app: ${done.url}`);
  const { claims } = await finish(payroll, auth, done.url);
  assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa']);
  assert.deepEqual((await events()).slice(before).sort(), ['login.succeeded', 'mfa.succeeded', 'push.approved'], 'audited once each');
});

test('Sent again once the sign-in step ended (a second Continue, a held request the page gave up on): the browser goes on to the app', async () => {
  const ada = await person('twice');
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, ada.email);
  const page = { url: ua.lastUrl, body: ua.lastBody };
  const held = holdContinue(ua);
  const c = await ada.device.nextChallenge();
  await ada.device.answer(c.id, 'approve', number);
  const { next } = (await (await held).json()) as { next: string };

  ua.lastUrl = page.url;
  ua.lastBody = page.body;
  const again = await holdContinue(ua);
  assert.deepEqual(await again.json(), { next }, 'the same way on, not a new sign-in');
  const form = await ua.submit('/mfa', { method: 'push' }, (u) => u === next);
  assert.equal(form.url, next, 'a form sent twice is redirected there too');
});

test('A denial is told to the page, which then sends its form: the denial page, recorded once', async () => {
  const ada = await person('held-deny');
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, ada.email);
  const held = holdContinue(ua);
  const c = await ada.device.nextChallenge();
  assert.equal((await ada.device.answer(c.id, 'deny')).status, 200);
  assert.deepEqual(await (await held).json(), { status: 'denied' });
  const shown = await ua.submit('/mfa', { method: 'push' });
  assert.equal(shown.status, 403);
  assert.match(shown.body, /denied/i);
});

test('"Remember this device" ticked on the page goes with the held request: its cookie comes with the answer', async () => {
  const ada = await person('held-remember');
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, ada.email);
  const held = holdContinue(ua, { remember: '1' });
  const c = await ada.device.nextChallenge();
  await ada.device.answer(c.id, 'approve', number);
  const res = await held;
  assert.ok((await res.json() as { next?: string }).next);
  const cookie = deviceCookieName(t.gh.deps, ada.user.id);
  assert.ok(ua.cookieHeader(t.issuer).includes(`${cookie}=`), 'the remembered-device cookie is set by the held answer');
});

test('A request that ended (expired) is told at once: the page draws itself again; no answer within the hold: the page asks again', async () => {
  const ada = await person('held-expiry');
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, ada.email);
  // 60 s to answer: 1 ms before the end, the request is held until its expiry (+250 ms), then found pending on this clock.
  clock.advance(59_999);
  assert.deepEqual(await (await holdContinue(ua)).json(), { status: 'pending' });
  clock.advance(2);
  assert.deepEqual(await (await holdContinue(ua)).json(), { status: 'ended' });
});

test('A held Continue is a form post like any other: without its token, or from another site, it is refused and never waits', async () => {
  const ada = await person('held-csrf');
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, ada.email);
  const noToken = await holdContinue(ua, { csrf: '' });
  assert.equal(noToken.status, 403);
  const foreign = await holdContinue(ua, {}, { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' });
  assert.equal(foreign.status, 403);
});

test('One held Continue per request: a newer one lets the older go at once (another tab listens instead), so none can be stacked and woken together', async () => {
  const ada = await person('held-one');
  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, ada.email);
  const first = holdContinue(ua);
  assert.ok(await stillWaiting(first), 'the first waits');
  const second = holdContinue(ua);
  assert.deepEqual(await (await first).json(), { status: 'superseded' });
  assert.ok(await stillWaiting(second), 'the newer one waits');
  const c = await ada.device.nextChallenge();
  await ada.device.answer(c.id, 'approve', number);
  assert.ok(((await (await second).json()) as { next?: string }).next);
  const failed = await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', ada.user.id).where('event', '=', 'mfa.failed').execute();
  assert.deepEqual(failed, [], 'no held Continue lost a race and counted as a failure');
});

test('Starting the sign-in again as someone else takes the first person\'s request off their phone, and frees their one slot', async () => {
  const ada = await person('restart-ada');
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, ada.email);
  assert.equal((await ada.device.challenges()).length, 1);
  const csrf = findForm(ua.lastBody, '/mfa').hidden.csrf!;
  // The password page's "Not you?" (the page in another tab, or the one before this one).
  const restart = await ua.fetch(`${t.issuer}/interaction/${interactionUid(ua.lastUrl)}/restart`, { method: 'POST', form: { csrf }, headers: { origin: new URL(t.issuer).origin, 'sec-fetch-site': 'same-origin' } });
  assert.equal(restart.status, 303);
  assert.deepEqual(await ada.device.challenges(), [], 'no request left waiting on her phone');
  const again = new UserAgent();
  await pushPage(again, payroll, cb, ada.email);
  assert.equal((await ada.device.challenges()).length, 1, 'her next sign-in gets a request, not "busy"');
});

// Breaker: a second tab could draw the email page of a sign-in whose login step had ended, store a
// new flow there, and sign in as someone else over the first result.
test('Once the held Continue ended the login step, the sign-in\'s pages and forms only send the browser on', async () => {
  const ada = await person('ended');
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, ada.email);
  const uid = interactionUid(ua.lastUrl);
  const csrf = findForm(ua.lastBody, '/mfa').hidden.csrf!;
  const held = holdContinue(ua);
  const c = await ada.device.nextChallenge();
  await ada.device.answer(c.id, 'approve', pageNumber(ua.lastBody));
  const { next } = (await (await held).json()) as { next: string };
  const same = { origin: new URL(t.issuer).origin, 'sec-fetch-site': 'same-origin' };
  for (const [path, init] of [
    [`/interaction/${uid}?method=recovery`, {}],
    [`/interaction/${uid}/email`, { method: 'POST', form: { csrf, email: 'someone-else@example.com' }, headers: same }],
    [`/interaction/${uid}/password`, { method: 'POST', form: { csrf, password: 'x' }, headers: same }],
    [`/interaction/${uid}/restart`, { method: 'POST', form: { csrf }, headers: same }],
  ] as const) {
    const res = await ua.fetch(`${t.issuer}${path}`, init as Parameters<UserAgent['fetch']>[1]);
    assert.equal(res.status, 303, path);
    assert.equal(new URL(res.headers.get('location')!, t.issuer).href, new URL(next, t.issuer).href, `${path}: on to where the first answer said`);
  }
  // The page's event stream (a second tab's, reconnecting) is no navigation: it must not follow a
  // redirect to /authorize/:uid and use the sign-in up out of sight (breaker).
  const stream = await ua.fetch(`${t.issuer}/interaction/${uid}/push/wait?request=${c.id}`, { headers: { accept: 'text/event-stream' } });
  assert.equal(stream.status, 204, 'the stream ends for good');
  assert.equal(await loadLoginFlow(t.gh.deps.db, t.gh.deps.clock, uid), undefined, 'no flow stored again');
  const done = await ua.go(new URL(next, t.issuer).href, {}, atApp(cb));
  assert.ok(atApp(cb)(done.url), 'and the first sign-in goes on to the app');
});

test('A cancelled sign-in stays cancelled: after "Cancel", its pages and forms send the browser on to the app\'s error', async () => {
  const ada = await person('cancelled');
  const ua = new UserAgent();
  await pushPage(ua, payroll, cb, ada.email);
  const uid = interactionUid(ua.lastUrl);
  const abort = findForm(ua.lastBody, '/abort');
  const same = { origin: new URL(t.issuer).origin, 'sec-fetch-site': 'same-origin' };
  const cancelled = await ua.fetch(new URL(abort.action, ua.lastUrl).href, { method: 'POST', form: abort.hidden, headers: same });
  assert.equal(cancelled.status, 303);
  const returnTo = new URL(cancelled.headers.get('location')!, t.issuer).href;
  for (const path of [`/interaction/${uid}`, `/interaction/${uid}?method=totp`]) {
    const res = await ua.fetch(`${t.issuer}${path}`);
    assert.equal(res.status, 303, path);
    assert.equal(new URL(res.headers.get('location')!, t.issuer).href, returnTo, `${path}: on to the cancelled result`);
  }
  const back = await ua.go(returnTo, {}, atApp(cb));
  assert.equal(new URL(back.url).searchParams.get('error'), 'access_denied', 'the app is told the sign-in was cancelled');
});

// Breaker: "Not you?" sent while the password was being checked was undone by the password's later
// save — the browser saw the first person's push page, and her phone a request. The flow's version
// (decision 0025) makes the later step lose: nothing of it is stored, and the push it started ends.
test('"Not you?" during the password\'s check wins: the password\'s answer shows the sign-in started again, and no request is left on the phone', async () => {
  const ada = await person('race-ada');
  // A password hash that takes a while to check (the same password, more argon2id passes), so that
  // "Not you?" lands while the check runs.
  const slow = await hash(PASSWORD, { memoryCost: 19456, timeCost: 60, parallelism: 1 });
  await t.gh.deps.db.updateTable('users').set({ password_hash: slow }).where('id', '=', ada.user.id).execute();
  const ua = new UserAgent();
  await ua.go((await buildAuthorization(payroll, cb)).url.href, {}, atApp(cb));
  await ua.submit('/email', { email: ada.email });
  const restartForm = findForm(ua.lastBody, '/restart');
  const sent = ua.submit('/password', { password: PASSWORD }, atApp(cb));
  await new Promise((r) => setTimeout(r, 150));
  const restart = await ua.fetch(new URL(restartForm.action, ua.lastUrl).href, { method: 'POST', form: restartForm.hidden, headers: { origin: new URL(t.issuer).origin, 'sec-fetch-site': 'same-origin' } });
  assert.equal(restart.status, 303);
  const page = await sent;
  assert.match(page.body, /name="email"/, `the sign-in started again: the email page (got ${page.url}:\n${page.body.slice(0, 600)})`);
  assert.ok(!page.body.includes('data-testid="push-number"'), 'not her push page');
  assert.deepEqual(await ada.device.challenges(), [], 'no request left waiting on her phone');
});

test('A held Continue is answered at once when the server closes (the page asks again, elsewhere); the close does not wait for it', async () => {
  const own = await gatehouseWithPayroll(new FakeClock(), cb);
  const bea = await own.personWithDevice('held-close');
  const ua = new UserAgent();
  await pushPage(ua, own.payroll, cb, bea.email);
  const form = findForm(ua.lastBody, '/mfa');
  const held = ua.fetch(new URL(form.action, ua.lastUrl).href, { method: 'POST', form: { ...form.hidden, wait: '1' }, headers: { accept: 'application/json', origin: new URL(own.t.issuer).origin, 'sec-fetch-site': 'same-origin' } });
  assert.ok(await stillWaiting(held), 'it waits');
  const started = Date.now();
  await own.t.close();
  const closedIn = Date.now() - started;
  assert.deepEqual(await (await held).json(), { status: 'pending' });
  assert.ok(closedIn < 5_000, `the server closed in ${closedIn} ms`);
});
