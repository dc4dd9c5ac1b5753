import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, relyingParty } from '../helpers/oidc-client.ts';
import { startBackchannelReceiver } from '../helpers/backchannel.ts';
import { finish, parseManualKey, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { isSignInPage } from '../account/support.ts';
import { PASSWORD, addTotpInSettings, clockBehind, signInToAccount } from './support.ts';

// Issue 3, "Done when", with authenticator-app codes (the passkey half runs in Chromium, test/browser).
const clock = clockBehind();
let t: TestGatehouse;
let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;
let expense: client.Configuration;
let payroll: client.Configuration;
const cb = { expense: 'http://127.0.0.1:9/expense/cb', payroll: 'http://127.0.0.1:9/payroll/cb' };
const at = (uri: string) => (u: string) => u.startsWith(uri);

before(async () => {
  t = await startTestGatehouse({}, { clock });
  receiver = await startBackchannelReceiver();
  const e = await t.createApp({ name: 'Expense', redirectUris: [cb.expense], policy: 'adaptive', backchannelLogoutUri: receiver.url });
  const p = await t.createApp({ name: 'Payroll', redirectUris: [cb.payroll], policy: 'required', backchannelLogoutUri: receiver.url });
  expense = await relyingParty(t.issuer, e.clientId, e.clientSecret);
  payroll = await relyingParty(t.issuer, p.clientId, p.clientSecret);
});
after(async () => {
  await t.close();
  await receiver.close();
});

const offline = { scope: 'openid offline_access' };

test('a newcomer enables 2FA in settings, signs in to Expense and Payroll with it, loses the phone, resets, and finds every other app signed out', async () => {
  const email = 'newcomer@example.com';
  await t.createUser(email, PASSWORD);

  // The laptop: Expense first, without 2FA ("Remind me later").
  const laptop = new UserAgent();
  const e1 = await passwordStep(laptop, expense, cb.expense, email, PASSWORD, offline);
  assert.match(e1.page.url, /\/enroll$/, 'Expense suggests 2FA');
  const e1done = await laptop.submit('/enroll/later', {}, at(cb.expense));
  const laptopExpense = (await finish(expense, e1.auth, e1done.url)).tokens;
  assert.equal(laptopExpense.claims()!.acr, ACR.singleFactor);

  // Account settings, in the same browser: Enable → the password again → authenticator app.
  await signInToAccount(laptop, t, email);
  const { secret, recoveryCodes } = await addTotpInSettings(laptop, t, clock);
  assert.equal(recoveryCodes.length, 10);

  // The change was made while signed in to Expense: the next sign-in, to Payroll, asks for the new factor.
  const p1 = await authorize(laptop, payroll, cb.payroll, offline);
  assert.ok(!p1.returned, 'single sign-on alone is not enough now');
  assert.match(p1.page.body, /Code from your authenticator app/);
  assert.ok(!p1.page.body.includes('name="password"'), 'the password is in the session already');
  const p1done = await submitCode(laptop, cb.payroll, totpCode(secret, clock.now()));
  clock.nextStep();
  const laptopPayroll = (await finish(payroll, p1.auth, p1done.url)).tokens;
  assert.equal(laptopPayroll.claims()!.acr, ACR.multiFactor);
  assert.deepEqual([...(laptopPayroll.claims()!.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);

  // The desk computer: Expense with password and code, then Payroll by single sign-on.
  const desk = new UserAgent();
  const e2 = await passwordStep(desk, expense, cb.expense, email, PASSWORD, offline);
  assert.match(e2.page.body, /Code from your authenticator app/, 'Expense asks too: 2FA is on the profile');
  const e2done = await submitCode(desk, cb.expense, totpCode(secret, clock.now()));
  clock.nextStep();
  const deskExpense = (await finish(expense, e2.auth, e2done.url)).tokens;
  assert.equal(deskExpense.claims()!.acr, ACR.multiFactor);
  const p2 = await authorize(desk, payroll, cb.payroll, offline);
  assert.ok(p2.returned, 'the session holds both factors: Payroll signs in by SSO');
  const deskPayroll = (await finish(payroll, p2.auth, p2.page.url)).tokens;
  assert.equal(deskPayroll.claims()!.acr, ACR.multiFactor);

  // The phone is lost. A borrowed browser: Expense with a recovery code, then "Reset two-step verification".
  receiver.tokens.length = 0;
  const borrowed = new UserAgent();
  const e3 = await passwordStep(borrowed, expense, cb.expense, email, PASSWORD);
  await borrowed.go(new URL('?method=recovery', e3.page.url).href);
  const interstitial = await submitCode(borrowed, cb.expense, recoveryCodes[4]!);
  assert.match(interstitial.body, /You used a recovery code/);
  const wizard = await borrowed.submit('/recovered/reset');
  assert.match(wizard.body, /Choose how to verify/);
  const setup = await borrowed.submit('/enroll/choose', { method: 'totp' });
  const newSecret = parseManualKey(setup.body);
  await borrowed.submit('/enroll/confirm', { code: totpCode(newSecret, clock.now()) });
  clock.nextStep();
  await borrowed.submit('/enroll/recovery', { stored: '1' });
  const e3done = await borrowed.submit('/enroll/done', {}, at(cb.expense));
  assert.ok(at(cb.expense)(e3done.url));
  assert.equal((await finish(expense, e3.auth, e3done.url)).claims.acr, ACR.multiFactor);

  // Every other app is signed out: each app session got a logout token, each refresh token fails.
  await receiver.waitFor(4);
  const told = new Set(receiver.tokens.map((tok) => decodeJwt(tok).sid));
  for (const tokens of [laptopExpense, laptopPayroll, deskExpense, deskPayroll]) {
    assert.ok(told.has(tokens.claims()!.sid), `logout token for sid ${tokens.claims()!.sid}`);
  }
  for (const [rp, tokens] of [[expense, laptopExpense], [payroll, laptopPayroll], [expense, deskExpense], [payroll, deskPayroll]] as const) {
    await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token!));
  }
  assert.ok(isSignInPage(await laptop.go(`${t.issuer}/account`)));
  assert.ok(isSignInPage(await desk.go(`${t.issuer}/account`)));

  // Back on the laptop, Payroll asks for the password and the new factor; the old phone's code fails.
  const p3 = await passwordStep(laptop, payroll, cb.payroll, email, PASSWORD);
  assert.match(p3.page.body, /Code from your authenticator app/);
  const old = await submitCode(laptop, cb.payroll, totpCode(secret, clock.now()));
  assert.equal(old.status, 400);
  const p3done = await submitCode(laptop, cb.payroll, totpCode(newSecret, clock.now()));
  assert.ok(at(cb.payroll)(p3done.url));
  assert.equal((await finish(payroll, p3.auth, p3done.url)).claims.acr, ACR.multiFactor);
});
