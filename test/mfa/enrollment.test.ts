import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, parseManualKey, parseRecoveryCodes, passwordStep, signInWithTotp, totpCode, wrongCode } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { listActiveMethods } from '../../src/methods/records.ts';

const PASSWORD = 'correct horse battery staple';
const DAY = 24 * 3600 * 1000;
const clock = new FakeClock();
let t: TestGatehouse;
let required: client.Configuration;
let adaptive: client.Configuration;
let bypass: client.Configuration;
const cb = { required: 'http://127.0.0.1:9/required/cb', adaptive: 'http://127.0.0.1:9/adaptive/cb', bypass: 'http://127.0.0.1:9/bypass/cb' };
const atApp = (uri: string) => (u: string) => u.startsWith(uri);

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const r = await t.createApp({ name: 'Payroll', redirectUris: [cb.required], policy: 'required' });
  const a = await t.createApp({ name: 'Expense', redirectUris: [cb.adaptive], policy: 'adaptive' });
  const b = await t.createApp({ name: 'Directory', redirectUris: [cb.bypass], policy: 'bypass' });
  required = await relyingParty(t.issuer, r.clientId, r.clientSecret);
  adaptive = await relyingParty(t.issuer, a.clientId, a.clientSecret);
  bypass = await relyingParty(t.issuer, b.clientId, b.clientSecret);
});
after(async () => {
  await t.close();
});

async function methodRows(userId: string) {
  return t.gh.deps.db.selectFrom('mfa_methods').selectAll().where('user_id', '=', userId).execute();
}

test('Required app: the wizard opens after the password; TOTP is active only after a correct code', async () => {
  const email = 'grace@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, required, cb.required, email, PASSWORD);
  assert.match(page.url, /\/enroll$/);
  assert.match(page.body, /Payroll requires two-step verification/);
  assert.ok(!page.body.includes('/enroll/later'), 'no "Remind me later" when the app requires 2FA');

  await ua.submit('/enroll/start');
  const setup = await ua.submit('/enroll/choose', { method: 'totp' });
  assert.match(setup.body, /Set up your authenticator app/);
  const secret = parseManualKey(setup.body);
  assert.match(secret, /^[A-Z2-7]{32}$/, 'a 160-bit base32 seed');
  assert.match(setup.body, /otpauth:\/\/totp\/Gatehouse:grace%40example\.com\?[^"]*issuer=Gatehouse/, 'otpauth URI: issuer Gatehouse, the account email');

  let rows = await methodRows(user.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'pending');
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, user.id), [], 'a pending method is not an active one');

  // A pending method never counts: another sign-in meanwhile still gets the wizard, not a challenge.
  const other = new UserAgent();
  const meanwhile = await passwordStep(other, required, cb.required, email, PASSWORD);
  assert.match(meanwhile.page.url, /\/enroll$/);
  assert.ok(!other.lastBody.includes('/mfa"'));

  const bad = await ua.submit('/enroll/confirm', { code: wrongCode(secret, clock.now()) });
  assert.equal(bad.status, 400);
  assert.match(bad.body, /That code is not correct/);
  const malformed = await ua.submit('/enroll/confirm', { code: '12345' });
  assert.equal(malformed.status, 400);
  assert.match(malformed.body, /Enter the 6-digit code, digits only/);
  rows = await methodRows(user.id);
  assert.deepEqual(rows.map((r) => r.status), ['pending'], 'a wrong code activates nothing');
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, user.id), []);

  const codesPage = await ua.submit('/enroll/confirm', { code: totpCode(secret, clock.now()) });
  assert.match(codesPage.body, /Save your recovery codes/);
  const codes = parseRecoveryCodes(codesPage.body);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10, 'ten different codes');
  for (const c of codes) assert.match(c, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  const active = await listActiveMethods(t.gh.deps.db, user.id);
  assert.equal(active.length, 1);
  assert.equal(active[0]!.type, 'totp');

  // The checkbox is required: without it the page stays, with the codes and an error.
  const unticked = await ua.submit('/enroll/recovery', {});
  assert.equal(unticked.status, 400);
  assert.match(unticked.body, /Confirm that you have stored your recovery codes/);
  assert.deepEqual(parseRecoveryCodes(unticked.body), codes);

  const done = await ua.submit('/enroll/recovery', { stored: '1' });
  assert.match(done.body, /Two-step verification is on/);
  assert.ok(!done.body.includes(secret) && !done.body.includes(secret.replace(/(.{4})/g, '$1 ').trim()), 'the seed is not on the done page');
  assert.ok(!codes.some((c) => done.body.includes(c)), 'recovery codes are not shown again');

  const back = await ua.submit('/enroll/done', {}, atApp(cb.required));
  assert.ok(back.url.startsWith(cb.required));
  const { claims } = await finish(required, auth, back.url);
  assert.equal(claims.acr, ACR.multiFactor);
  for (const v of ['pwd', 'otp', 'mfa']) assert.ok((claims.amr as string[]).includes(v), `amr has ${v}: ${claims.amr}`);
});

test('the seed never appears again: not in API responses, the audit log, or the database in plaintext', async () => {
  const email = 'hopper@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  const { secret, tokens } = await enrollTotp(ua, required, cb.required, email, PASSWORD, clock);
  const forms = [secret, secret.toLowerCase(), secret.replace(/(.{4})/g, '$1 ').trim(), Buffer.from(secret).toString('base64')];
  const leaks = (text: string) => forms.filter((f) => text.includes(f));

  const info = await client.fetchUserInfo(required, tokens.access_token, tokens.claims()!.sub);
  assert.deepEqual(leaks(JSON.stringify(tokens) + JSON.stringify(info)), []);
  const account = await ua.go(`${t.issuer}/account`);
  assert.deepEqual(leaks(account.body), [], '/account');
  const security = await ua.go(`${t.issuer}/account/security`);
  assert.deepEqual(leaks(security.body), [], '/account/security');

  const events = await t.gh.deps.db.selectFrom('audit_events').selectAll().execute();
  assert.ok(events.some((e) => e.event === 'mfa.method.added' && e.user_id === user.id), 'the enrollment is audited');
  assert.deepEqual(leaks(JSON.stringify(events)), [], 'audit_events');

  const [row] = await methodRows(user.id);
  assert.ok(row!.secret, 'a sealed secret is stored');
  assert.deepEqual(leaks(row!.secret!), [], 'mfa_methods.secret is not the seed');
  assert.equal(t.gh.deps.box.openString(row!.secret!, `mfa_methods:${row!.id}:totp`), secret, 'it is the seed, sealed');
  assert.throws(() => t.gh.deps.box.openString(row!.secret!, `mfa_methods:other:totp`), 'bound to its row (AEAD context)');

  // Every table, every row: the seed is nowhere in plaintext.
  const db = t.gh.deps.db;
  const names = [...new Set((await db.introspection.getTables()).map((x) => x.name))];
  let scanned = 0;
  for (const name of names) {
    let rows: unknown[];
    try {
      rows = await db.selectFrom(name as 'users').selectAll().execute();
    } catch {
      continue; // another schema's table in PostgreSQL's catalogue
    }
    scanned++;
    assert.deepEqual(leaks(JSON.stringify(rows)), [], `table ${name}`);
  }
  assert.ok(scanned >= 10, 'the scan saw the tables');
});

test('Adaptive app: the wizard is suggested; "Remind me later" signs in single-factor and holds it back 7 days', async () => {
  const email = 'lovelace@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  const first = await passwordStep(ua, adaptive, cb.adaptive, email, PASSWORD);
  assert.match(first.page.url, /\/enroll$/);
  assert.match(first.page.body, /Protect your account with two-step verification/);
  assert.ok(first.page.body.includes('/enroll/later'), '"Remind me later" is offered');
  // The suggestion names the app and says when it asks again (config.enrollmentReminderDays), and is no step.
  assert.match(first.page.body, /<p>Expense suggests two-step verification\. /);
  assert.match(first.page.body, /<button type="submit" class="secondary">Remind me in 7 days<\/button>/);
  assert.equal(t.gh.deps.config.enrollmentReminderDays, 7);
  assert.ok(!/Step \d+ of \d+/.test(first.page.body), 'the suggestion page shows no step count');
  const later = await ua.submit('/enroll/later', {}, atApp(cb.adaptive));
  assert.ok(later.url.startsWith(cb.adaptive), 'back at the app');
  const { claims } = await finish(adaptive, first.auth, later.url);
  assert.equal(claims.acr, ACR.singleFactor);
  assert.deepEqual(claims.amr, ['pwd']);
  assert.deepEqual(await methodRows(user.id), [], 'nothing was enrolled');

  clock.advance(6 * DAY);
  const held = await passwordStep(new UserAgent(), adaptive, cb.adaptive, email, PASSWORD);
  assert.ok(held.returned, `no suggestion within 7 days, got ${held.page.url}`);

  clock.advance(2 * DAY);
  const back = await passwordStep(new UserAgent(), adaptive, cb.adaptive, email, PASSWORD);
  assert.match(back.page.url, /\/enroll$/, 'after 8 days the suggestion returns');
  assert.ok(back.page.body.includes('/enroll/later'));
});

test('Bypass app never asks, even when the person has 2FA; an Adaptive app then challenges', async () => {
  const email = 'turing@example.com';
  await t.createUser(email, PASSWORD);
  const { secret } = await enrollTotp(new UserAgent(), required, cb.required, email, PASSWORD, clock);

  const b = await passwordStep(new UserAgent(), bypass, cb.bypass, email, PASSWORD);
  assert.ok(b.returned, `Bypass app went to ${b.page.url}`);
  const { claims } = await finish(bypass, b.auth, b.page.url);
  assert.equal(claims.acr, ACR.singleFactor);
  assert.deepEqual(claims.amr, ['pwd']);

  clock.nextStep();
  const ua = new UserAgent();
  const a = await passwordStep(ua, adaptive, cb.adaptive, email, PASSWORD);
  assert.ok(!a.returned);
  assert.match(a.page.body, /Code from your authenticator app/);
  const signedIn = await signInWithTotp(new UserAgent(), adaptive, cb.adaptive, email, PASSWORD, secret, clock);
  assert.equal(signedIn.claims.acr, ACR.multiFactor);
});
