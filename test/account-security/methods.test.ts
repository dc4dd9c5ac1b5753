import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { startBackchannelReceiver } from '../helpers/backchannel.ts';
import { FakeClock, finish, parseManualKey, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { activateMethod, insertPendingMethod, listActiveMethods } from '../../src/methods/records.ts';
import { setAppPolicy } from '../../src/store/clients.ts';
import { isSignInPage } from '../account/support.ts';
import { PASSWORD, addTotpInSettings, confirmWithCode, listedMethods, personWithTotp, postSettings, securityUrl, signInToAccount } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;
let expense: client.Configuration;
let expenseId: string;
let payrollId: string;
const cb = { expense: 'http://127.0.0.1:9/expense/cb', payroll: 'http://127.0.0.1:9/payroll/cb' };

before(async () => {
  t = await startTestGatehouse({}, { clock });
  receiver = await startBackchannelReceiver();
  const e = await t.createApp({ name: 'Expense', redirectUris: [cb.expense], policy: 'adaptive', backchannelLogoutUri: receiver.url });
  const p = await t.createApp({ name: 'Payroll', redirectUris: [cb.payroll], policy: 'required' });
  expense = await relyingParty(t.issuer, e.clientId, e.clientSecret);
  expenseId = e.clientId;
  payrollId = p.clientId;
});
after(async () => {
  await t.close();
  await receiver.close();
});

/** A security key registered for the person straight in the store (the browser suites register real ones). */
async function addSecurityKey(userId: string, name: string) {
  const { db, random } = t.gh.deps;
  const id = await insertPendingMethod(db, clock, random, { userId, type: 'webauthn', name, credentialId: Buffer.from(name).toString('base64url'), data: {} });
  assert.ok(await activateMethod(db, clock, userId, id, { counter: 0 }));
  return id;
}

test('rename: saved, escaped, audited; an empty name is refused, an over-long one shortened; another person\'s method is untouched', async () => {
  const p = await personWithTotp(t, clock, 'rename@example.com');
  const id = listedMethods(p.page.body)[0]!.id;
  assert.deepEqual(await postSettings(p.ua, t, `/account/security/methods/${id}/rename`, { name: '  <b>Work phone</b>  ' }), { status: 303, location: '/account/security?done=renamed' });
  let page = await p.ua.go(`${securityUrl(t)}?done=renamed`);
  assert.match(page.body, /The name is saved\./);
  assert.equal(listedMethods(page.body)[0]!.name, '&lt;b&gt;Work phone&lt;/b&gt;');

  assert.equal((await postSettings(p.ua, t, `/account/security/methods/${id}/rename`, { name: '   ' })).status, 400);
  page = await p.ua.go(securityUrl(t));
  assert.equal(listedMethods(page.body)[0]!.name, '&lt;b&gt;Work phone&lt;/b&gt;');
  // Names are bounded where they enter (64 characters; see method-names.security.test.ts).
  assert.equal((await postSettings(p.ua, t, `/account/security/methods/${id}/rename`, { name: 'x'.repeat(101) })).status, 303);
  assert.equal(listedMethods((await p.ua.go(securityUrl(t))).body)[0]!.name, 'x'.repeat(64));
  await postSettings(p.ua, t, `/account/security/methods/${id}/rename`, { name: '<b>Work phone</b>' });

  const other = await personWithTotp(t, clock, 'rename-other@example.com');
  assert.equal((await postSettings(other.ua, t, `/account/security/methods/${id}/rename`, { name: 'Mine now' })).location, '/account/security');
  assert.equal((await listActiveMethods(t.gh.deps.db, p.user.id))[0]!.name, '<b>Work phone</b>');
  const events = await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', p.user.id).where('event', '=', 'mfa.method.renamed').execute();
  assert.equal(events.length, 3, 'each rename is audited, the refused one is not');
});

test('make default: the badge moves and the sign-in challenge offers that method first', async () => {
  const email = 'default@example.com';
  const p = await personWithTotp(t, clock, email);
  const keyId = await addSecurityKey(p.user.id, 'YubiKey');
  let page = await p.ua.go(securityUrl(t));
  assert.deepEqual(listedMethods(page.body).map((m) => [m.name, m.isDefault]), [['Authenticator app', true], ['YubiKey', false]]);

  const challengeFirst = async () => {
    const ua = new UserAgent();
    const { page } = await passwordStep(ua, expense, cb.expense, email, PASSWORD);
    return /<h2>([^<]+)<\/h2>/.exec(page.body)?.[1];
  };
  assert.equal(await challengeFirst(), 'Authenticator app');

  assert.deepEqual(await postSettings(p.ua, t, `/account/security/methods/${keyId}/default`), { status: 303, location: '/account/security?done=default' });
  page = await p.ua.go(`${securityUrl(t)}?done=default`);
  assert.match(page.body, /The default method is changed\./);
  assert.deepEqual(listedMethods(page.body).map((m) => [m.name, m.isDefault]), [['Authenticator app', false], ['YubiKey', true]]);
  assert.equal(await challengeFirst(), 'Security key or passkey');

  const totpId = listedMethods(page.body)[0]!.id;
  await postSettings(p.ua, t, `/account/security/methods/${totpId}/default`);
  assert.equal(await challengeFirst(), 'Authenticator app');
});

test('removing a method signs out every other session and app, not this browser, and emails the person', async () => {
  const email = 'remove@example.com';
  const p = await personWithTotp(t, clock, email);
  // A second method, so that one can go (Payroll requires 2FA).
  const second = await addTotpInSettings(p.ua, t, clock, { expectCodes: false, proofSecret: p.secret });
  const [, added] = listedMethods(second.page.body);
  assert.ok(added);

  // Another browser: Expense with a refresh token; a third one: the account settings.
  const other = new UserAgent();
  const s = await passwordStep(other, expense, cb.expense, email, PASSWORD, { scope: 'openid offline_access' });
  const done = await submitCode(other, cb.expense, totpCode(p.secret, clock.now()));
  const expenseTokens = (await finish(expense, s.auth, done.url)).tokens;
  assert.ok(expenseTokens.refresh_token);
  clock.nextStep();
  const third = new UserAgent();
  await signInToAccount(third, t, email, { secret: p.secret, clock });
  clock.nextStep();
  // This browser uses Expense too.
  const mine = await passwordStep(p.ua, expense, cb.expense, email, PASSWORD);
  const mineDone = mine.returned ? mine.page : await submitCode(p.ua, cb.expense, totpCode(p.secret, clock.now()));
  const mineClaims = (await finish(expense, mine.auth, mineDone.url)).claims;
  clock.nextStep();

  receiver.tokens.length = 0;
  // The settings' Remove button asks first; only the confirmation's POST removes.
  assert.deepEqual(await postSettings(p.ua, t, `/account/security/methods/${added.id}/remove`), { status: 303, location: `/account/security/methods/${added.id}/remove/confirm` });
  assert.equal((await listActiveMethods(t.gh.deps.db, p.user.id)).length, 2, 'not removed without confirm=1');
  assert.equal(receiver.tokens.length, 0, 'no one signed out without confirm=1');
  assert.deepEqual(await postSettings(p.ua, t, `/account/security/methods/${added.id}/remove`, { confirm: '1' }), { status: 303, location: '/account/security?done=removed' });

  // Expense is told about both sessions; the other browser's tokens and sessions are gone.
  await receiver.waitFor(2);
  const sids = receiver.tokens.map((tok) => decodeJwt(tok)).map((c) => (assert.equal(c.aud, expenseId), c.sid));
  assert.ok(sids.includes(expenseTokens.claims()!.sid), 'the other browser\'s Expense session');
  assert.ok(sids.includes(mineClaims.sid), 'this browser\'s Expense session: it signs in again by SSO');
  await assert.rejects(client.refreshTokenGrant(expense, expenseTokens.refresh_token!), 'a refresh token from before the change fails');
  assert.ok(isSignInPage(await third.go(`${t.issuer}/account`)), 'the other account session is gone');
  assert.ok(isSignInPage(await other.go(`${t.issuer}/account`)));

  // This browser stays signed in, on the settings page.
  const page = await p.ua.go(`${securityUrl(t)}?done=removed`);
  assert.equal(page.url, `${securityUrl(t)}?done=removed`);
  assert.match(page.body, /The method is removed\. You have been signed out everywhere else\./);
  assert.equal(listedMethods(page.body).length, 1);
  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === 'A two-step verification method was removed');
  assert.match(mail.text, /^ {2}Type: Authenticator app\r?\n {2}Name: “Authenticator app” /m);

  // Adding a method signs no one out.
  const stays = new UserAgent();
  await signInToAccount(stays, t, email, { secret: p.secret, clock });
  clock.nextStep();
  await addTotpInSettings(p.ua, t, clock, { expectCodes: false, proofSecret: p.secret });
  assert.equal((await stays.go(`${t.issuer}/account`)).url, `${t.issuer}/account`, 'adding a method signs no one out');
});

test('the last method cannot be removed while an app requires 2FA (409); Reset still works and opens the wizard', async () => {
  const email = 'last@example.com';
  const p = await personWithTotp(t, clock, email);
  const id = listedMethods(p.page.body)[0]!.id;
  await confirmWithCode(p.ua, t, p.secret, clock);

  await p.ua.go(securityUrl(t));
  const refused = await p.ua.submit(`/account/security/methods/${id}/remove`);
  assert.equal(refused.status, 409, 'refused before its confirmation');
  assert.match(refused.body, /This is your last method and two-step verification is required for you/);
  const forced = await postSettings(p.ua, t, `/account/security/methods/${id}/remove`, { confirm: '1' });
  assert.equal(forced.status, 409, 'and at the confirming POST');
  assert.equal((await listActiveMethods(t.gh.deps.db, p.user.id)).length, 1);

  const other = new UserAgent();
  await signInToAccount(other, t, email, { secret: p.secret, clock });
  clock.nextStep();
  await p.ua.go(securityUrl(t));
  const confirmation = await p.ua.submit('/account/security/reset');
  assert.equal(confirmation.url, `${t.issuer}/account/security/reset/confirm`);
  assert.equal((await listActiveMethods(t.gh.deps.db, p.user.id)).length, 1, 'nothing reset before the confirmation');
  const done = await p.ua.submit('/account/security/reset');
  assert.equal(done.url, `${t.issuer}/account/security/reset/done`);
  assert.match(done.body, /Two-step verification was reset: every method and recovery code was removed/);
  const wizard = await p.ua.go(`${t.issuer}/account/security/enroll`);
  assert.equal(wizard.url, `${t.issuer}/account/security/enroll`);
  assert.match(wizard.body, /Choose how to verify/, 'the wizard opens at the choice of a method');
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, p.user.id), []);
  assert.ok(isSignInPage(await other.go(`${t.issuer}/account`)), 'reset signs out the other sessions');
  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === 'Your two-step verification was reset');
  assert.match(mail.text, /Every two-step verification method of your account was removed/);

  // Enroll again right there; recovery codes are new.
  const page = await p.ua.submit('/enroll/choose', { method: 'totp' });
  const secret = parseManualKey(page.body);
  assert.match((await p.ua.submit('/enroll/confirm', { code: totpCode(secret, clock.now()) })).body, /Save your recovery codes/);
  await p.ua.submit('/enroll/recovery', { stored: '1' });
  assert.equal((await p.ua.submit('/enroll/done')).url, `${securityUrl(t)}?done=added`);
  clock.nextStep();

  // Without a Required app, the last method may go.
  await setAppPolicy(t.gh.deps.db, payrollId, 'adaptive');
  try {
    const fresh = await p.ua.go(securityUrl(t));
    const [only] = listedMethods(fresh.body);
    await confirmWithCode(p.ua, t, secret, clock);
    assert.match((await p.ua.go(`${t.issuer}/account/security/methods/${only!.id}/remove/confirm`)).body, /This is your last method: two-step verification will be off/);
    assert.deepEqual(await postSettings(p.ua, t, `/account/security/methods/${only!.id}/remove`, { confirm: '1' }), { status: 303, location: '/account/security?done=removed' });
    assert.match((await p.ua.go(securityUrl(t))).body, /Off: apps ask only for your password/);
  } finally {
    await setAppPolicy(t.gh.deps.db, payrollId, 'required');
  }
});
