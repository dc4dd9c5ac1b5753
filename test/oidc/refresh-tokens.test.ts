import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { ACR } from '../../src/oidc/acr.ts';

let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';
const password = 'correct horse battery staple';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

async function signedIn(email: string, scope = 'openid offline_access') {
  const app = await t.createApp({ redirectUris: [redirectUri], firstParty: true });
  await t.createUser(email, password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, email, password, { scope });
  return { rp, tokens };
}

async function refreshError(rp: client.Configuration, refreshToken: string): Promise<string | undefined> {
  try {
    await client.refreshTokenGrant(rp, refreshToken);
    return undefined;
  } catch (err) {
    return (err as { error?: string }).error;
  }
}

test('a first-party app asking for offline_access gets a refresh token without a consent page', async () => {
  const { tokens } = await signedIn('offline@example.com');
  assert.equal(typeof tokens.refresh_token, 'string');
  assert.ok(tokens.scope?.split(' ').includes('offline_access'));
});

test('without offline_access there is no refresh token', async () => {
  const { tokens } = await signedIn('online@example.com', 'openid');
  assert.equal(tokens.refresh_token, undefined);
});

test('refresh rotates the token, keeps acr/amr/auth_time, and the old token is refused', async () => {
  const { rp, tokens } = await signedIn('rotate@example.com');
  const first = tokens.claims()!;
  const r1 = tokens.refresh_token!;

  const refreshed = await client.refreshTokenGrant(rp, r1);
  const r2 = refreshed.refresh_token!;
  assert.equal(typeof r2, 'string');
  assert.notEqual(r2, r1, 'rotation');
  const claims = refreshed.claims()!;
  assert.equal(claims.sub, first.sub);
  assert.equal(claims.acr, ACR.singleFactor);
  assert.deepEqual(claims.amr, ['pwd']);
  assert.equal(claims.auth_time, first.auth_time, 'a refresh is not a new authentication');
  const info = await client.fetchUserInfo(rp, refreshed.access_token, first.sub);
  assert.equal(info.sub, first.sub, 'the refreshed access token works at userinfo');

  // The new token works once more, then the rotated-out one is a replay.
  const r3 = (await client.refreshTokenGrant(rp, r2)).refresh_token!;
  assert.equal(await refreshError(rp, r1), 'invalid_grant');
  // Replay of a rotated token revokes the whole grant (oidc-provider): the thief and the app both lose it.
  assert.equal(await refreshError(rp, r3), 'invalid_grant');
});

test("another app cannot use an app's refresh token", async () => {
  const { tokens } = await signedIn('mine@example.com');
  const other = await t.createApp({ redirectUris: [redirectUri], firstParty: true });
  const rpOther = await relyingParty(t.issuer, other.clientId, other.clientSecret);
  assert.equal(await refreshError(rpOther, tokens.refresh_token!), 'invalid_grant');
});
