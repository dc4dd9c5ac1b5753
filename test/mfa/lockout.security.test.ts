import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { ceremonyContext } from '../../src/http/ceremony-context.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { linkIn } from '../helpers/smtp.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, passwordStep, submitCode, totpCode, wrongCode } from '../helpers/mfa.ts';
import { softKey, registerSoftKey } from '../helpers/soft-authenticator.ts';
import { verifySecondFactor, type FactorChoice } from '../../src/flows/second-factor.ts';
import { failureCount } from '../../src/security/attempts.ts';
import { findUserById, type User } from '../../src/store/users.ts';
import type { AuditContext } from '../../src/store/audit.ts';
import type { CeremonyContext } from '../../src/methods/types.ts';
import { escapeHtml } from '../../src/http/html.ts';
import { translator } from '../../src/i18n/index.ts';

// SECURITY.md "Second factors": never more than 100 consecutive failures, yet lockout must not
// become a way to lock a victim out — limits per method kind, no lock is permanent, the recovery
// path stays open (throttled), the email reset link lifts a lock, and WebAuthn answers whose
// signature does not verify are not guesses at a code. Decision 0007.
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase after the flood';
const tr = translator();
const clock = new FakeClock();
let t: TestGatehouse;
let app: client.Configuration;
let ctx: CeremonyContext;
const cb = 'http://127.0.0.1:9/payroll/cb';
const atApp = (u: string) => u.startsWith(cb);
const HOUR = 3600_000;
const attacker: AuditContext = { ip: '203.0.113.9', userAgent: 'attacker' };

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  app = await relyingParty(t.issuer, a.clientId, a.clientSecret);
  ctx = ceremonyContext(t.gh.deps);
});
after(async () => {
  await t.close();
});

async function personWithTotp(email: string) {
  const { id } = await t.createUser(email, PASSWORD);
  const enrolled = await enrollTotp(new UserAgent(), app, cb, email, PASSWORD, clock);
  clock.nextStep();
  return { user: (await findUserById(t.gh.deps.db, id))!, secret: enrolled.secret, recoveryCodes: enrolled.recoveryCodes };
}

/** A new browser at the 2FA challenge after the password (`method` picks a form of the challenge). */
async function atChallenge(email: string, method?: FactorChoice, password = PASSWORD) {
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, app, cb, email, password);
  assert.ok(ua.lastBody.includes('/mfa"'), `not at the challenge: ${page.url}`);
  if (method) await ua.go(new URL(`?method=${method}`, page.url).href);
  return { ua, auth };
}

/**
 * `n` counted failures of `choice`, as the challenge route makes them (the same function, straight):
 * a refused attempt is waited out, as an attacker would. Stops early if the kind locks.
 */
async function failMany(user: User, choice: FactorChoice, input: () => unknown, n: number, where: AuditContext = attacker) {
  let counted = 0;
  let longestWaitMs = 0;
  while (counted < n) {
    const r = await verifySecondFactor(ctx, user, choice, input(), {}, where);
    assert.equal(r.ok, false, 'a wrong answer never succeeds');
    if (r.ok) break;
    if (r.reason === 'locked') return { counted, locked: true, longestWaitMs };
    if (r.reason === 'throttled') {
      longestWaitMs = Math.max(longestWaitMs, r.retryAfterMs!);
      clock.advance(r.retryAfterMs!);
      continue;
    }
    counted++;
  }
  return { counted, locked: false, longestWaitMs };
}

const wrongTotp = (secret: string) => () => wrongCode(secret, clock.now());
let guess = 0;
/** A well-formed recovery code nobody was given. */
const wrongRecovery = () => `ZZZZ-ZZZZ-${String(guess++).padStart(4, '0')}`;

const events = async (userId: string, event: string) =>
  (await t.gh.deps.db.selectFrom('audit_events').select('details').where('user_id', '=', userId).where('event', '=', event).orderBy('id').execute()).map((e) => JSON.parse(e.details ?? '{}') as Record<string, unknown>);

const lockedMessage = escapeHtml(tr('mfa.locked'));

/** Signs in with the password and the authenticator app's current code; true when the app got a code. */
async function totpSignIn(email: string, secret: string, password = PASSWORD) {
  const { ua, auth } = await atChallenge(email, 'totp', password);
  const r = await submitCode(ua, cb, totpCode(secret, clock.now()));
  if (!atApp(r.url)) return { ok: false, status: r.status, body: r.body };
  await finish(app, auth, r.url);
  clock.nextStep();
  return { ok: true, status: r.status, body: '' };
}

test('wrong authenticator-app codes: the hold ends by itself; at 100 the app locks until a recovery code lifts it', async () => {
  const email = 'flooded@example.com';
  const { user, secret, recoveryCodes } = await personWithTotp(email);

  // 20 failures: past the ladder, in the 15-minute hold. The right code waits for the hold only.
  assert.equal((await failMany(user, 'totp', wrongTotp(secret), 20)).locked, false);
  const held = await atChallenge(email, 'totp');
  const waiting = await submitCode(held.ua, cb, totpCode(secret, clock.now()));
  assert.equal(waiting.status, 429);
  assert.match(waiting.body, /Too many attempts. Wait 15 minutes, then try again/);
  clock.advance(15 * 60_000);
  const after = await submitCode(held.ua, cb, totpCode(secret, clock.now()));
  assert.ok(atApp(after.url), `the right code works once the hold ended (${after.status})`);
  await finish(app, held.auth, after.url);
  clock.nextStep();

  // 100 consecutive failures: locked — not merely slowed down — and audited once.
  const flood = await failMany(user, 'totp', wrongTotp(secret), 100);
  assert.deepEqual([flood.counted, flood.locked], [100, false]);
  assert.equal((await failMany(user, 'totp', wrongTotp(secret), 1)).locked, true, 'the 101st attempt is not checked');
  const locks = (await events(user.id, 'mfa.locked')).filter((d) => d.failures === 100);
  assert.equal(locks.length, 1, 'the lock at the cap is audited once');
  assert.equal(locks[0]!.method, 'totp');

  // A week later the right code is still refused: the lock lasts until the person proves themselves.
  clock.advance(7 * 24 * HOUR);
  const victim = await atChallenge(email, 'totp');
  const refused = await submitCode(victim.ua, cb, totpCode(secret, clock.now()));
  assert.equal(refused.status, 429);
  assert.ok(refused.body.includes(lockedMessage), 'the locked message');
  assert.equal(await failureCount(t.gh.deps.db, user.id, 'totp'), 100, 'never more than 100 consecutive failures');

  // An unused recovery code gets in and lifts the lock (audited).
  await victim.ua.go(new URL('?method=recovery', victim.ua.lastUrl.replace(/\/mfa$/, '')).href);
  const recovered = await submitCode(victim.ua, cb, recoveryCodes[0]!);
  assert.match(recovered.body, /You used a recovery code/);
  const back = await victim.ua.submit('/recovered/continue', {}, atApp);
  await finish(app, victim.auth, back.url);
  const unlocked = await events(user.id, 'mfa.unlocked');
  assert.deepEqual(unlocked.map((d) => [d.method, d.by]), [['totp', 'recovery']]);

  // The authenticator app works again.
  assert.ok((await totpSignIn(email, secret)).ok, 'the right code is accepted after the recovery code');
});

test('the email reset link lifts the lock on the authenticator app', async () => {
  const email = 'reset-lifts@example.com';
  const { user, secret } = await personWithTotp(email);
  assert.equal((await failMany(user, 'totp', wrongTotp(secret), 100)).counted, 100);
  const locked = await totpSignIn(email, secret);
  assert.equal(locked.status, 429);
  assert.ok(locked.body.includes(lockedMessage));

  // The person proves they read the account's mail: a reset link, a new password.
  const ua = new UserAgent();
  await ua.go(`${t.issuer}/reset`);
  await ua.submit('/reset', { email });
  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === tr('reset.mail_subject'));
  await ua.go(linkIn(mail));
  const done = await ua.submit('/reset/confirm', { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
  assert.equal(done.status, 200);

  // The right code is accepted: the app gets its authorization code. (Not redeemed: after the flood
  // the test's clock is a day ahead of oidc-provider's own, and the reset signed the person out as
  // of that later instant, which a token from the real clock would predate.)
  const { ua: after } = await atChallenge(email, 'totp', NEW_PASSWORD);
  const accepted = await submitCode(after, cb, totpCode(secret, clock.now()));
  assert.ok(atApp(accepted.url), `the right code is accepted after the reset link (${accepted.status})`);
  const unlocked = await events(user.id, 'mfa.unlocked');
  assert.deepEqual(unlocked.map((d) => [d.method, d.by]), [['totp', 'password_reset']]);
});

test('an unused recovery code still works after 100 wrong codes and after many wrong recovery codes, under a slower budget that never locks', async () => {
  const email = 'recovery-open@example.com';
  const { user, secret, recoveryCodes } = await personWithTotp(email);
  assert.equal((await failMany(user, 'totp', wrongTotp(secret), 100)).counted, 100);

  // The recovery path has its own, slower budget: the fourth try already waits a minute…
  const first = await failMany(user, 'recovery', wrongRecovery, 3);
  assert.equal(first.longestWaitMs, 0, 'three typing mistakes are free');
  const fourth = await verifySecondFactor(ctx, user, 'recovery', wrongRecovery(), {}, attacker);
  assert.ok(!fourth.ok && fourth.reason === 'throttled' && fourth.retryAfterMs! >= 60_000, 'then it slows down, more than codes do');
  // …and after 150 wrong recovery codes it still never locks; the wait stays at most an hour.
  const many = await failMany(user, 'recovery', wrongRecovery, 147);
  assert.equal(many.locked, false, 'recovery codes never lock');
  assert.ok(many.longestWaitMs <= HOUR, `the longest wait ${many.longestWaitMs} ms`);
  assert.equal(await failureCount(t.gh.deps.db, user.id, 'recovery'), 150);

  // At the attacker's address the next try waits (told to wait, not "locked")…
  const there = await verifySecondFactor(ctx, user, 'recovery', recoveryCodes[3]!, {}, attacker);
  assert.ok(!there.ok && there.reason === 'throttled' && there.retryAfterMs! <= HOUR, 'a wait at the attacker’s address, never a lock');
  // …while the person, at their own address, gets in with the unused code at once: recovery
  // attempts count per person and address, so the attacker's flood never takes the person's slot.
  const { ua, auth } = await atChallenge(email, 'recovery');
  const recovered = await submitCode(ua, cb, recoveryCodes[3]!);
  assert.match(recovered.body, /You used a recovery code/);
  const back = await ua.submit('/recovered/continue', {}, atApp);
  assert.ok((await finish(app, auth, back.url)).claims.amr);
  assert.equal(await failureCount(t.gh.deps.db, user.id, 'totp'), 0, 'and the app is unlocked');
});

/** The WebAuthn request options on the challenge page the browser shows. */
function challengeOf(body: string): string {
  const json = /<script type="application\/json" id="webauthn-options">([\s\S]*?)<\/script>/.exec(body)?.[1];
  assert.ok(json, 'no WebAuthn options on the page');
  return (JSON.parse(json) as { challenge: string }).challenge;
}

test('garbage authenticator-app answers do not lock a person whose only method is a security key', async () => {
  const email = 'key-only@example.com';
  const { id } = await t.createUser(email, PASSWORD);
  const key = softKey();
  await registerSoftKey(t.gh.deps, id, key);

  // A stranger with the password posts "authenticator app" answers 110 times: the person has no app.
  let browser = await atChallenge(email);
  assert.ok(browser.ua.lastBody.includes('id="webauthn-options"'), 'the key is the challenge');
  for (let i = 0; i < 110; i++) {
    clock.advance(15 * 60_000);
    if (i % 3 === 0) browser = await atChallenge(email);
    const r = await submitCode(browser.ua, cb, String(i).padStart(6, '0'), { method: 'totp' });
    assert.ok(r.status === 400 || r.status === 429, `garbage ${i}: ${r.status}`);
  }
  assert.ok((await events(id, 'mfa.failed')).length >= 100, 'each one is a counted failure');

  // The key still signs the person in at once.
  const { ua, auth } = await atChallenge(email);
  const assertion = key.assert({ challenge: challengeOf(ua.lastBody), origin: ctx.origin, rpId: ctx.rpId, counter: 1 });
  const r = await ua.submit('/mfa', { credential: JSON.stringify(assertion) }, atApp);
  assert.ok(atApp(r.url), `the security key works (${r.status})`);
  assert.deepEqual((await finish(app, auth, r.url)).claims.amr, ['pwd', 'hwk', 'mfa']);
});

test('WebAuthn answers whose signature fails are not guesses at a code: the app stays open, the key row is untouched, the limit is per source', async () => {
  const email = 'key-and-app@example.com';
  const { user, secret } = await personWithTotp(email);
  const key = softKey();
  const methodId = await registerSoftKey(t.gh.deps, user.id, key);
  const row = () => t.gh.deps.db.selectFrom('mfa_methods').select(['counter', 'last_used_at', 'data']).where('id', '=', methodId).executeTakeFirstOrThrow();

  // The key is used a few times: its counter on the server is 5.
  for (let counter = 1; counter <= 5; counter++) {
    const { ua, auth } = await atChallenge(email, 'webauthn');
    const r = await ua.submit('/mfa', { credential: JSON.stringify(key.assert({ challenge: challengeOf(ua.lastBody), origin: ctx.origin, rpId: ctx.rpId, counter })) }, atApp);
    await finish(app, auth, r.url);
  }
  const used = await row();
  assert.equal(Number(used.counter), 5);

  // 30 answers with a bogus signature and a counter behind: refused, nothing about the key changes.
  clock.advance(60_000);
  let browser = await atChallenge(email, 'webauthn');
  for (let i = 0; i < 30; i++) {
    if (i % 10 === 0) browser = await atChallenge(email, 'webauthn');
    const forged = key.assert({ challenge: challengeOf(browser.ua.lastBody), origin: ctx.origin, rpId: ctx.rpId, counter: 1, bogusSignature: true });
    const r = await browser.ua.submit('/mfa', { credential: JSON.stringify(forged) });
    if (r.status === 429) {
      clock.advance(5 * 60_000);
      await browser.ua.go(new URL('?method=webauthn', browser.ua.lastUrl.replace(/\/mfa$/, '')).href);
      continue;
    }
    assert.equal(r.status, 400, `forged ${i}`);
  }
  assert.deepEqual(await row(), used, 'counter, last use and flags unchanged');
  assert.equal(JSON.parse(used.data).cloned, undefined);
  assert.deepEqual((await events(user.id, 'mfa.webauthn.cloned_suspected')).length, 0);
  assert.equal(await failureCount(t.gh.deps.db, user.id, 'totp'), 0, 'not counted against the authenticator app');

  // The authenticator app is not even slowed down.
  assert.ok((await totpSignIn(email, secret)).ok, 'the right code is accepted at once');

  // Limited per source: a flood from one address slows that address only; the key works elsewhere.
  const flood = await failMany(user, 'webauthn', () => key.assert({ challenge: 'x', origin: ctx.origin, rpId: ctx.rpId, counter: 1, bogusSignature: true }), 150);
  assert.equal(flood.locked, false, 'signature failures never lock the key');
  const fromAttacker = await verifySecondFactor(ctx, user, 'webauthn', key.assert({ challenge: 'c1', origin: ctx.origin, rpId: ctx.rpId, counter: 6 }), { challenge: 'c1' }, attacker);
  assert.ok(!fromAttacker.ok && fromAttacker.reason === 'throttled', 'the flooding address waits');
  const fromOwner = await verifySecondFactor(ctx, user, 'webauthn', key.assert({ challenge: 'c2', origin: ctx.origin, rpId: ctx.rpId, counter: 6 }), { challenge: 'c2' }, { ip: '198.51.100.7' });
  assert.ok(fromOwner.ok, 'the owner, elsewhere, signs in');
  assert.equal(Number((await row()).counter), 6);
});
