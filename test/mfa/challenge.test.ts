import { test, before, after } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, interactionUid, passwordStep, signInWithTotp, submitCode, totpCode } from '../helpers/mfa.ts';
import { findForm } from '../helpers/user-agent.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { activateMethod, insertPendingMethod } from '../../src/methods/records.ts';

const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
let t: TestGatehouse;
let required: client.Configuration;
let bypass: client.Configuration;
const cb = { required: 'http://127.0.0.1:9/required/cb', bypass: 'http://127.0.0.1:9/bypass/cb' };
const atApp = (uri: string) => (u: string) => u.startsWith(uri);

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

/** A person with an authenticator app, enrolled through the wizard in a browser of their own. */
async function personWithTotp(email: string) {
  const user = await t.createUser(email, PASSWORD);
  const enrolled = await enrollTotp(new UserAgent(), required, cb.required, email, PASSWORD, clock);
  clock.nextStep(); // the enrollment used this step's code
  return { ...enrolled, user };
}

/** Forgets the Gatehouse session of a browser (closed, or signed out) but keeps its other cookies. */
function dropSession(ua: UserAgent) {
  for (const jar of ua.cookies.values()) for (const name of [...jar.keys()]) if (name.startsWith('_session')) jar.delete(name);
}

test('sign-in with an authenticator app code; "Try another way" lists the other methods and a recovery code', async () => {
  const { user, secret } = await personWithTotp('ada@example.com');
  // A second, already-registered method (a security key) so that "Try another way" has something to list.
  const keyId = await insertPendingMethod(t.gh.deps.db, clock, t.gh.deps.random, { userId: user.id, type: 'webauthn', name: 'YubiKey', credentialId: 'Y3JlZC1pZA', data: {} });
  assert.ok(await activateMethod(t.gh.deps.db, clock, user.id, keyId, { counter: 0 }));

  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, required, cb.required, 'ada@example.com', PASSWORD);
  assert.match(page.body, /Two-step verification/);
  assert.match(page.body, /<h2>Authenticator app<\/h2>/, 'the default method (the first one) is asked for');
  assert.match(page.body, /Try another way/);
  assert.match(page.body, /method=webauthn">Security key or passkey</);
  assert.match(page.body, /method=recovery">Use a recovery code</);
  assert.match(page.body, /name="remember"/, '"Remember this device" is offered');

  const recoveryPage = await ua.go(new URL('?method=recovery', page.url).href);
  assert.match(recoveryPage.body, /<h2>Recovery code<\/h2>/);
  const totpPage = await ua.go(new URL('?method=totp', page.url).href);
  assert.match(totpPage.body, /<h2>Authenticator app<\/h2>/);

  const done = await submitCode(ua, cb.required, totpCode(secret, clock.now()));
  assert.ok(done.url.startsWith(cb.required), `returned to ${done.url}`);
  const { claims } = await finish(required, auth, done.url);
  assert.equal(claims.acr, ACR.multiFactor);
  assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
});

test('the password\'s answer is the challenge page itself (decision 0024): it names its own address, and that address, or the form\'s, draws it again', async () => {
  const email = 'lovelace@example.com';
  const { secret, user } = await personWithTotp(email);
  const decisions = async () => (await t.gh.deps.db.selectFrom('audit_events').select('event').where('event', '=', 'policy.decision').where('user_id', '=', user.id).execute()).length;
  const ua = new UserAgent();
  await passwordStep(ua, required, cb.required, email, 'not the password');
  const decided = await decisions();
  const form = findForm(ua.lastBody, '/password');
  const answer = await ua.fetch(new URL(form.action, ua.lastUrl).href, { method: 'POST', form: { ...form.hidden, password: PASSWORD } });
  assert.equal(answer.status, 200, 'no redirect to GET /interaction/:uid in between');
  const body = await answer.text();
  const uid = interactionUid(new URL(form.action, ua.lastUrl).href);
  assert.match(body, /<h2>Authenticator app<\/h2>/);
  assert.ok(body.includes(`data-page-url="/interaction/${uid}"`), 'the page names the address it lives at');
  assert.ok(body.includes('<script src="/static/page-url.js" defer>'), 'and its script sets the address bar to it');
  assert.equal(await decisions(), decided + 1, 'the gate\'s decision is audited as before');

  // A reload without script sends the password again: the flow is past it, nothing is counted, the page comes back.
  const again = await ua.go(new URL(form.action, ua.lastUrl).href, { method: 'POST', form: { ...form.hidden, password: 'anything at all' } });
  assert.equal(again.url, `${t.issuer}/interaction/${uid}`);
  assert.match(again.body, /<h2>Authenticator app<\/h2>/);
  // The form's address typed into the address bar (with "Try another way"'s query) is the page too.
  const typed = await ua.fetch(`${t.issuer}/interaction/${uid}/password?method=recovery&next=https://evil.example`);
  assert.equal(typed.status, 303);
  assert.equal(typed.headers.get('location'), `/interaction/${uid}?method=recovery`, 'only the method is carried over');
  const recovery = await ua.go(`${t.issuer}/interaction/${uid}/mfa?method=recovery`);
  assert.match(recovery.body, /<h2>Recovery code<\/h2>/);

  const done = await submitCode(ua, cb.required, totpCode(secret, clock.now()));
  assert.ok(!done.url.startsWith(cb.required), 'a code typed on the recovery form is not an authenticator-app code');
  await ua.go(`${t.issuer}/interaction/${uid}?method=totp`);
  const signedIn = await submitCode(ua, cb.required, totpCode(secret, clock.now()));
  assert.ok(signedIn.url.startsWith(cb.required), `returned to ${signedIn.url}`);
});

test('a recovery code signs in, shows the interstitial, emails the person, and the app sees amr recovery + mfa', async () => {
  const email = 'babbage@example.com';
  const { recoveryCodes } = await personWithTotp(email);
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, required, cb.required, email, PASSWORD);
  await ua.go(new URL('?method=recovery', page.url).href);
  // People type codes in lower case, without dashes.
  const interstitial = await submitCode(ua, cb.required, recoveryCodes[3]!.toLowerCase().replace(/-/g, ''));
  assert.match(interstitial.body, /You used a recovery code/);
  assert.match(interstitial.body, /You have 9 recovery codes left/);
  assert.match(interstitial.body, /Reset two-step verification/);

  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === 'A recovery code was used to sign in');
  assert.match(mail.text, /recovery codes was just used/);

  const back = await ua.submit('/recovered/continue', {}, atApp(cb.required));
  assert.ok(back.url.startsWith(cb.required));
  const { claims } = await finish(required, auth, back.url);
  assert.equal(claims.acr, ACR.multiFactor);
  for (const v of ['pwd', 'recovery', 'mfa']) assert.ok((claims.amr as string[]).includes(v), `amr ${claims.amr} has ${v}`);
  assert.ok(!(claims.amr as string[]).includes('otp'));
});

test('"Remember this device" skips the prompt on this browser (and says so: pwd only), never for a step-up', async () => {
  const email = 'noether@example.com';
  const { secret } = await personWithTotp(email);
  const ua = new UserAgent();
  const first = await passwordStep(ua, required, cb.required, email, PASSWORD);
  const done = await submitCode(ua, cb.required, totpCode(secret, clock.now()), { remember: '1' });
  assert.ok(done.url.startsWith(cb.required));
  await finish(required, first.auth, done.url);
  const device = [...ua.cookies.get(new URL(t.issuer).host)!].find(([k]) => k.startsWith('gh_rd_'));
  assert.ok(device, 'a device cookie was set');
  const rows = await t.gh.deps.db.selectFrom('remembered_devices').selectAll().execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.token_hash, createHash('sha256').update(device[1]).digest('base64url'), 'stored hashed');
  assert.ok(!JSON.stringify(rows).includes(device[1]), 'the cookie value itself is not stored');

  // The browser's session ends; at the next sign-in the password is enough on this device.
  dropSession(ua);
  clock.nextStep();
  const again = await passwordStep(ua, required, cb.required, email, PASSWORD);
  assert.ok(again.returned, `remembered device still asked: ${again.page.url}`);
  const { claims } = await finish(required, again.auth, again.page.url);
  assert.deepEqual(claims.amr, ['pwd'], 'the app is told exactly what happened');
  assert.equal(claims.acr, ACR.singleFactor);

  // Another browser is asked.
  const elsewhere = await passwordStep(new UserAgent(), required, cb.required, email, PASSWORD);
  assert.ok(!elsewhere.returned);
  assert.match(elsewhere.page.body, /Code from your authenticator app/);

  // A step-up from the app is never skipped, in the same browser and session.
  const stepUp = await authorize(ua, required, cb.required, { acr_values: ACR.multiFactor });
  assert.ok(!stepUp.returned, 'the step-up asks for the second factor');
  assert.match(stepUp.page.body, /Code from your authenticator app/);
  assert.match(stepUp.page.body, /asks you to confirm it is you/);
  assert.ok(!stepUp.page.body.includes('name="remember"'), 'no "remember" during a step-up');
  assert.ok(!stepUp.page.body.includes('name="password"'), 'the session already holds the password');
  clock.nextStep();
  const up = await submitCode(ua, cb.required, totpCode(secret, clock.now()));
  assert.ok(up.url.startsWith(cb.required));
  const upClaims = (await finish(required, stepUp.auth, up.url)).claims;
  assert.equal(upClaims.acr, ACR.multiFactor);

  // A step-up at a fresh password sign-in on the remembered device is asked too.
  dropSession(ua);
  clock.nextStep();
  const fresh = await passwordStep(ua, required, cb.required, email, PASSWORD, { acr_values: ACR.multiFactor });
  assert.ok(!fresh.returned);
  assert.match(fresh.page.body, /Code from your authenticator app/);
});

test('single sign-on from a Bypass app into a Required app asks for the second factor, not the password', async () => {
  const email = 'hamilton@example.com';
  const { secret } = await personWithTotp(email);
  const ua = new UserAgent();
  const b = await passwordStep(ua, bypass, cb.bypass, email, PASSWORD);
  assert.ok(b.returned);
  assert.equal((await finish(bypass, b.auth, b.page.url)).claims.acr, ACR.singleFactor);

  const sso = await authorize(ua, required, cb.required);
  assert.ok(!sso.returned, 'the session from the Bypass app is not enough');
  assert.match(sso.page.body, /Code from your authenticator app/);
  assert.ok(!sso.page.body.includes('name="password"') && !sso.page.body.includes('name="email"'));
  const done = await submitCode(ua, cb.required, totpCode(secret, clock.now()));
  assert.ok(done.url.startsWith(cb.required));
  const { claims } = await finish(required, sso.auth, done.url);
  assert.equal(claims.acr, ACR.multiFactor);
  assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);

  // A person without 2FA going the same way is sent to the wizard.
  await t.createUser('plain@example.com', PASSWORD);
  const plain = new UserAgent();
  const pb = await passwordStep(plain, bypass, cb.bypass, 'plain@example.com', PASSWORD);
  assert.ok(pb.returned);
  const toWizard = await authorize(plain, required, cb.required);
  assert.ok(!toWizard.returned);
  assert.match(toWizard.page.url, /\/enroll$/);
});

test('signInWithTotp helper round trip: a later sign-in with the next code works', async () => {
  const email = 'kovalevskaya@example.com';
  const { secret } = await personWithTotp(email);
  const { claims } = await signInWithTotp(new UserAgent(), required, cb.required, email, PASSWORD, secret, clock);
  assert.equal(claims.acr, ACR.multiFactor);
});

test('the challenge has a way out: Cancel returns to the app with access_denied and no code', async () => {
  const email = 'cancel@example.com';
  await personWithTotp(email);
  const ua = new UserAgent();
  const { page } = await passwordStep(ua, required, cb.required, email, PASSWORD);
  assert.match(page.body, /\/mfa"/, 'at the challenge');
  const back = await ua.submit('/abort', {}, atApp(cb.required));
  assert.ok(back.url.startsWith(cb.required), `back at the app: ${back.url}`);
  const params = new URL(back.url).searchParams;
  assert.equal(params.get('error'), 'access_denied');
  assert.equal(params.get('code'), null);
});
