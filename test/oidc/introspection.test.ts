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

async function signedIn(email: string) {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const user = await t.createUser(email, password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, email, password, { scope: 'openid email offline_access' });
  return { app, user, rp, tokens };
}

test("a user's access token introspects as active, with how the person authenticated", async () => {
  const { app, user, rp, tokens } = await signedIn('intro@example.com');
  const info = await client.tokenIntrospection(rp, tokens.access_token);
  assert.equal(info.active, true);
  assert.equal(info.sub, user.id);
  assert.equal(info.client_id, app.clientId);
  assert.equal(info.token_type, 'Bearer');
  assert.equal(info.acr, ACR.singleFactor);
  assert.deepEqual(info.amr, ['pwd']);
  assert.equal(info.auth_time, tokens.claims()!.auth_time);
  assert.ok(String(info.scope).split(' ').includes('email'));
});

test('a refresh token introspects as active; garbage as inactive', async () => {
  const { user, rp, tokens } = await signedIn('intro-rt@example.com');
  const info = await client.tokenIntrospection(rp, tokens.refresh_token!);
  assert.equal(info.active, true);
  assert.equal(info.sub, user.id);
  assert.ok(String(info.scope).split(' ').includes('offline_access'));
  assert.equal((await client.tokenIntrospection(rp, 'not-a-token')).active, false);
});

test("an app cannot introspect another app's tokens", async () => {
  const { tokens } = await signedIn('intro-other@example.com');
  const other = await t.createApp({ redirectUris: [redirectUri] });
  const rpOther = await relyingParty(t.issuer, other.clientId, other.clientSecret);
  const info = await client.tokenIntrospection(rpOther, tokens.access_token);
  assert.deepEqual(info, { active: false });
});
