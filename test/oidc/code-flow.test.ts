import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
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
