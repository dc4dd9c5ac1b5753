import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { startBackchannelReceiver } from '../helpers/backchannel.ts';
import { finish, parseManualKey, parseRecoveryCodes, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { isSignInPage } from '../account/support.ts';
import { PASSWORD, clockBehind, personWithTotp } from './support.ts';

const clock = clockBehind();
let t: TestGatehouse;
let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;
let expense: client.Configuration;
let payroll: client.Configuration;
const cb = { expense: 'http://127.0.0.1:9/expense/cb', payroll: 'http://127.0.0.1:9/payroll/cb' };
const atPayroll = (u: string) => u.startsWith(cb.payroll);

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

/** Password and code at `rp` in `ua`, with a refresh token; returns the tokens. */
async function signInWithCode(ua: UserAgent, rp: client.Configuration, redirectUri: string, email: string, secret: string) {
  const s = await passwordStep(ua, rp, redirectUri, email, PASSWORD, { scope: 'openid offline_access' });
  const done = s.returned ? s.page : await submitCode(ua, redirectUri, totpCode(secret, clock.now()));
  clock.nextStep();
  const { tokens } = await finish(rp, s.auth, done.url);
  assert.ok(tokens.refresh_token);
  return tokens;
}

test('"I lost my phone": a recovery code, then "Reset two-step verification" removes every method, enrolls again inside the sign-in and signs out every other app', async () => {
  const email = 'lost@example.com';
  const p = await personWithTotp(t, clock, email);

  // The old laptop is signed in to Expense and Payroll.
  const old = new UserAgent();
  const oldExpense = await signInWithCode(old, expense, cb.expense, email, p.secret);
  const oldPayroll = await signInWithCode(old, payroll, cb.payroll, email, p.secret);

  // A new browser, no phone: password, then "Use a recovery code".
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, payroll, cb.payroll, email, PASSWORD);
  assert.match(page.body, /Code from your authenticator app/);
  await ua.go(new URL('?method=recovery', page.url).href);
  const interstitial = await submitCode(ua, cb.payroll, p.recoveryCodes[0]!);
  assert.match(interstitial.body, /You used a recovery code/);
  assert.match(interstitial.body, /Lost your phone or security key\?/);
  assert.ok(!atPayroll(interstitial.url), 'no authorization code yet');

  receiver.tokens.length = 0;
  const wizard = await ua.submit('/recovered/reset');
  assert.match(wizard.url, /\/interaction\/[^/]+\/enroll$/);
  assert.match(wizard.body, /Choose how to verify/);
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, p.user.id), [], 'every method is removed');
  const codesLeft = await t.gh.deps.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', p.user.id).where('used_at', 'is', null).execute();
  assert.equal(codesLeft.length, 0, 'the old recovery codes are gone too');

  // Every other app session is signed out.
  await receiver.waitFor(2);
  const sids = receiver.tokens.map((tok) => decodeJwt(tok).sid);
  assert.ok(sids.includes(oldExpense.claims()!.sid));
  assert.ok(sids.includes(oldPayroll.claims()!.sid));
  await assert.rejects(client.refreshTokenGrant(expense, oldExpense.refresh_token!));
  await assert.rejects(client.refreshTokenGrant(payroll, oldPayroll.refresh_token!));
  assert.ok(isSignInPage(await old.go(`${t.issuer}/account`)), 'the old laptop must sign in again');
  assert.ok(isSignInPage(await p.ua.go(`${t.issuer}/account`)), 'so must the browser that enabled 2FA');

  // Enroll again, inside this sign-in, and arrive at Payroll.
  const setup = await ua.submit('/enroll/choose', { method: 'totp' });
  const secret = parseManualKey(setup.body);
  assert.notEqual(secret, p.secret);
  const codesPage = await ua.submit('/enroll/confirm', { code: totpCode(secret, clock.now()) });
  const codes = parseRecoveryCodes(codesPage.body);
  assert.equal(codes.length, 10);
  assert.ok(!codes.some((c) => p.recoveryCodes.includes(c)));
  await ua.submit('/enroll/recovery', { stored: '1' });
  const done = await ua.submit('/enroll/done', {}, atPayroll);
  assert.ok(atPayroll(done.url), `back at Payroll: ${done.url}`);
  const { claims } = await finish(payroll, auth, done.url);
  assert.equal(claims.acr, ACR.multiFactor);
  clock.nextStep();

  for (const subject of ['A recovery code was used to sign in', 'Your two-step verification was reset', 'A two-step verification method was added']) {
    await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === subject);
  }

  // The old authenticator no longer signs in; the new one does.
  const elsewhere = new UserAgent();
  await passwordStep(elsewhere, expense, cb.expense, email, PASSWORD);
  const refused = await submitCode(elsewhere, cb.expense, totpCode(p.secret, clock.now()));
  assert.equal(refused.status, 400);
  const accepted = await submitCode(elsewhere, cb.expense, totpCode(secret, clock.now()));
  assert.ok(accepted.url.startsWith(cb.expense));
});
