import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep, submitCode, totpCode, wrongCode } from '../helpers/mfa.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { FRESH_PROOF_MS } from '../../src/flows/fresh-proof.ts';
import { PASSWORD, isProofPage, listedMethods, personWithTotp, postSettings, recoveryRemaining, securityUrl, signInToAccount } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
let app: client.Configuration;
const cb = 'http://127.0.0.1:9/expense/cb';

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Expense', redirectUris: [cb], policy: 'adaptive' });
  app = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(async () => {
  await t.close();
});

const verifyLocation = (next: string) => `/account/security/verify?next=${encodeURIComponent(next)}`;
const removeConfirm = (id: string) => `/account/security/methods/${id}/remove/confirm`;

test('a sign-in with a code counts as the proof for 5 minutes; then adding, removing, new codes and reset all ask "Confirm it\'s you"', async () => {
  const email = 'stale@example.com';
  const p = await personWithTotp(t, clock, email);
  const methodId = listedMethods(p.page.body)[0]!.id;

  // Another browser signs in to the account with password and code: its proof is that code.
  const ua = new UserAgent();
  await signInToAccount(ua, t, email, { secret: p.secret, clock });
  clock.nextStep();
  assert.deepEqual(await postSettings(ua, t, '/account/security/add'), { status: 303, location: '/account/security/enroll' }, 'fresh: straight to the wizard');
  // The wizard opens, for this person with 2FA at the choice of a method (issue 7: no second pitch).
  assert.match((await ua.go(`${t.issuer}/account/security/enroll`)).body, /<h1>Choose how to verify<\/h1>/);

  clock.advance(FRESH_PROOF_MS + 1000);
  assert.deepEqual(await postSettings(ua, t, '/account/security/add'), { status: 303, location: verifyLocation('/account/security/enroll') });
  // Each asks for the proof first, whether sent from the settings or from its confirmation (`confirm=1`),
  // and the proof will carry on to the confirmation of that change.
  for (const form of [{}, { confirm: '1' }] as Array<Record<string, string>>) {
    assert.deepEqual(await postSettings(ua, t, `/account/security/methods/${methodId}/remove`, form), { status: 303, location: verifyLocation(removeConfirm(methodId)) });
    assert.deepEqual(await postSettings(ua, t, '/account/security/recovery-codes', form), { status: 303, location: verifyLocation('/account/security/recovery-codes/confirm') });
    assert.deepEqual(await postSettings(ua, t, '/account/security/reset', form), { status: 303, location: verifyLocation('/account/security/reset/confirm') });
  }
  // The confirmation pages themselves are not shown without the proof.
  for (const path of [removeConfirm(methodId), '/account/security/recovery-codes/confirm', '/account/security/reset/confirm']) {
    const res = await ua.fetch(`${t.issuer}${path}`);
    await res.arrayBuffer();
    assert.deepEqual([res.status, res.headers.get('location')], [303, verifyLocation(path)], path);
  }

  // The wizard opened while the proof was fresh does not outlive it.
  assert.equal((await ua.go(`${t.issuer}/account/security/enroll`)).url, securityUrl(t));
  assert.deepEqual(await postSettings(ua, t, '/account/security/enroll/start'), { status: 303, location: '/account/security' });

  // Nothing changed.
  assert.equal((await listActiveMethods(t.gh.deps.db, p.user.id)).length, 1);
  const page = await ua.go(securityUrl(t));
  assert.equal(recoveryRemaining(page.body), 10);
  const events = await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', p.user.id).execute();
  for (const e of ['mfa.method.removed', 'mfa.reset', 'mfa.recovery_codes.regenerated']) assert.ok(!events.some((x) => x.event === e), `no ${e}`);

  // "Confirm it's you" with a code, and the change goes through.
  const proof = await ua.go(`${t.issuer}${verifyLocation('/account/security')}`);
  assert.ok(isProofPage(proof));
  assert.match(proof.body, /Changing two-step verification needs a fresh check/);
  assert.match(proof.body, /Use a recovery code/, 'a recovery code is offered too');
  assert.equal((await ua.submit('/account/security/verify', { code: totpCode(p.secret, clock.now()) })).url, securityUrl(t));
  clock.nextStep();
  // Fresh: the settings' button leads to the confirmation, which alone creates the codes.
  assert.deepEqual(await postSettings(ua, t, '/account/security/recovery-codes'), { status: 303, location: '/account/security/recovery-codes/confirm' });
  assert.equal(recoveryRemaining((await ua.go(securityUrl(t))).body), 10);
  const regenerated = await postSettings(ua, t, '/account/security/recovery-codes', { confirm: '1' });
  assert.equal(regenerated.status, 200, 'the new codes are shown');

  // The proof itself lasts 5 minutes.
  clock.advance(FRESH_PROOF_MS + 1000);
  assert.deepEqual(await postSettings(ua, t, '/account/security/recovery-codes', { confirm: '1' }), { status: 303, location: verifyLocation('/account/security/recovery-codes/confirm') });
});

test('a wrong code at "Confirm it\'s you" is a failed attempt of the person, counted with their sign-ins', async () => {
  const email = 'wrong@example.com';
  const p = await personWithTotp(t, clock, email);
  await p.ua.go(`${t.issuer}${verifyLocation('/account/security')}`);
  for (let i = 1; i <= 3; i++) {
    const bad = await p.ua.submit('/account/security/verify', { code: wrongCode(p.secret, clock.now()) });
    assert.equal(bad.status, 400);
    assert.ok(isProofPage(bad));
    assert.match(bad.body, /That code is not correct/);
    const row = await t.gh.deps.db.selectFrom('mfa_attempts').selectAll().where('user_id', '=', p.user.id).where('scope', '=', 'totp').executeTakeFirstOrThrow();
    assert.equal(Number(row.consecutive_failures), i);
  }
  const failed = await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', p.user.id).where('event', '=', 'mfa.failed').execute();
  assert.equal(failed.length, 3);

  // After three failures the next attempt waits, here and at a sign-in elsewhere: the count is the person's.
  const waiting = await p.ua.submit('/account/security/verify', { code: totpCode(p.secret, clock.now()) });
  assert.equal(waiting.status, 429);
  const elsewhere = new UserAgent();
  await passwordStep(elsewhere, app, cb, email, PASSWORD);
  const challenged = await submitCode(elsewhere, cb, totpCode(p.secret, clock.now()));
  assert.equal(challenged.status, 429);

  clock.advance(1000);
  await p.ua.go(`${t.issuer}${verifyLocation('/account/security')}`);
  const ok = await p.ua.submit('/account/security/verify', { code: totpCode(p.secret, clock.now()) });
  assert.equal(ok.url, securityUrl(t));
  clock.nextStep();
});

test('posting straight into the wizard without the proof is refused and creates nothing', async () => {
  const email = 'skip@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  await signInToAccount(ua, t, email);
  for (const [path, form] of [
    ['/account/security/enroll/start', {}],
    ['/account/security/enroll/choose', { method: 'totp' }],
    ['/account/security/enroll/confirm', { code: '123456' }],
    ['/account/security/enroll/recovery', { stored: '1' }],
    ['/account/security/enroll/done', {}],
    ['/account/security/enroll/cancel', {}],
  ] as const) {
    assert.deepEqual(await postSettings(ua, t, path, form), { status: 303, location: '/account/security' }, path);
  }
  assert.equal((await ua.go(`${t.issuer}/account/security/enroll`)).url, securityUrl(t));
  const rows = await t.gh.deps.db.selectFrom('mfa_methods').select('id').where('user_id', '=', user.id).execute();
  assert.equal(rows.length, 0, 'no pending method either');

  // The proof page sends nowhere but the settings.
  await ua.go(`${t.issuer}/account/security/verify?next=${encodeURIComponent('https://evil.example/')}`);
  const after = await ua.submit('/account/security/verify', { password: PASSWORD });
  assert.equal(after.url, securityUrl(t));
});
