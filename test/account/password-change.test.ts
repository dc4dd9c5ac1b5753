import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { buildAuthorization, relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { isSignInPage, openAccount, startLogoutReceiver } from './support.ts';

const OLD = 'correct horse battery staple';
const NEW = 'a different and longer passphrase';
const redirectUri = 'http://127.0.0.1:9/cb';
const atRedirect = (u: string) => u.startsWith(redirectUri);
const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let t: TestGatehouse;
let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;
// Real time, which a test may stop: the waits after too many wrong passwords start at one second.
let stoppedAt: number | undefined;
const clock = { now: () => stoppedAt ?? Date.now() };

before(async () => {
  t = await startTestGatehouse({ GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT: '3' }, { clock });
  receiver = await startLogoutReceiver();
});
after(async () => {
  await t.close();
  await receiver.close();
});

function changeForm(current: string, next: string, repeat = next) {
  return { current_password: current, new_password: next, confirm_password: repeat };
}

test('a password change ends every other session and every token, tells the apps, and keeps this browser signed in', async () => {
  const email = 'pw@example.com';
  const user = await t.createUser(email, OLD);
  const app = await t.createApp({ name: 'Expense', redirectUris: [redirectUri], backchannelLogoutUri: receiver.uri });
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);

  const here = new UserAgent();
  const elsewhere = new UserAgent();
  const a = await signInWithPassword(here, rp, redirectUri, email, OLD, { scope: 'openid offline_access' });
  const b = await signInWithPassword(elsewhere, rp, redirectUri, email, OLD, { scope: 'openid offline_access' });
  assert.ok(a.tokens.refresh_token && b.tokens.refresh_token, 'a first-party app gets refresh tokens');
  const sids = [a.tokens.claims()!.sid, b.tokens.claims()!.sid];
  assert.ok(sids.every((s) => typeof s === 'string'));
  assert.equal((await client.fetchUserInfo(rp, a.tokens.access_token, user.id)).sub, user.id, 'the access token works before the change');

  const account = await openAccount(here, t.issuer);
  assert.equal(account.url, `${t.issuer}/account`, 'the app sign-in is shared with the console');
  assert.match(account.body, /<strong id="app-0">Expense<\/strong>/);

  receiver.tokens.length = 0;
  const done = await here.submit('/account/password', changeForm(OLD, NEW));
  assert.equal(done.url, `${t.issuer}/account?done=password`);
  assert.match(done.body, /Your password is changed/);
  assert.match(done.body, /You changed your password/, 'the activity list shows the change');
  assert.match(done.body, /You are not signed in to any app/, 'the apps of this browser were signed out as well');

  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === 'Your password was changed');
  assert.ok(mail.text.includes(`${t.issuer}/reset`));

  // OIDC Back-Channel Logout 1.0 §2.4: a logout token per session the app had.
  assert.equal(receiver.tokens.length, 2);
  const jwks = createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!));
  const seen: unknown[] = [];
  for (const token of receiver.tokens) {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: t.issuer, audience: app.clientId, typ: 'logout+jwt' });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.deepEqual(payload.events, { [BACKCHANNEL_EVENT]: {} });
    assert.equal(payload.sub, user.id);
    assert.equal(payload.nonce, undefined, 'a logout token never carries a nonce');
    seen.push(payload.sid);
  }
  assert.deepEqual(seen.sort(), [...sids].sort());

  for (const tokens of [a.tokens, b.tokens]) {
    await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token!), 'the refresh token is revoked');
    await assert.rejects(client.fetchUserInfo(rp, tokens.access_token, user.id), 'the access token is revoked');
  }

  // This browser's Gatehouse session survives: the app gets a code without the password page.
  const auth = await buildAuthorization(rp, redirectUri, { scope: 'openid offline_access' });
  const again = await here.go(auth.url.href, {}, atRedirect);
  assert.ok(atRedirect(again.url), `expected a redirect to the app, got ${again.url}`);
  const fresh = await client.authorizationCodeGrant(rp, new URL(again.url), { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce, idTokenExpected: true });
  assert.equal((await client.fetchUserInfo(rp, fresh.access_token, user.id)).sub, user.id, 'tokens issued after the change work');

  // The other browser's session is gone: it is asked to sign in.
  const other = await buildAuthorization(rp, redirectUri);
  const otherPage = await elsewhere.go(other.url.href, {}, atRedirect);
  assert.ok(isSignInPage(otherPage), `expected the sign-in page, got ${otherPage.url}`);

  await assert.rejects(signInWithPassword(new UserAgent(), rp, redirectUri, email, OLD), 'the old password no longer works');
  await signInWithPassword(new UserAgent(), rp, redirectUri, email, NEW);
});

test('a wrong current password counts like a failed sign-in, so the form cannot be used to guess', async (ctx) => {
  const email = 'guess@example.com';
  await t.createUser(email, OLD);
  const ua = new UserAgent();
  await openAccount(ua, t.issuer, email, OLD);
  stoppedAt = Date.now();
  ctx.after(() => void (stoppedAt = undefined));
  for (let i = 0; i < 3; i++) {
    const page = await ua.submit('/account/password', changeForm(`wrong guess ${i}`, NEW));
    assert.equal(ua.lastStatus, 400);
    assert.match(page.body, /The current password is not correct\./);
    assert.match(page.body, /id="current_password"[^>]*aria-invalid="true"/);
  }
  // The guesses count on this signed-in browser's own budget (its device cookie, decision 0008): here
  // even the right password now waits (a second, then longer after each further failure) and never
  // falls back to the account's budget...
  const throttled = await ua.submit('/account/password', changeForm(OLD, NEW));
  assert.equal(ua.lastStatus, 429);
  assert.match(throttled.body, /Too many attempts/);
  // ...and a stranger's browser gets nothing from them: the account's budget is untouched, so the
  // sign-in page elsewhere is neither throttled by the settings nor a way around their wait.
  const elsewhere = new UserAgent();
  await elsewhere.go(`${t.issuer}/account`);
  await elsewhere.submit('/email', { email });
  const other = await elsewhere.submit('/password', { password: 'a wrong one' });
  assert.equal(other.status, 400, 'the account budget was not driven by the settings form');
  const events = await t.gh.deps.db.selectFrom('audit_events').select('event').where('event', '=', 'password.change_failed').execute();
  assert.equal(events.length, 4);
});

test('a new password is checked against the policy before the current one is, and nothing is counted for it', async () => {
  const email = 'policy@example.com';
  await t.createUser(email, OLD);
  const ua = new UserAgent();
  await openAccount(ua, t.issuer, email, OLD);
  const cases: Array<[Record<string, string>, RegExp]> = [
    [changeForm('anything', 'short'), /Use at least 8 characters\./],
    [changeForm('anything', 'password'), /This password is too common/],
    [changeForm('anything', email), /must not be your email address/],
    [changeForm('anything', NEW, `${NEW}!`), /The passwords do not match\./],
    [changeForm('', NEW), /Enter your current password\./],
    [changeForm('anything', ''), /Enter a new password\./],
  ];
  for (const [form, message] of cases) {
    const page = await ua.submit('/account/password', form);
    assert.equal(ua.lastStatus, 400);
    assert.match(page.body, message);
    assert.match(page.body, /class="error-summary"/);
  }
  // Six refusals, yet the limit of 3 wrong passwords was not touched.
  const done = await ua.submit('/account/password', changeForm(OLD, NEW));
  assert.equal(done.url, `${t.issuer}/account?done=password`);
  const arrays = await ua.fetch(`${t.issuer}/account/password`, { method: 'POST', form: { csrf: (await csrfOf(ua)), current_password: [NEW, NEW], new_password: 'x', confirm_password: 'x' } });
  assert.equal(arrays.status, 400, 'a field sent twice is not a password');
});

async function csrfOf(ua: UserAgent): Promise<string> {
  const page = await ua.go(`${ua.lastUrl.split('?')[0]}`);
  return /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
}
