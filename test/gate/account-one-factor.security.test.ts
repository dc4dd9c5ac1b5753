import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep, signInWithTotp } from '../helpers/mfa.ts';
import { FRESH_PROOF_MS } from '../../src/flows/fresh-proof.ts';
import { signInToAccount } from '../account-security/support.ts';
import { CALLBACKS, codeAt, csrfToken, isTotpChallenge, PASSWORD, passwordHash, payrollAndDirectory, personWithTotp } from './support.ts';

// SECURITY.md "Flows and sessions": Account settings are an application with a Required rule for
// people who have 2FA; after the password alone there are no account settings.
const NEW = 'an attacker chose this passphrase';
const clock = new FakeClock();
let t: TestGatehouse;
let required: client.Configuration;
let bypass: client.Configuration;
const cb = CALLBACKS;

before(async () => {
  ({ t, required, bypass } = await payrollAndDirectory(clock));
});
after(async () => {
  await t.close();
});

/** A browser holding a password-only Gatehouse session of the person (from the Bypass app). */
async function oneFactorBrowser(email: string): Promise<UserAgent> {
  const ua = new UserAgent();
  const { returned } = await passwordStep(ua, bypass, cb.bypass, email, PASSWORD);
  assert.ok(returned, 'precondition: the Bypass app signs in with the password alone');
  return ua;
}

const changeForm = (csrf: string, current: string) => ({ csrf, current_password: current, new_password: NEW, confirm_password: NEW });

/** Whether this password still signs in (to the Bypass app, in a new browser). */
async function signsIn(email: string, password: string): Promise<boolean> {
  return (await passwordStep(new UserAgent(), bypass, cb.bypass, email, password)).returned;
}

// Today: a password-only session (from a Bypass app) is a session like any other for /account:
// the settings page is shown (200 at /account). Fails at "/account leads into the sign-in".
test('a password-only session does not open Account settings: /account and /account/security ask for the second factor', async () => {
  const email = 'view@example.com';
  await personWithTotp(t, required, cb.required, email, clock);
  const attacker = await oneFactorBrowser(email);
  for (const path of ['/account', '/account/security']) {
    const page = await attacker.go(`${t.issuer}${path}`);
    assert.notEqual(page.url, `${t.issuer}${path}`, `${path} leads into the sign-in, not the settings (status ${page.status}, "${/<h1>([^<]*)</.exec(page.body)?.[1]}")`);
    assert.match(page.url, /\/interaction\//, `${path} is the sign-in`);
    assert.ok(isTotpChallenge(page.body), `${path} asks for the authenticator-app code`);
  }
});

// Today: POST /account/password only checks the CSRF token and the current password; the change
// goes through and signs out every other session. Fails at "the old password still signs in".
test('a password-only session cannot change the password, even with the current one, nor sign anyone out', async () => {
  const email = 'change@example.com';
  const { userId, secret } = await personWithTotp(t, required, cb.required, email, clock);
  const owner = new UserAgent();
  await signInWithTotp(owner, required, cb.required, email, PASSWORD, secret, clock);
  clock.nextStep();
  const hash = await passwordHash(t, userId);

  const attacker = await oneFactorBrowser(email);
  const res = await attacker.fetch(`${t.issuer}/account/password`, { method: 'POST', form: changeForm(await csrfToken(attacker, t), PASSWORD) });
  await res.arrayBuffer();
  const answer = `${res.status} ${res.headers.get('location') ?? ''}`;

  assert.ok(await signsIn(email, PASSWORD), `the old password still signs in (the POST answered ${answer})`);
  assert.equal(await signsIn(email, NEW), false, 'the attacker\'s password does not');
  assert.equal(await passwordHash(t, userId), hash, 'the stored password is unchanged');
  const sso = await authorize(owner, required, cb.required);
  assert.ok(sso.returned && codeAt(sso.page.url, cb.required), `the person's own session still works (${sso.page.url})`);
  assert.notEqual(res.headers.get('location'), '/account?done=password');
});

// Today: every other settings form takes a password-only session too: the profile name changes,
// the person's authenticator app is renamed, and "Sign out everywhere" ends the person's own
// session. Fails at "the profile name is unchanged".
test('a password-only session changes nothing else in Account settings: profile, method names, sign-out everywhere', async () => {
  const email = 'forms@example.com';
  const { userId, secret } = await personWithTotp(t, required, cb.required, email, clock);
  const owner = new UserAgent();
  await signInWithTotp(owner, required, cb.required, email, PASSWORD, secret, clock);
  clock.nextStep();
  const before = await t.gh.deps.db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirstOrThrow();
  const [method] = await t.gh.deps.db.selectFrom('mfa_methods').select(['id', 'name']).where('user_id', '=', userId).execute();

  const attacker = await oneFactorBrowser(email);
  const csrf = await csrfToken(attacker, t);
  const answers: string[] = [];
  for (const [path, form] of [
    ['/account/profile', { name: 'Mallory' }],
    [`/account/security/methods/${method!.id}/rename`, { name: 'Call Mallory to unlock' }],
    ['/account/sign-out-everywhere', { confirm: '1' }],
  ] as const) {
    const res = await attacker.fetch(`${t.issuer}${path}`, { method: 'POST', form: { csrf, ...form } });
    await res.arrayBuffer();
    answers.push(`${path}: ${res.status} ${res.headers.get('location') ?? ''}`);
  }
  const story = answers.join('; ');
  const after = await t.gh.deps.db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirstOrThrow();
  assert.equal(after.name, before.name, `the profile name is unchanged — ${story}`);
  const [renamed] = await t.gh.deps.db.selectFrom('mfa_methods').select(['id', 'name']).where('user_id', '=', userId).execute();
  assert.equal(renamed!.name, method!.name, `the method keeps its name — ${story}`);
  const sso = await authorize(owner, required, cb.required);
  assert.ok(sso.returned && codeAt(sso.page.url, cb.required), `the person's own session still works — ${story}`);
});

// Today: a full sign-in (password + code) 5 minutes ago is enough to change the password with the
// current password alone: 303 to /account?done=password. Fails at "refused or sent to 'Confirm it's you'".
test('a signed-in person whose proof is older than 5 minutes cannot change the password with the current password alone', async () => {
  const email = 'stale@example.com';
  const { userId, secret } = await personWithTotp(t, required, cb.required, email, clock);
  const ua = new UserAgent();
  await signInToAccount(ua, t, email, { secret, clock });
  clock.nextStep();
  const hash = await passwordHash(t, userId);

  clock.advance(FRESH_PROOF_MS + 1000);
  const res = await ua.fetch(`${t.issuer}/account/password`, { method: 'POST', form: changeForm(await csrfToken(ua, t), PASSWORD) });
  await res.arrayBuffer();
  const location = res.headers.get('location') ?? '';
  const refused = (res.status >= 400 && res.status < 500) || (res.status === 303 && location.startsWith('/account/security/verify'));
  assert.ok(refused, `refused or sent to "Confirm it's you"; got ${res.status} ${location}`);
  assert.equal(await passwordHash(t, userId), hash, 'the stored password is unchanged');
  assert.ok(await signsIn(email, PASSWORD), 'the old password still signs in');
});
