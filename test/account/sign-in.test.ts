import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { updateUser } from '../../src/store/users.ts';
import { ACCOUNT_CLIENT_ID, ensureAccountClient } from '../../src/http/account-sign-in.ts';
import { findClientRow } from '../../src/store/clients.ts';
import { translator } from '../../src/i18n/index.ts';
import type { HttpDeps } from '../../src/http/deps.ts';
import { isSignInPage, openAccount } from './support.ts';

let t: TestGatehouse;
const password = 'correct horse battery staple';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

test('/account without a session signs in through Gatehouse, then shows the account', async () => {
  await t.createUser('ada@example.com', password, { name: 'Ada Lovelace' });
  const ua = new UserAgent();
  const first = await ua.go(`${t.issuer}/account`);
  assert.ok(isSignInPage(first), `expected the sign-in page, got ${first.url}`);
  assert.equal(new URL(first.url).origin, t.issuer);
  assert.match(first.body, /Gatehouse account settings/, 'the sign-in names the console as the app');

  await ua.submit('/email', { email: 'ada@example.com' });
  const page = await ua.submit('/password', { password });
  assert.equal(page.url, `${t.issuer}/account`);
  assert.equal(page.status, 200);
  assert.match(page.body, /Signed in as ada@example\.com/);
  assert.match(page.body, /value="Ada Lovelace"/);
  assert.doesNotMatch(page.body, /Gatehouse account settings<\/strong>/, 'the console is not listed among the apps');

  const again = await ua.go(`${t.issuer}/account`);
  assert.equal(again.url, `${t.issuer}/account`, 'a second visit needs no sign-in');
});

test('the console client is registered once, idempotently, with the exact callback URI of the issuer', async () => {
  const deps = { ...t.gh.deps, provider: t.gh.provider, t: translator() } as unknown as HttpDeps;
  const { db } = t.gh.deps;
  // A changed issuer (or a hand-edited row) is put right; running again adds nothing.
  await db.updateTable('clients').set({ metadata: JSON.stringify({ ...JSON.parse((await findClientRow(db, ACCOUNT_CLIENT_ID))!.metadata), redirect_uris: ['https://old.example/account/callback'] }) }).where('client_id', '=', ACCOUNT_CLIENT_ID).execute();
  await Promise.all([ensureAccountClient(deps), ensureAccountClient(deps)]);
  const rows = await db.selectFrom('clients').selectAll().where('client_id', '=', ACCOUNT_CLIENT_ID).execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.first_party, 1);
  const metadata = JSON.parse(rows[0]!.metadata);
  assert.deepEqual(metadata.redirect_uris, [`${t.issuer}/account/callback`]);
  assert.equal(metadata.token_endpoint_auth_method, 'none', 'a public client: there is no secret to keep');
});

test('the callback refuses a forged or replayed code and a missing state cookie', async () => {
  await t.createUser('cb@example.com', password);
  const ua = new UserAgent();
  await ua.go(`${t.issuer}/account`);
  await ua.submit('/email', { email: 'cb@example.com' });
  // Stop at the callback to capture it, then replay it after it was used once.
  const atCallback = (u: string) => u.startsWith(`${t.issuer}/account/callback`);
  const stopped = await ua.submit('/password', { password }, atCallback);
  assert.ok(atCallback(stopped.url));
  const ok = await ua.go(stopped.url);
  assert.equal(ok.url, `${t.issuer}/account`);

  const replay = await ua.fetch(stopped.url);
  assert.equal(replay.status, 400, 'a used code (and a spent state cookie) is refused');

  const forged = await ua.fetch(`${t.issuer}/account/callback?code=abc&state=xyz&iss=${encodeURIComponent(t.issuer)}`);
  assert.equal(forged.status, 400);
  assert.doesNotMatch(await forged.text(), /at .*\.ts:\d+/, 'no stack trace');
});

test("a code from another browser's sign-in does not work in this browser", async () => {
  await t.createUser('victim@example.com', password);
  const attacker = new UserAgent();
  await attacker.go(`${t.issuer}/account`);
  await attacker.submit('/email', { email: 'victim@example.com' });
  const atCallback = (u: string) => u.startsWith(`${t.issuer}/account/callback`);
  const stopped = await attacker.submit('/password', { password }, atCallback);

  // A second browser with its own sign-in cookie receives the first browser's callback URL.
  const other = new UserAgent();
  await other.go(`${t.issuer}/account`);
  const res = await other.fetch(stopped.url);
  assert.equal(res.status, 400);
  const page = await other.go(`${t.issuer}/account`);
  assert.ok(isSignInPage(page), 'still not signed in');
});

test("a disabled person's session does not show /account", async () => {
  const u = await t.createUser('gone@example.com', password);
  const ua = new UserAgent();
  const page = await openAccount(ua, t.issuer, 'gone@example.com', password);
  assert.match(page.body, /Signed in as gone@example\.com/);

  await updateUser(t.gh.deps.db, t.gh.deps.clock, u.id, { disabled: 1 });
  const after = await ua.go(`${t.issuer}/account`);
  assert.doesNotMatch(after.body, /gone@example\.com/);
  assert.ok(isSignInPage(after), `expected the sign-in page, got ${after.url} (${after.status})`);
});

test('every POST without the CSRF field is refused with 403 and changes nothing', async () => {
  await t.createUser('csrf@example.com', password, { name: 'Before' });
  const ua = new UserAgent();
  await openAccount(ua, t.issuer, 'csrf@example.com', password);
  const posts: Array<[string, Record<string, string>]> = [
    ['/account/profile', { name: 'After' }],
    ['/account/password', { current_password: password, new_password: 'a brand new passphrase', confirm_password: 'a brand new passphrase' }],
    ['/account/apps/sign-out', { client_id: ACCOUNT_CLIENT_ID }],
    ['/account/sign-out', {}],
    ['/account/sign-out-everywhere', { confirm: '1' }],
  ];
  for (const [path, form] of posts) {
    const res = await ua.fetch(`${t.issuer}${path}`, { method: 'POST', form });
    assert.equal(res.status, 403, path);
    assert.match(await res.text(), /csrf_failed/);
    const wrong = await ua.fetch(`${t.issuer}${path}`, { method: 'POST', form: { ...form, csrf: 'forged' } });
    assert.equal(wrong.status, 403, `${path} with a forged token`);
  }
  const page = await ua.go(`${t.issuer}/account`);
  assert.equal(page.url, `${t.issuer}/account`, 'still signed in');
  assert.match(page.body, /value="Before"/);
  const user = await t.gh.deps.db.selectFrom('users').select('password_hash').where('email', '=', 'csrf@example.com').executeTakeFirstOrThrow();
  assert.ok(user.password_hash);
  const signIn = await openAccount(new UserAgent(), t.issuer, 'csrf@example.com', password);
  assert.match(signIn.body, /Signed in as csrf@example\.com/, 'the old password still works');
});

test('a POST without a session (but a valid CSRF token) leads to sign-in, not to a change', async () => {
  const ua = new UserAgent();
  // A token valid for this browser without a session (the sign-in page's is bound to that sign-in).
  const anonymous = await ua.go(`${t.issuer}/reset`);
  const { hidden } = findForm(anonymous.body, '/reset');
  const res = await ua.fetch(`${t.issuer}/account/sign-out-everywhere`, { method: 'POST', form: { csrf: hidden.csrf! } });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/account');
});
