import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, redeemCode, relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';

let t: TestGatehouse;
const cbA = 'http://127.0.0.1:9/a/cb';
const cbB = 'http://127.0.0.1:9/b/cb';
const password = 'correct horse battery staple';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

// A back-channel logout URI makes oidc-provider put `sid` in the ID token (backchannel_logout_session_required).
const appWithSid = (redirectUri: string) => t.createApp({ redirectUris: [redirectUri], backchannelLogoutUri: 'http://127.0.0.1:9/backchannel' });

test('a browser signed in to app A gets a code for app B without the password page', async () => {
  const [appA, appB] = [await appWithSid(cbA), await appWithSid(cbB)];
  const user = await t.createUser('sso@example.com', password);
  const rpA = await relyingParty(t.issuer, appA.clientId, appA.clientSecret);
  const rpB = await relyingParty(t.issuer, appB.clientId, appB.clientSecret);
  const ua = new UserAgent();

  const a = (await signInWithPassword(ua, rpA, cbA, 'sso@example.com', password)).tokens.claims()!;

  const toB = await authorize(ua, rpB, cbB);
  assert.ok(toB.returned, `B should get a code by SSO, got page ${toB.page.url}`);
  assert.equal(new URL(toB.page.url).searchParams.get('iss'), t.issuer);
  const b = (await redeemCode(rpB, toB.auth, toB.page.url)).claims()!;

  assert.equal(b.sub, user.id);
  assert.equal(b.sub, a.sub);
  assert.equal(b.auth_time, a.auth_time, 'the same authentication event');
  assert.equal(b.acr, a.acr);
  assert.deepEqual(b.amr, a.amr);
  assert.equal(typeof a.sid, 'string');
  assert.equal(typeof b.sid, 'string');

  // Coming back to A in the same session keeps A's session id: back-channel logout relies on it.
  const againA = await authorize(ua, rpA, cbA);
  assert.ok(againA.returned);
  const a2 = (await redeemCode(rpA, againA.auth, againA.page.url)).claims()!;
  assert.equal(a2.sid, a.sid);
  assert.equal(a2.auth_time, a.auth_time);
});

test('another browser, or prompt=login, still gets the sign-in page', async () => {
  const [appA, appB] = [await appWithSid(cbA), await appWithSid(cbB)];
  await t.createUser('sso2@example.com', password);
  const rpA = await relyingParty(t.issuer, appA.clientId, appA.clientSecret);
  const rpB = await relyingParty(t.issuer, appB.clientId, appB.clientSecret);
  const ua = new UserAgent();
  await signInWithPassword(ua, rpA, cbA, 'sso2@example.com', password);

  const stranger = await authorize(new UserAgent(), rpB, cbB);
  assert.equal(stranger.returned, false);
  assert.match(stranger.page.url, /\/interaction\//);
  assert.match(stranger.page.body, /action="\/interaction\/[^"]+\/email"/);

  const forced = await authorize(ua, rpB, cbB, { prompt: 'login' });
  assert.equal(forced.returned, false, 'prompt=login asks for the password again');
  assert.match(forced.page.url, /\/interaction\//);
});
