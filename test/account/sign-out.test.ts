import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { isSignInPage, openAccount, startLogoutReceiver } from './support.ts';

const password = 'correct horse battery staple';
const expenseUri = 'http://127.0.0.1:9/expense';
const payrollUri = 'http://127.0.0.1:9/payroll';

let t: TestGatehouse;
let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;

before(async () => {
  t = await startTestGatehouse();
  receiver = await startLogoutReceiver();
});
after(async () => {
  await t.close();
  await receiver.close();
});

/** A person signed in to Expense (with back-channel logout) and Payroll in one browser. */
async function signedInToTwoApps(email: string, ua = new UserAgent()) {
  const user = (await t.gh.deps.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()) ?? (await t.createUser(email, password));
  const expense = await t.createApp({ name: `Expense ${email}`, redirectUris: [expenseUri], backchannelLogoutUri: receiver.uri });
  const payroll = await t.createApp({ name: `Payroll ${email}`, redirectUris: [payrollUri] });
  const expenseRp = await relyingParty(t.issuer, expense.clientId, expense.clientSecret);
  const payrollRp = await relyingParty(t.issuer, payroll.clientId, payroll.clientSecret);
  const e = await signInWithPassword(ua, expenseRp, expenseUri, email, password, { scope: 'openid offline_access' });
  const p = await signInWithPassword(ua, payrollRp, payrollUri, email, password, { scope: 'openid offline_access' });
  return { ua, user, expense, payroll, expenseRp, payrollRp, expenseTokens: e.tokens, payrollTokens: p.tokens };
}

test('the account lists the apps of this session; "Sign out of this app" ends that one only', async () => {
  const s = await signedInToTwoApps('apps@example.com');
  const page = await openAccount(s.ua, t.issuer);
  assert.match(page.body, /Expense apps@example\.com/);
  assert.match(page.body, /Payroll apps@example\.com/);

  receiver.tokens.length = 0;
  const { hidden } = findForm(page.body, '/account/apps/sign-out');
  assert.ok(page.body.includes(`name="client_id" value="${s.expense.clientId}"`), 'each app has its own form');
  const done = await s.ua.go(`${t.issuer}/account/apps/sign-out`, { method: 'POST', form: { csrf: hidden.csrf!, client_id: s.expense.clientId } });
  assert.equal(done.url, `${t.issuer}/account?done=app&app=${s.expense.clientId}`);
  assert.match(done.body, /You are signed out of Expense apps@example\.com\./);
  assert.doesNotMatch(done.body, /<strong id="app-\d+">Expense/);
  assert.match(done.body, /<strong id="app-\d+">Payroll apps@example\.com/);
  assert.match(done.body, /You signed out of an app/);

  assert.equal(receiver.tokens.length, 1);
  const logout = decodeJwt(receiver.tokens[0]!);
  assert.equal(logout.aud, s.expense.clientId);
  assert.equal(logout.sid, s.expenseTokens.claims()!.sid);

  await assert.rejects(client.refreshTokenGrant(s.expenseRp, s.expenseTokens.refresh_token!), 'Expense tokens are revoked');
  await assert.rejects(client.fetchUserInfo(s.expenseRp, s.expenseTokens.access_token, s.user.id));
  const info = await client.fetchUserInfo(s.payrollRp, s.payrollTokens.access_token, s.user.id);
  assert.equal(info.sub, s.user.id, 'Payroll is untouched');
  await client.refreshTokenGrant(s.payrollRp, s.payrollTokens.refresh_token!);
});

test('"Sign out of this app" cannot touch another person\'s session or the console itself', async () => {
  const victim = await signedInToTwoApps('victim@example.com');
  await t.createUser('mallory@example.com', password);
  const mallory = new UserAgent();
  await openAccount(mallory, t.issuer, 'mallory@example.com', password);
  const csrf = /name="csrf" value="([^"]+)"/.exec(mallory.lastBody)![1]!;
  for (const clientId of [victim.expense.clientId, 'gatehouse-account']) {
    const res = await mallory.fetch(`${t.issuer}/account/apps/sign-out`, { method: 'POST', form: { csrf, client_id: clientId } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/account');
  }
  await client.refreshTokenGrant(victim.expenseRp, victim.expenseTokens.refresh_token!);
  assert.equal((await openAccount(mallory, t.issuer)).url, `${t.issuer}/account`);
});

test('"Sign out" ends this browser\'s session and its apps, not the other devices', async () => {
  const here = await signedInToTwoApps('here@example.com');
  const there = await signedInToTwoApps('here@example.com', new UserAgent());
  await openAccount(here.ua, t.issuer);
  receiver.tokens.length = 0;
  const page = await here.ua.submit('/account/sign-out', {});
  assert.equal(here.ua.lastStatus, 200);
  assert.match(page.body, /You are signed out/);
  assert.equal(receiver.tokens.length, 1, 'Expense of this browser is told');
  assert.equal(decodeJwt(receiver.tokens[0]!).sid, here.expenseTokens.claims()!.sid);

  assert.ok(isSignInPage(await here.ua.go(`${t.issuer}/account`)), 'this browser must sign in again');
  await assert.rejects(client.refreshTokenGrant(here.payrollRp, here.payrollTokens.refresh_token!));
  assert.equal((await openAccount(there.ua, t.issuer)).url, `${t.issuer}/account`, 'the other browser stays signed in');
  await client.refreshTokenGrant(there.payrollRp, there.payrollTokens.refresh_token!);
});

test('"Sign out everywhere" ends every session, this one included, and every token', async () => {
  const here = await signedInToTwoApps('all@example.com');
  const there = await signedInToTwoApps('all@example.com', new UserAgent());
  await openAccount(here.ua, t.issuer);
  receiver.tokens.length = 0;
  // The button asks first, saying what it does; that page changes nothing.
  const confirmation = await here.ua.submit('/account/sign-out-everywhere', {});
  assert.equal(confirmation.url, `${t.issuer}/account/sign-out-everywhere/confirm`);
  assert.match(confirmation.body, /Every app you are signed in to will sign you out, on every device — this browser included\./);
  assert.equal(receiver.tokens.length, 0, 'no one is signed out by the question');
  const page = await here.ua.submit('/account/sign-out-everywhere', {});
  assert.equal(here.ua.lastStatus, 200);
  assert.match(page.body, /signed out of every app, on every device/);
  assert.equal(receiver.tokens.length, 2, 'Expense is told about both sessions');

  assert.ok(isSignInPage(await here.ua.go(`${t.issuer}/account`)));
  assert.ok(isSignInPage(await there.ua.go(`${t.issuer}/account`)));
  for (const s of [here, there]) {
    await assert.rejects(client.refreshTokenGrant(s.payrollRp, s.payrollTokens.refresh_token!));
    await assert.rejects(client.fetchUserInfo(s.expenseRp, s.expenseTokens.access_token, s.user.id));
  }
  const events = await t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('user_id', '=', here.user.id).where('event', '=', 'session.signed_out_everywhere').execute();
  assert.equal(events.length, 1);
  assert.equal(JSON.parse(events[0]!.details!).reason, 'user_request');
});

test('the profile name is saved, audited and shown; an over-long name is refused', async () => {
  await t.createUser('name@example.com', password, { name: 'Old Name' });
  const ua = new UserAgent();
  await openAccount(ua, t.issuer, 'name@example.com', password);
  const done = await ua.submit('/account/profile', { name: '  Grace <Hopper>  ' });
  assert.equal(done.url, `${t.issuer}/account?done=profile`);
  assert.match(done.body, /Your profile is saved\./);
  assert.match(done.body, /value="Grace &lt;Hopper&gt;"/, 'trimmed and escaped');
  assert.match(done.body, /You updated your profile/);
  const row = await t.gh.deps.db.selectFrom('users').select('name').where('email', '=', 'name@example.com').executeTakeFirstOrThrow();
  assert.equal(row.name, 'Grace <Hopper>');

  const tooLong = await ua.submit('/account/profile', { name: 'x'.repeat(201) });
  assert.equal(ua.lastStatus, 400);
  assert.match(tooLong.body, /Use at most 200 characters/);
  assert.equal((await t.gh.deps.db.selectFrom('users').select('name').where('email', '=', 'name@example.com').executeTakeFirstOrThrow()).name, 'Grace <Hopper>');
});
