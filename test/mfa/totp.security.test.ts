import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { ceremonyContext } from '../../src/http/ceremony-context.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, passwordStep, submitCode, totpCode, wrongCode } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { findUserById } from '../../src/store/users.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { totpMethod } from '../../src/methods/totp/index.ts';
import { BACKOFF_MS, LOCK_MS, failureCount } from '../../src/security/attempts.ts';

// SECURITY.md "Second factors": a TOTP code is accepted once; attempt counters are atomic (AuthQuake).
const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
let t: TestGatehouse;
let app: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';
/** How many wrong answers in a row are checked before the first wait. */
const CHECKED_BEFORE_WAIT = BACKOFF_MS.findIndex((ms) => ms > 0);

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  app = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(async () => {
  await t.close();
});

async function person(email: string) {
  const user = await t.createUser(email, PASSWORD);
  const { secret } = await enrollTotp(new UserAgent(), app, cb, email, PASSWORD, clock);
  clock.nextStep();
  return { userId: user.id, secret };
}

/** A browser stopped at the 2FA challenge after a correct password. */
async function atChallenge(email: string) {
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, app, cb, email, PASSWORD);
  assert.match(page.body, /Code from your authenticator app/, `not at the challenge: ${page.url}`);
  return { ua, auth };
}

const events = async (userId: string, event: string) =>
  Number((await t.gh.deps.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('event', '=', event).executeTakeFirst())?.n ?? 0);

test('a code is accepted once: the same code at a second sign-in is refused', async () => {
  const { secret } = await person('replay@example.com');
  const code = totpCode(secret, clock.now());
  const one = await atChallenge('replay@example.com');
  const ok = await submitCode(one.ua, cb, code);
  assert.ok(ok.url.startsWith(cb));
  assert.equal((await finish(app, one.auth, ok.url)).claims.acr, ACR.multiFactor);

  const two = await atChallenge('replay@example.com');
  const replay = await submitCode(two.ua, cb, code);
  assert.equal(replay.status, 400);
  assert.ok(!replay.url.startsWith(cb), 'no authorization code for a replayed code');
  assert.match(replay.body, /That code is not correct/, 'a replay reads like any wrong code');

  // Still refused 20 seconds later, within the same 30-second step and the ±1 window after it.
  clock.advance(20_000);
  const later = await submitCode(two.ua, cb, code);
  assert.equal(later.status, 400);
});

test('an earlier step is refused after a later one was accepted', async () => {
  const { secret } = await person('drift@example.com');
  const now = clock.now();
  // The phone runs 30 s ahead: its code (step +1) is accepted; the current step's code is older.
  const ahead = await atChallenge('drift@example.com');
  assert.ok((await submitCode(ahead.ua, cb, totpCode(secret, now + 30_000))).url.startsWith(cb));
  const behind = await atChallenge('drift@example.com');
  const current = await submitCode(behind.ua, cb, totpCode(secret, now));
  assert.equal(current.status, 400, 'the current step is earlier than the accepted one');
  const previous = await submitCode(behind.ua, cb, totpCode(secret, now - 30_000));
  assert.ok(!previous.url.startsWith(cb), 'the previous step neither');
});

test('the same valid code from 10 sign-ins of the person at once: exactly one succeeds', async () => {
  const email = 'race@example.com';
  const { userId, secret } = await person(email);
  const browsers = [];
  for (let i = 0; i < 10; i++) browsers.push(await atChallenge(email));
  const code = totpCode(secret, clock.now());
  const results = await Promise.all(browsers.map((b) => submitCode(b.ua, cb, code)));
  const winners = results.filter((r) => r.url.startsWith(cb));
  assert.equal(winners.length, 1, `exactly one sign-in completes (statuses ${results.map((r) => r.status)})`);
  for (const r of results.filter((x) => !x.url.startsWith(cb))) assert.ok(r.status === 400 || r.status === 429, `refused with ${r.status}`);
  assert.equal(await events(userId, 'mfa.succeeded'), 1, 'one success audited');
});

test('the store itself lets one of 10 parallel verifications of one code win', async () => {
  const { userId, secret } = await person('store-race@example.com');
  const user = (await findUserById(t.gh.deps.db, userId))!;
  const methods = await listActiveMethods(t.gh.deps.db, userId);
  const code = totpCode(secret, clock.now());
  const ctx = ceremonyContext(t.gh.deps);
  const results = await Promise.all(Array.from({ length: 10 }, () => totpMethod.verify(ctx, user, methods, code, {})));
  assert.equal(results.filter((r) => r.ok).length, 1);
  assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'replayed'));
});

test('200 parallel wrong codes: none succeeds, each is counted or refused unchecked; the right code waits for the backoff', async () => {
  const email = 'quake@example.com';
  const { userId, secret } = await person(email);
  const { ua, auth } = await atChallenge(email);
  const wrong = wrongCode(secret, clock.now());
  const form = { csrf: /name="csrf" value="([^"]+)"/.exec(ua.lastBody)![1]!, method: 'totp', code: wrong };
  const action = ua.lastUrl.replace(/\/interaction\/([^/]+).*$/, '/interaction/$1/mfa');
  const responses = await Promise.all(Array.from({ length: 200 }, () => ua.fetch(action, { method: 'POST', form })));
  const statuses = responses.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 400 || s === 429), `only 400/429: ${[...new Set(statuses)]}`);
  assert.ok(!responses.some((r) => (r.headers.get('location') ?? '').startsWith(cb)), 'no redirect to the app');

  const counted = await failureCount(t.gh.deps.db, userId, 'totp');
  const failed = await events(userId, 'mfa.failed');
  const refused = (await events(userId, 'mfa.throttled')) + (await events(userId, 'mfa.locked'));
  assert.equal(failed, counted, 'every checked answer is a counted failure');
  assert.equal(failed + refused, 200, 'every request is accounted for: counted or refused unchecked');
  assert.equal(counted, CHECKED_BEFORE_WAIT, 'only the attempts the ladder allows at this instant were checked');
  assert.equal(statuses.filter((s) => s === 400).length, counted);
  assert.equal(await events(userId, 'mfa.succeeded'), 0);

  // The right code right now is refused unchecked: the backoff holds.
  await ua.go(ua.lastUrl.replace(/\/mfa$/, ''));
  const tooSoon = await submitCode(ua, cb, totpCode(secret, clock.now()));
  assert.equal(tooSoon.status, 429);
  assert.match(tooSoon.body, /Too many attempts. Wait (1 second|\d+ seconds|\d+ minutes), then try again/);
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), counted, 'a refused attempt is not checked');

  clock.advance(BACKOFF_MS[counted]!);
  const ok = await submitCode(ua, cb, totpCode(secret, clock.now()));
  assert.ok(ok.url.startsWith(cb), `after the backoff the code works (${ok.status})`);
  assert.equal((await finish(app, auth, ok.url)).claims.acr, ACR.multiFactor);
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), 0, 'a success clears the count');
});

test('malformed codes get a clean 4xx page, no stack trace, and count as failures', async () => {
  const email = 'malformed@example.com';
  const { userId } = await person(email);
  const { ua } = await atChallenge(email);
  const csrf = /name="csrf" value="([^"]+)"/.exec(ua.lastBody)![1]!;
  const action = ua.lastUrl.replace(/\/interaction\/([^/]+).*$/, '/interaction/$1/mfa');
  const cases: Array<[string, () => Promise<Response>]> = [
    ['missing', () => ua.fetch(action, { method: 'POST', form: { csrf, method: 'totp' } })],
    ['empty', () => ua.fetch(action, { method: 'POST', form: { csrf, method: 'totp', code: '' } })],
    ['5 digits', () => ua.fetch(action, { method: 'POST', form: { csrf, method: 'totp', code: '12345' } })],
    ['7 digits', () => ua.fetch(action, { method: 'POST', form: { csrf, method: 'totp', code: '1234567' } })],
    ['Arabic-Indic digits', () => ua.fetch(action, { method: 'POST', form: { csrf, method: 'totp', code: '١٢٣٤٥٦' } })],
    ['array', () => ua.fetch(action, { method: 'POST', form: { csrf, method: 'totp', code: ['123456', '654321'] } })],
    ['JSON null', () => fetch(action, { method: 'POST', redirect: 'manual', headers: { cookie: ua.cookieHeader(action), 'content-type': 'application/json' }, body: JSON.stringify({ csrf, method: 'totp', code: null }) })],
    ['no method', () => ua.fetch(action, { method: 'POST', form: { csrf, code: '123456' } })],
    ['unknown method', () => ua.fetch(action, { method: 'POST', form: { csrf, method: '__proto__', code: '123456' } })],
  ];
  let expected = 0;
  let asCodes = 0;
  for (const [name, send] of cases) {
    clock.advance(BACKOFF_MS[expected] ?? LOCK_MS); // past the backoff: each case is checked, not throttled
    const res = await send();
    const body = await res.text();
    assert.ok(res.status >= 400 && res.status < 500, `${name}: ${res.status}`);
    assert.match(String(res.headers.get('content-type')), /text\/html/, name);
    assert.match(body, /Two-step verification/, `${name}: the challenge page again`);
    assert.ok(!/at .+\.(ts|js):\d+|Error:|TypeError|stack/i.test(body), `${name}: no stack trace`);
    expected++;
    assert.equal(await events(userId, 'mfa.failed'), expected, `${name}: counted as a failure`);
    // A code for the authenticator app counts against it; an answer without a method the person has
    // is not checked and counts apart, where it cannot lock their real methods (decision 0007).
    if (name !== 'no method' && name !== 'unknown method') asCodes++;
    const [codes, unoffered] = [await failureCount(t.gh.deps.db, userId, 'totp'), await failureCount(t.gh.deps.db, userId, 'unoffered')];
    assert.equal(codes + unoffered, expected, `${name}: in the attempt counter`);
    assert.equal(codes, asCodes, `${name}: counted where it belongs`);
  }
});

test("a code valid minutes away from the server's time is refused with a hint about the phone's clock, and counted", async () => {
  const email = 'skewed-clock@example.com';
  const { userId, secret } = await person(email);
  const ua = new UserAgent();
  await passwordStep(ua, app, cb, email, PASSWORD);
  const before = await failureCount(t.gh.deps.db, userId, 'totp');
  // A phone five minutes slow: its code belongs to ten steps ago.
  const slow = await submitCode(ua, cb, totpCode(secret, clock.now() - 5 * 60_000));
  assert.equal(slow.status, 400);
  assert.match(slow.body, /phone&#39;s clock seems to be off/);
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), before + 1, 'a failure like any other');
  // A code an hour away is just not correct: no hint.
  const far = await submitCode(ua, cb, totpCode(secret, clock.now() + 3600_000));
  assert.equal(far.status, 400);
  assert.doesNotMatch(far.body, /clock seems to be off/);
  assert.match(far.body, /not correct/);
});
