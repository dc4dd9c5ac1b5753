import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, redeemCode, relyingParty } from '../helpers/oidc-client.ts';
import { en } from '../../src/i18n/en.ts';

let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';
const password = 'correct horse battery staple';
const atApp = (u: string) => u.startsWith(redirectUri);

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

/** A third-party app's sign-in up to its consent page. */
async function toConsent(email: string, extra: Record<string, string> = {}) {
  const app = await t.createApp({ name: 'Partner CRM', redirectUris: [redirectUri], firstParty: false });
  await t.createUser(email, password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  const start = await authorize(ua, rp, redirectUri, extra);
  assert.equal(start.returned, false);
  await ua.submit('/email', { email }, atApp);
  const page = await ua.submit('/password', { password }, atApp);
  return { app, rp, ua, auth: start.auth, page };
}

test('a third-party app gets a consent page listing what it asks for', async () => {
  const { page } = await toConsent('consent@example.com', { scope: 'openid email profile' });
  assert.equal(page.status, 200);
  assert.match(page.url, /\/interaction\//);
  assert.ok(page.body.includes('Partner CRM'), 'names the app');
  for (const key of ['consent.scope.openid', 'consent.scope.email', 'consent.scope.profile'] as const) {
    assert.ok(page.body.includes(en[key]), `lists ${key}`);
  }
  assert.ok(!page.body.includes(en['consent.scope.offline_access']), 'nothing it did not ask for');
});

test('Allow returns a code to the app; the next sign-in skips the consent page', async () => {
  const { rp, ua, auth } = await toConsent('allow@example.com');
  const allowed = await ua.submit('/consent', { decision: 'allow' }, atApp);
  assert.ok(atApp(allowed.url), `expected a redirect to the app, got ${allowed.url}`);
  const tokens = await redeemCode(rp, auth, allowed.url);
  assert.equal(tokens.claims()!.email, 'allow@example.com');

  const again = await authorize(ua, rp, redirectUri);
  assert.ok(again.returned, 'consent is remembered in the grant');
});

test('Deny sends access_denied to the redirect_uri, with state and iss', async () => {
  const { ua, auth } = await toConsent('deny@example.com');
  const denied = await ua.submit('/consent', { decision: 'deny' }, atApp);
  assert.ok(atApp(denied.url));
  const params = new URL(denied.url).searchParams;
  assert.equal(params.get('error'), 'access_denied');
  assert.equal(params.get('state'), auth.state);
  assert.equal(params.get('iss'), t.issuer);
  assert.equal(params.get('code'), null);
});

test('a third-party app gets offline_access only through consent, and then a refresh token', async () => {
  const { rp, ua, auth, page } = await toConsent('partner-offline@example.com', { scope: 'openid offline_access', prompt: 'consent' });
  assert.ok(page.body.includes(en['consent.scope.offline_access']));
  const allowed = await ua.submit('/consent', { decision: 'allow' }, atApp);
  const tokens = await redeemCode(rp, auth, allowed.url);
  assert.equal(typeof tokens.refresh_token, 'string');
});
