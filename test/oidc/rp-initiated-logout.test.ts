import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { en } from '../../src/i18n/en.ts';

let t: TestGatehouse;
const cbA = 'http://127.0.0.1:9/a/cb';
const cbB = 'http://127.0.0.1:9/b/cb';
const loggedOutA = 'http://127.0.0.1:9/a/bye';
const password = 'correct horse battery staple';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

async function twoAppsSignedIn(email: string) {
  const appA = await t.createApp({ redirectUris: [cbA], postLogoutRedirectUris: [loggedOutA] });
  const appB = await t.createApp({ redirectUris: [cbB] });
  await t.createUser(email, password);
  const rpA = await relyingParty(t.issuer, appA.clientId, appA.clientSecret);
  const rpB = await relyingParty(t.issuer, appB.clientId, appB.clientSecret);
  const ua = new UserAgent();
  const { tokens } = await signInWithPassword(ua, rpA, cbA, email, password);
  const b = await signInWithPassword(ua, rpB, cbB, email, password);
  return { ua, rpA, rpB, tokens, tokensB: b.tokens };
}

test('end_session with id_token_hint shows a confirmation page, then signs out and returns to the app', async () => {
  const { ua, rpA, rpB, tokens, tokensB } = await twoAppsSignedIn('logout@example.com');
  const url = client.buildEndSessionUrl(rpA, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: loggedOutA, state: 'bye-state' });
  const confirm = await ua.go(url.href);
  assert.equal(confirm.status, 200);
  assert.ok(confirm.body.includes(en['logout.confirm']));
  assert.match(confirm.body, /<form id="op.logoutForm"/);

  const done = await ua.submit('/logout/confirm', { logout: 'yes' }, (u) => u.startsWith(loggedOutA));
  assert.ok(done.url.startsWith(loggedOutA), `expected the post-logout redirect, got ${done.url}`);
  assert.equal(new URL(done.url).searchParams.get('state'), 'bye-state');

  // The Gatehouse session is gone: no SSO into either app, and the apps' tokens are revoked.
  const again = await authorize(ua, rpB, cbB);
  assert.equal(again.returned, false, 'sign-in page again');
  assert.match(again.page.url, /\/interaction\//);
  for (const at of [tokens.access_token, tokensB.access_token]) {
    assert.equal((await fetch(`${t.issuer}/userinfo`, { headers: { authorization: `Bearer ${at}` } })).status, 401);
  }
});

test('"No, stay signed in" ends only the requesting app\'s part of the session', async () => {
  const { ua, rpA, rpB, tokens, tokensB } = await twoAppsSignedIn('stay@example.com');
  const url = client.buildEndSessionUrl(rpA, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: loggedOutA });
  await ua.go(url.href);
  const done = await ua.submit('/logout/confirm', {}, (u) => u.startsWith(loggedOutA));
  assert.ok(done.url.startsWith(loggedOutA));
  const toB = await authorize(ua, rpB, cbB);
  assert.ok(toB.returned, 'the Gatehouse session survives');
  assert.equal((await fetch(`${t.issuer}/userinfo`, { headers: { authorization: `Bearer ${tokensB.access_token}` } })).status, 200);
  assert.equal((await fetch(`${t.issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status, 401, "A's grant is revoked");
});

test('an unregistered post_logout_redirect_uri gets an error page, not a redirect', async () => {
  const { ua, rpA, tokens } = await twoAppsSignedIn('evil-logout@example.com');
  const url = client.buildEndSessionUrl(rpA, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example/' });
  const res = await ua.fetch(url.href, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null);
  const body = await res.text();
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.ok(body.includes('invalid_request'));
  assert.doesNotMatch(body, /\bat .*\.(js|ts):\d+/, 'no stack trace');
});
