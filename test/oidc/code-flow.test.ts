import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { authorize, redeemCode, relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { ACR } from '../../src/oidc/acr.ts';

let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

test('authorization code + PKCE sign-in returns an ID token with acr, amr and auth_time', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  await t.createUser('ada@example.com', 'correct horse battery staple');
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  const { tokens, callbackUrl } = await signInWithPassword(ua, rp, redirectUri, 'ada@example.com', 'correct horse battery staple');
  assert.equal(new URL(callbackUrl).searchParams.get('iss'), t.issuer, 'RFC 9207 iss in the authorization response');
  const claims = tokens.claims()!;
  assert.equal(claims.acr, ACR.singleFactor);
  assert.deepEqual(claims.amr, ['pwd']);
  assert.equal(typeof claims.auth_time, 'number');
  assert.equal(claims.email, 'ada@example.com');
  const info = await client.fetchUserInfo(rp, tokens.access_token, claims.sub);
  assert.equal(info.email, 'ada@example.com');
});

test('the email\'s answer is the password page itself (decision 0024): it names its address, and a reload or that address draws it again', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const user = await t.createUser('hopper@example.com', 'correct horse battery staple');
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  const { auth } = await authorize(ua, rp, redirectUri);
  const emailForm = findForm(ua.lastBody, '/email');
  const emailAction = new URL(emailForm.action, ua.lastUrl).href;
  const uid = /\/interaction\/([^/]+)\/email$/.exec(emailAction)![1]!;
  const answer = await ua.fetch(emailAction, { method: 'POST', form: { ...emailForm.hidden, email: 'Hopper@Example.com ' } });
  assert.equal(answer.status, 200, 'no redirect to GET /interaction/:uid in between');
  const body = await answer.text();
  assert.match(body, new RegExp(`action="/interaction/${uid}/password"`));
  assert.match(body, /<strong>hopper@example\.com<\/strong>/, 'the address as stored, canonical');
  assert.ok(body.includes(`data-page-url="/interaction/${uid}"`), 'the page names the address it lives at');
  assert.ok(body.includes('<script src="/static/page-url.js" defer>'), 'and its script sets the address bar to it');

  // A reload without script sends the email again: the same page. The form's address typed in: the page.
  const again = await ua.go(emailAction, { method: 'POST', form: { ...emailForm.hidden, email: 'hopper@example.com' } });
  assert.equal(again.status, 200);
  assert.match(again.body, new RegExp(`action="/interaction/${uid}/password"`));
  const typed = await ua.fetch(emailAction);
  assert.equal(typed.status, 303);
  assert.equal(typed.headers.get('location'), `/interaction/${uid}`);
  const page = await ua.go(`${t.issuer}/interaction/${uid}`);
  assert.match(page.body, new RegExp(`action="/interaction/${uid}/password"`));

  // An address that belongs to no account is answered with the same page: nothing tells them apart.
  const stranger = new UserAgent();
  await authorize(stranger, rp, redirectUri);
  const strangerForm = findForm(stranger.lastBody, '/email');
  const unknown = await stranger.fetch(new URL(strangerForm.action, stranger.lastUrl).href, { method: 'POST', form: { ...strangerForm.hidden, email: 'nobody@example.com' } });
  assert.equal(unknown.status, 200);
  assert.match(await unknown.text(), /<h1>[^<]*<\/h1>[\s\S]*name="password"/);

  const done = await ua.submit('/password', { password: 'correct horse battery staple' }, (u) => u.startsWith(redirectUri));
  const tokens = await redeemCode(rp, auth, done.url);
  assert.equal(tokens.claims()!.sub, user.id);
});

// Breaker (info): with the sign-in open in two tabs, a password typed in the older one — its page
// naming the first address — was checked against the address posted later in the other tab.
test('a password typed on a page that names another address than the sign-in now holds is not checked: the page as it stands is drawn', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  await t.createUser('first-tab@example.com', 'correct horse battery staple');
  const second = await t.createUser('second-tab@example.com', 'correct horse battery staple');
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  await authorize(ua, rp, redirectUri);
  const emailForm = findForm(ua.lastBody, '/email');
  const emailAction = new URL(emailForm.action, ua.lastUrl).href;
  const olderTab = await ua.go(emailAction, { method: 'POST', form: { ...emailForm.hidden, email: 'first-tab@example.com' } });
  const passwordForm = findForm(olderTab.body, '/password');
  assert.equal(passwordForm.hidden.for, 'first-tab@example.com', 'the page names its address in the form');
  // The other tab: the email page again ("Not you?"), another address.
  await ua.go(emailAction, { method: 'POST', form: { ...emailForm.hidden, email: 'second-tab@example.com' } });
  const attempts = async () => (await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', second.id).where('event', 'like', 'login.%').execute()).length;
  const before = await attempts();
  const res = await ua.fetch(new URL(passwordForm.action, olderTab.url).href, { method: 'POST', form: { ...passwordForm.hidden, password: 'correct horse battery staple' } });
  assert.equal(res.status, 303, 'not checked');
  assert.match(res.headers.get('location')!, /^\/interaction\/[^/]+$/);
  assert.equal(await attempts(), before, 'nothing counted or recorded for the address the flow holds');
  const page = await ua.go(new URL(res.headers.get('location')!, t.issuer).href);
  assert.match(page.body, /<strong>second-tab@example\.com<\/strong>/, 'the page as it stands: the address the flow holds');
});

test('an address with a control character is refused as no address, on either store (a NUL was a 500 on PostgreSQL)', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  await authorize(ua, rp, redirectUri);
  for (const email of ['a\u0000b@example.com', 'ada@exa\u0007mple.com', 'ada@example.com\u007f']) {
    const form = findForm(ua.lastBody, '/email');
    const page = await ua.go(new URL(form.action, ua.lastUrl).href, { method: 'POST', form: { ...form.hidden, email } });
    assert.equal(page.status, 400, JSON.stringify(email));
    assert.match(page.body, /action="\/interaction\/[^"]+\/email"/, 'the email page again');
    assert.doesNotMatch(page.body, /name="password"/);
  }
});
