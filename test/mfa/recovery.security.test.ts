import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, passwordStep, submitCode } from '../helpers/mfa.ts';
import { normaliseRecoveryCode, regenerateRecoveryCodes, remainingRecoveryCodes, useRecoveryCode } from '../../src/methods/recovery/codes.ts';

// SECURITY.md "Second factors": a recovery code works once, even in 20 parallel requests; stored hashed.
const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
let t: TestGatehouse;
let app: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';
const atApp = (u: string) => u.startsWith(cb);

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
  const { recoveryCodes } = await enrollTotp(new UserAgent(), app, cb, email, PASSWORD, clock);
  return { userId: user.id, recoveryCodes };
}

/** A new browser at the recovery-code form of the challenge. */
async function atRecovery(email: string) {
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, app, cb, email, PASSWORD);
  const form = await ua.go(new URL('?method=recovery', page.url).href);
  assert.match(form.body, /<h2>Recovery code<\/h2>/);
  return { ua, auth };
}

/** Signs in with a recovery code through the interstitial; true when the app got an authorization code. */
async function signInWithRecovery(email: string, code: string): Promise<{ ok: boolean; status: number; body: string }> {
  const { ua, auth } = await atRecovery(email);
  const r = await submitCode(ua, cb, code);
  if (!/You used a recovery code/.test(r.body)) return { ok: false, status: r.status, body: r.body };
  const back = await ua.submit('/recovered/continue', {}, atApp);
  if (!atApp(back.url)) return { ok: false, status: back.status, body: back.body };
  await finish(app, auth, back.url);
  return { ok: true, status: back.status, body: '' };
}

test('a recovery code works once', async () => {
  const email = 'once@example.com';
  const { userId, recoveryCodes } = await person(email);
  assert.ok((await signInWithRecovery(email, recoveryCodes[0]!)).ok);
  assert.equal(await remainingRecoveryCodes(t.gh.deps, userId), 9);
  const again = await signInWithRecovery(email, recoveryCodes[0]!);
  assert.equal(again.ok, false);
  assert.equal(again.status, 400);
  assert.match(again.body, /That recovery code is not correct or was used already/);
  assert.equal(await remainingRecoveryCodes(t.gh.deps, userId), 9);
});

test('the same recovery code in 20 parallel sign-ins: exactly one gets in', async () => {
  const email = 'parallel@example.com';
  const { userId, recoveryCodes } = await person(email);
  const browsers = [];
  for (let i = 0; i < 20; i++) browsers.push(await atRecovery(email));
  const results = await Promise.all(browsers.map((b) => submitCode(b.ua, cb, recoveryCodes[5]!)));
  const passed = results.filter((r) => /You used a recovery code/.test(r.body));
  assert.equal(passed.length, 1, `statuses ${results.map((r) => r.status)}`);
  for (const r of results) if (!passed.includes(r)) assert.ok(r.status === 400 || r.status === 429);
  assert.equal(await remainingRecoveryCodes(t.gh.deps, userId), 9);
});

test('the store lets exactly one of 20 simultaneous uses of a code through', async () => {
  const { userId, recoveryCodes } = await person('store@example.com');
  const results = await Promise.all(Array.from({ length: 20 }, () => useRecoveryCode(t.gh.deps, userId, recoveryCodes[2]!)));
  assert.equal(results.filter((r) => r === 'ok').length, 1);
  assert.equal(results.filter((r) => r === 'invalid').length, 19);
  // Another person cannot use it either.
  const other = await person('other@example.com');
  assert.equal(await useRecoveryCode(t.gh.deps, other.userId, recoveryCodes[3]!), 'invalid');
});

test('a regenerated set replaces the old one at once', async () => {
  const email = 'regen@example.com';
  const { userId, recoveryCodes: old } = await person(email);
  const fresh = await regenerateRecoveryCodes(t.gh.deps, userId);
  assert.equal(fresh.length, 10);
  assert.deepEqual(fresh.filter((c) => old.includes(c)), []);
  const refused = await signInWithRecovery(email, old[1]!);
  assert.equal(refused.ok, false);
  assert.match(refused.body, /That recovery code is not correct or was used already/);
  clock.advance(60_000); // past the backoff of the failure above
  assert.ok((await signInWithRecovery(email, fresh[1]!)).ok, 'a new code works');
});

test('codes are stored hashed, never in plaintext anywhere in the database', async () => {
  const { userId, recoveryCodes } = await person('hashed@example.com');
  const rows = await t.gh.deps.db.selectFrom('recovery_codes').selectAll().where('user_id', '=', userId).execute();
  assert.equal(rows.length, 10);
  const forms = recoveryCodes.flatMap((c) => [c, normaliseRecoveryCode(c)!]);
  const db = t.gh.deps.db;
  for (const name of [...new Set((await db.introspection.getTables()).map((x) => x.name))]) {
    let dump: string;
    try {
      dump = JSON.stringify(await db.selectFrom(name as 'users').selectAll().execute());
    } catch {
      continue; // another schema's table in PostgreSQL's catalogue
    }
    assert.deepEqual(forms.filter((f) => dump.includes(f)), [], `table ${name}`);
  }
});

test('signing in with a recovery code never remembers the device', async () => {
  const email = 'no-remember@example.com';
  const { userId, recoveryCodes } = await person(email);
  const { ua } = await atRecovery(email);
  const r = await submitCode(ua, cb, recoveryCodes[7]!, { remember: '1' });
  assert.match(r.body, /You used a recovery code/);
  assert.equal((await t.gh.deps.db.selectFrom('remembered_devices').select('id').where('user_id', '=', userId).execute()).length, 0);
});
