import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { authorize, buildAuthorization, relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, interactionUid, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { failureCount } from '../../src/security/attempts.ts';

// SECURITY.md "Flows and sessions": nothing granted before every step; no skipping; new session
// identifiers; CSRF on every POST; errors that reveal nothing.
const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
let t: TestGatehouse;
let required: client.Configuration;
let bypass: client.Configuration;
const cb = { required: 'http://127.0.0.1:9/payroll/cb', bypass: 'http://127.0.0.1:9/directory/cb' };

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const r = await t.createApp({ name: 'Payroll', redirectUris: [cb.required], policy: 'required' });
  const b = await t.createApp({ name: 'Directory', redirectUris: [cb.bypass], policy: 'bypass' });
  required = await relyingParty(t.issuer, r.clientId, r.clientSecret);
  bypass = await relyingParty(t.issuer, b.clientId, b.clientSecret);
});
after(async () => {
  await t.close();
});

async function person(email: string) {
  const user = await t.createUser(email, PASSWORD);
  const enrolled = await enrollTotp(new UserAgent(), required, cb.required, email, PASSWORD, clock);
  clock.nextStep();
  return { userId: user.id, secret: enrolled.secret, recoveryCodes: enrolled.recoveryCodes };
}

const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
const cookie = (ua: UserAgent, name: string) => ua.cookies.get(new URL(t.issuer).host)?.get(name);
const isSignIn = (body: string) => /name="email"|name="password"/.test(body);
/** Consecutive failures of the person, every kind together (codes, keys, recovery codes, choices not offered). */
const allFailures = async (userId: string) => (await Promise.all((['totp', 'webauthn', 'recovery', 'unoffered'] as const).map((k) => failureCount(t.gh.deps.db, userId, k)))).reduce((a, b) => a + b, 0);
const authCodes = async () => Number((await t.gh.deps.db.selectFrom('oidc_models').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'AuthorizationCode').executeTakeFirst())?.n ?? 0);

test('after the password alone nothing is granted: no code, no session for another app, no account settings', async () => {
  const email = 'half@example.com';
  const { secret } = await person(email);
  const codesBefore = await authCodes();
  const ua = new UserAgent();
  const { auth, returned, page } = await passwordStep(ua, required, cb.required, email, PASSWORD);
  assert.equal(returned, false, 'the browser is not sent to the redirect_uri');
  assert.match(page.body, /Code from your authenticator app/);
  assert.equal(await authCodes(), codesBefore, 'no authorization code was issued');

  // (This test browser keeps one cookie per name, unlike a real one: keep the first sign-in's.)
  const jar = new Map(ua.cookies.get(new URL(t.issuer).host));
  const other = await authorize(ua, bypass, cb.bypass);
  assert.equal(other.returned, false, 'no single sign-on into a second app');
  assert.ok(isSignIn(other.page.body), 'the second app gets the sign-in page');

  const account = await ua.go(`${t.issuer}/account`);
  assert.ok(account.url.includes('/interaction/') && isSignIn(account.body), `/account asks to sign in (${account.url})`);

  // The person finishes the first sign-in: only now is there a code.
  ua.cookies.set(new URL(t.issuer).host, jar);
  await ua.go(`${t.issuer}/interaction/${interactionUid(page.url)}`);
  const done = await submitCode(ua, cb.required, totpCode(secret, clock.now()));
  assert.ok(done.url.startsWith(cb.required));
  assert.equal((await finish(required, auth, done.url)).claims.acr, ACR.multiFactor);
});

test('posting straight to a later step skips nothing', async () => {
  const email = 'skip@example.com';
  const { userId, secret, recoveryCodes } = await person(email);
  const ua = new UserAgent();
  const start = await buildAuthorization(required, cb.required);
  const emailPage = await ua.go(start.url.href);
  const uid = interactionUid(emailPage.url);
  const base = `${t.issuer}/interaction/${uid}`;
  const post = (path: string, form: Record<string, string> = {}) => ua.fetch(base + path, { method: 'POST', form: { csrf: csrfOf(ua.lastBody), ...form } });

  // Before the email, and before the password: the 2FA step does not exist yet.
  let r = await post('/mfa', { method: 'totp', code: totpCode(secret, clock.now()) });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/interaction/${uid}`);
  await ua.submit('/email', { email });
  r = await post('/mfa', { method: 'totp', code: totpCode(secret, clock.now()) });
  assert.equal(r.headers.get('location'), `/interaction/${uid}`);
  r = await post('/recovered/continue');
  assert.equal(r.headers.get('location'), `/interaction/${uid}`);
  assert.ok(isSignIn((await ua.go(base)).body), 'still at the password');
  assert.equal(await allFailures(userId), 0, 'nothing was even checked');

  // At the 2FA step: "continue after a recovery code", the wizard and the reset are all closed.
  await ua.submit('/password', { password: PASSWORD });
  for (const path of ['/recovered/continue', '/recovered/reset', '/password', '/enroll/start', '/enroll/confirm', '/enroll/done', '/enroll/later']) {
    r = await post(path, { code: totpCode(secret, clock.now()), password: PASSWORD });
    assert.equal(r.status, 303, path);
    assert.equal(r.headers.get('location'), `/interaction/${uid}`, `${path} sends back to the challenge`);
  }
  assert.equal((await listActiveMethods(t.gh.deps.db, userId)).length, 1, 'the reset did not happen');
  const wizard = await ua.go(`${base}/enroll`);
  assert.match(wizard.body, /Code from your authenticator app/, 'a person with 2FA cannot enroll around the challenge');

  // Restarting the flow goes back to the email, and the password leads to the challenge again.
  assert.equal((await post('/restart')).status, 303);
  assert.ok(/name="email"/.test((await ua.go(base)).body), 'back at the email');
  await ua.submit('/email', { email });
  const again = await ua.submit('/password', { password: PASSWORD });
  assert.match(again.body, /Code from your authenticator app/);

  // After a recovery code the interstitial is the only way on; then the app.
  await ua.go(`${base}?method=recovery`);
  const interstitial = await submitCode(ua, cb.required, recoveryCodes[0]!);
  assert.match(interstitial.body, /You used a recovery code/);
  const back = await ua.submit('/recovered/continue', {}, (u) => u.startsWith(cb.required));
  assert.ok(back.url.startsWith(cb.required));
  await finish(required, start, back.url);
});

test('the wizard cannot be skipped: confirm, recovery and done before their step change nothing', async () => {
  const email = 'wizard-skip@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  const { page } = await passwordStep(ua, required, cb.required, email, PASSWORD);
  const base = `${t.issuer}/interaction/${interactionUid(page.url)}/enroll`;
  assert.match(page.body, /Payroll requires two-step verification/);
  const csrf = csrfOf(ua.lastBody);
  for (const path of ['/confirm', '/recovery', '/done', '/later', '/choose', '/back']) {
    const r = await ua.fetch(base + path, { method: 'POST', form: { csrf, code: '123456', stored: '1', method: 'totp' } });
    assert.equal(r.status, 303, path);
    assert.ok(!(r.headers.get('location') ?? '').startsWith(cb.required), `${path} does not reach the app`);
    const shown = await ua.go(`${base}`);
    // Still at the why (the intro, which is not a counted step): nothing was chosen, set up or confirmed.
    assert.match(shown.body, /<h1>Protect your account with two-step verification<\/h1>/, `${path}: still at the intro`);
    assert.ok(!shown.body.includes('Step '), `${path}: the intro is not a step`);
  }
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, user.id), []);
  assert.equal((await t.gh.deps.db.selectFrom('mfa_methods').select('id').where('user_id', '=', user.id).execute()).length, 0);

  // At step 3 (TOTP set-up), "done" still needs the code and the stored recovery codes.
  await ua.submit('/enroll/start');
  await ua.submit('/enroll/choose', { method: 'totp' });
  const done = await ua.fetch(`${base}/done`, { method: 'POST', form: { csrf: csrfOf(ua.lastBody) } });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), `/interaction/${interactionUid(page.url)}/enroll`);
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, user.id), []);
});

test('a fresh session identifier after each factor and after a step-up; a planted session cookie is worthless', async () => {
  const email = 'fixation@example.com';
  const { secret } = await person(email);
  // The attacker plants a session identifier of their choosing in the victim's browser (and keeps it).
  const host = new URL(t.issuer).host;
  const fixed = 'attacker-chosen-session-id-0123456789';
  const attacker = new UserAgent();
  const victim = new UserAgent();
  for (const ua of [attacker, victim]) ua.cookies.set(host, new Map([['_session', fixed]]));

  const { auth, page } = await passwordStep(victim, required, cb.required, email, PASSWORD);
  const afterPassword = cookie(victim, '_session');
  assert.match(page.body, /Code from your authenticator app/);
  const done = await submitCode(victim, cb.required, totpCode(secret, clock.now()));
  assert.ok(done.url.startsWith(cb.required));
  await finish(required, auth, done.url);
  const signedIn = cookie(victim, '_session');
  assert.ok(signedIn, 'a session cookie after sign-in');
  assert.notEqual(signedIn, fixed, 'not the planted identifier');
  assert.notEqual(signedIn, afterPassword, 'not the identifier from before the second factor');

  // The attacker's cookie does not carry the victim's sign-in.
  const hijack = await authorize(attacker, bypass, cb.bypass);
  assert.equal(hijack.returned, false);
  assert.ok(isSignIn(hijack.page.body));

  // Step-up: another new identifier.
  clock.nextStep();
  const up = await authorize(victim, required, cb.required, { acr_values: ACR.multiFactor, prompt: 'login' });
  if (!up.returned && isSignIn(up.page.body)) await victim.submit('/password', { password: PASSWORD });
  const stepped = await submitCode(victim, cb.required, totpCode(secret, clock.now()));
  assert.ok(stepped.url.startsWith(cb.required), `step-up finished (${stepped.url})`);
  assert.notEqual(cookie(victim, '_session'), signedIn, 'a new identifier after the step-up');

  // A session holding the password alone (a Bypass app) gets a new identifier once the second factor is added.
  const ua = new UserAgent();
  const b = await passwordStep(ua, bypass, cb.bypass, email, PASSWORD);
  assert.ok(b.returned);
  const passwordOnly = cookie(ua, '_session');
  assert.ok(passwordOnly);
  clock.nextStep();
  const sso = await authorize(ua, required, cb.required);
  assert.match(sso.page.body, /Code from your authenticator app/);
  assert.ok((await submitCode(ua, cb.required, totpCode(secret, clock.now()))).url.startsWith(cb.required));
  assert.notEqual(cookie(ua, '_session'), passwordOnly, 'a new identifier after the second factor');
});

test('CSRF: every 2FA POST without the token is refused with 403 and changes nothing', async () => {
  const email = 'csrf@example.com';
  const { userId, secret } = await person(email);
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, required, cb.required, email, PASSWORD);
  const uid = interactionUid(page.url);
  const code = totpCode(secret, clock.now());
  const stranger = new UserAgent();
  await authorize(stranger, required, cb.required);
  for (const csrf of [undefined, '', csrfOf(stranger.lastBody), 'x'.repeat(43)]) {
    const form: Record<string, string> = { method: 'totp', code, remember: '1' };
    if (csrf !== undefined) form.csrf = csrf;
    const r = await ua.fetch(`${t.issuer}/interaction/${uid}/mfa`, { method: 'POST', form });
    assert.equal(r.status, 403, `token ${JSON.stringify(csrf)}`);
    assert.match(await r.text(), /csrf_failed/);
  }
  for (const path of ['/recovered/continue', '/recovered/reset', '/restart', '/abort', '/password', '/email']) {
    const r = await ua.fetch(`${t.issuer}/interaction/${uid}${path}`, { method: 'POST', form: { stored: '1' } });
    assert.equal(r.status, 403, path);
  }
  // The wizard is closed at this step anyway (it redirects before looking at the form).
  for (const path of ['/enroll/start', '/enroll/later', '/enroll/done']) {
    const r = await ua.fetch(`${t.issuer}/interaction/${uid}${path}`, { method: 'POST', form: { stored: '1' } });
    assert.ok(r.status === 403 || r.status === 303, `${path}: ${r.status}`);
  }
  assert.equal(await allFailures(userId), 0, 'no attempt was counted');
  assert.equal((await listActiveMethods(t.gh.deps.db, userId)).length, 1);
  assert.equal((await t.gh.deps.db.selectFrom('remembered_devices').select('id').where('user_id', '=', userId).execute()).length, 0);
  // The code was not consumed: with the token it works.
  const ok = await submitCode(ua, cb.required, code);
  assert.ok(ok.url.startsWith(cb.required));
  await finish(required, auth, ok.url);

  // The wizard's forms, for a person without 2FA.
  await t.createUser('csrf-wizard@example.com', PASSWORD);
  const w = new UserAgent();
  const wp = await passwordStep(w, required, cb.required, 'csrf-wizard@example.com', PASSWORD);
  const wbase = `${t.issuer}/interaction/${interactionUid(wp.page.url)}/enroll`;
  await w.submit('/enroll/start');
  for (const path of ['/choose', '/start', '/confirm', '/recovery', '/done', '/back']) {
    const r = await w.fetch(wbase + path, { method: 'POST', form: { method: 'totp', code: '123456', stored: '1' } });
    assert.equal(r.status, 403, path);
  }
  assert.match((await w.go(wbase)).body, /Step 1 of 3<\/p><h1>Choose how to verify/, 'still at the choice, the first step');
});

test('a wrong password reads the same whether the account exists, has 2FA or not', async () => {
  await person('with2fa@example.com');
  await t.createUser('without2fa@example.com', PASSWORD);
  const pages: Array<{ status: number; body: string }> = [];
  for (const email of ['with2fa@example.com', 'without2fa@example.com', 'nobody@example.com']) {
    const ua = new UserAgent();
    const { page } = await passwordStep(ua, required, cb.required, email, 'wrong password entirely');
    const uid = interactionUid(page.url);
    const form = findForm(page.body, '/password');
    pages.push({ status: page.status, body: page.body.replaceAll(uid, 'UID').replaceAll(form.hidden.csrf ?? '', 'CSRF').replaceAll(email, 'EMAIL') });
  }
  assert.equal(pages[0]!.status, 400);
  assert.match(pages[0]!.body, /name="password"/);
  assert.equal(pages[1]!.status, pages[0]!.status);
  assert.equal(pages[2]!.status, pages[0]!.status);
  assert.equal(pages[1]!.body, pages[0]!.body, 'with and without 2FA');
  assert.equal(pages[2]!.body, pages[0]!.body, 'existing and unknown account');
});
