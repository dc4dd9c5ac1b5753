import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';

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
  await t.createUser(email, password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, email, password, { scope: 'openid offline_access' });
  return { rp, tokens, sub: tokens.claims()!.sub };
}

async function userinfoStatus(accessToken: string): Promise<number> {
  const res = await fetch(`${t.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  return res.status;
}

test('a revoked access token is inactive and refused at userinfo', async () => {
  const { rp, tokens } = await signedIn('revoke-at@example.com');
  assert.equal(await userinfoStatus(tokens.access_token), 200);
  await client.tokenRevocation(rp, tokens.access_token);
  assert.equal((await client.tokenIntrospection(rp, tokens.access_token)).active, false);
  assert.equal(await userinfoStatus(tokens.access_token), 401);
});

test('revoking the refresh token ends the grant: it cannot be refreshed and its access token dies with it', async () => {
  const { rp, tokens } = await signedIn('revoke-rt@example.com');
  await client.tokenRevocation(rp, tokens.refresh_token!);
  await assert.rejects(client.refreshTokenGrant(rp, tokens.refresh_token!), (err: { error?: string }) => err.error === 'invalid_grant');
  assert.equal((await client.tokenIntrospection(rp, tokens.access_token)).active, false);
});

test("an app cannot revoke another app's token", async () => {
  const { tokens } = await signedIn('revoke-other@example.com');
  const other = await t.createApp({ redirectUris: [redirectUri] });
  const rpOther = await relyingParty(t.issuer, other.clientId, other.clientSecret);
  await client.tokenRevocation(rpOther, tokens.access_token).catch(() => {});
  assert.equal(await userinfoStatus(tokens.access_token), 200);
});

test('revoking an unknown token succeeds silently (RFC 7009 §2.2)', async () => {
  const { rp } = await signedIn('revoke-unknown@example.com');
  await client.tokenRevocation(rp, 'never-issued');
});
