import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, passwordStep, submitCode, totpCode, wrongCode } from '../helpers/mfa.ts';
import { backoffAfter, failureCount, MAX_CONSECUTIVE_FAILURES } from '../../src/security/attempts.ts';
import { escapeHtml } from '../../src/http/html.ts';
import { translator } from '../../src/i18n/index.ts';

// SECURITY.md "Second factors": limits per account across sessions, requests and aliases; never
// more than 100 consecutive failures (NIST); lockout never closes the recovery path, and is never
// permanent (decision 0007; test/mfa/lockout.security.test.ts has the ways a lock ends).
const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
let t: TestGatehouse;
let app: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';

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
  const enrolled = await enrollTotp(new UserAgent(), app, cb, email, PASSWORD, clock);
  clock.nextStep();
  return { userId: user.id, secret: enrolled.secret, recoveryCodes: enrolled.recoveryCodes };
}

/** A new browser at the 2FA challenge, signed in with the password as typed (`as` may be an alias). */
async function atChallenge(as: string) {
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, app, cb, as, PASSWORD);
  assert.match(page.body, /Code from your authenticator app/, `not at the challenge: ${page.url}`);
  return { ua, auth };
}

const count = (userId: string, event: string) =>
  t.gh.deps.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('event', '=', event).executeTakeFirst().then((r) => Number(r?.n ?? 0));

test('failures count per person across sessions and email aliases', async () => {
  const { userId, secret } = await person('ada@example.com');
  // Three browsers, three spellings of the address: one person, one counter.
  for (const alias of ['ada@example.com', 'Ada@Example.com', '  ADA@example.COM ']) {
    const { ua } = await atChallenge(alias);
    const r = await submitCode(ua, cb, wrongCode(secret, clock.now()));
    assert.equal(r.status, 400, alias);
  }
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), 3);
  assert.ok(backoffAfter(3) > 0, 'the ladder makes the fourth attempt wait');

  // A fourth browser, even with the right code, waits: the counter is the person's, not the session's.
  const fourth = await atChallenge('ada@EXAMPLE.com');
  const waited = await submitCode(fourth.ua, cb, totpCode(secret, clock.now()));
  assert.equal(waited.status, 429);
  assert.match(waited.body, /Too many attempts/);
  clock.advance(backoffAfter(3));
  const ok = await submitCode(fourth.ua, cb, totpCode(secret, clock.now()));
  assert.ok(ok.url.startsWith(cb), `after the wait the right code works (${ok.status})`);
  await finish(app, fourth.auth, ok.url);
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), 0);
});

test('100 consecutive failures lock the authenticator app (even the right code is refused) until another proof; the recovery path stays open', async () => {
  const email = 'lockout@example.com';
  const { userId, secret, recoveryCodes } = await person(email);
  let browser = await atChallenge(email);
  for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) {
    clock.advance(backoffAfter(i));
    // Sign-ins expire (one hour): the attacker keeps starting new ones; the count follows the person.
    if (i % 3 === 0) browser = await atChallenge(email);
    const r = await submitCode(browser.ua, cb, wrongCode(secret, clock.now()));
    assert.equal(r.status, 400, `failure ${i + 1} is checked and counted (${r.status})`);
  }
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), MAX_CONSECUTIVE_FAILURES);
  assert.ok((await count(userId, 'mfa.locked')) >= 1, 'the lock is audited');

  // Hours later, in a new browser, the right code is still refused: locked, not merely slowed down.
  clock.advance(24 * 3600 * 1000);
  const victim = await atChallenge(email);
  const refused = await submitCode(victim.ua, cb, totpCode(secret, clock.now()));
  assert.equal(refused.status, 429);
  assert.ok(refused.body.includes(escapeHtml(translator()('mfa.locked'))), 'told it is locked');
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), MAX_CONSECUTIVE_FAILURES, 'never more than 100');
  assert.equal(await count(userId, 'mfa.succeeded'), 0);

  // The way back in: a recovery code still works.
  await victim.ua.go(new URL('?method=recovery', victim.ua.lastUrl.replace(/\/mfa$/, '')).href);
  const recovered = await submitCode(victim.ua, cb, recoveryCodes[0]!);
  assert.match(recovered.body, /You used a recovery code/);
  const back = await victim.ua.submit('/recovered/continue', {}, (u) => u.startsWith(cb));
  assert.ok(back.url.startsWith(cb));
  const { claims } = await finish(app, victim.auth, back.url);
  assert.ok((claims.amr as string[]).includes('recovery'));
  // The recovery code proved the person: the authenticator app is usable again.
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), 0, 'a recovery code lifts the lock');
  const unlocked = await t.gh.deps.db.selectFrom('audit_events').select('details').where('user_id', '=', userId).where('event', '=', 'mfa.unlocked').execute();
  assert.deepEqual(unlocked.map((e) => JSON.parse(e.details!)), [{ method: 'totp', failures: MAX_CONSECUTIVE_FAILURES, was: 'locked', by: 'recovery' }], 'the unlock is audited');
});

test('the recovery path is throttled on its own counter: wrong recovery codes never lock the authenticator app', async () => {
  const email = 'recovery-throttle@example.com';
  const { userId, secret, recoveryCodes } = await person(email);
  const { ua } = await atChallenge(email);
  await ua.go(new URL('?method=recovery', ua.lastUrl).href);
  let n = 0;
  for (; n < 3; n++) {
    const r = await submitCode(ua, cb, `AAAA-BBBB-CCC${n + 2}`);
    assert.equal(r.status, 400);
    assert.match(r.body, /That recovery code is not correct or was used already/);
  }
  const throttled = await submitCode(ua, cb, recoveryCodes[1]!);
  assert.equal(throttled.status, 429, 'even a right recovery code waits out the backoff');
  assert.equal(await failureCount(t.gh.deps.db, userId, 'recovery'), 3);
  assert.equal(await failureCount(t.gh.deps.db, userId, 'totp'), 0, 'the two counters are apart');

  // The authenticator app is unaffected.
  await ua.go(new URL('?method=totp', ua.lastUrl.replace(/\/mfa$/, '')).href);
  const ok = await submitCode(ua, cb, totpCode(secret, clock.now()));
  assert.ok(ok.url.startsWith(cb));
});
