import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { updateUser } from '../../src/store/users.ts';

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
  const app = await t.createApp({ redirectUris: [redirectUri], firstParty: true });
  const user = await t.createUser(email, password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, email, password, { scope: 'openid offline_access' });
  // The access token is opaque; the ID token was issued in the same request and has the same iat second.
  const iat = decodeJwt(tokens.id_token!).iat!;
  return { user, rp, tokens, iat };
}

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await fetch(`${t.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

test('a token issued before sessions_valid_after no longer finds its account', async () => {
  const { user, rp, tokens, iat } = await signedIn('valid-after@example.com');
  assert.equal(await userinfoStatus(tokens.access_token), 200);

  await updateUser(t.gh.deps.db, t.gh.deps.clock, user.id, { sessions_valid_after: (iat + 1) * 1000 });
  assert.equal(await userinfoStatus(tokens.access_token), 401, 'userinfo refuses it');
  await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant', 'refresh refuses it');
});

test('a token issued in the same second as sessions_valid_after still works (whole-second boundary)', async () => {
  const { user, tokens, iat } = await signedIn('valid-same-second@example.com');
  await updateUser(t.gh.deps.db, t.gh.deps.clock, user.id, { sessions_valid_after: iat * 1000 });
  assert.equal(await userinfoStatus(tokens.access_token), 200);
});

test('a disabled account finds nothing at userinfo', async () => {
  const { user, tokens } = await signedIn('disabled@example.com');
  await updateUser(t.gh.deps.db, t.gh.deps.clock, user.id, { disabled: 1 });
  assert.equal(await userinfoStatus(tokens.access_token), 401);
});
