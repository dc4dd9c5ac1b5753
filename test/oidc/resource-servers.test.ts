import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, remoteJwks, signInWithPassword } from '../helpers/oidc-client.ts';
import { createResourceServer } from '../../src/store/resource-servers.ts';
import { ACR } from '../../src/oidc/acr.ts';

let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';
const password = 'correct horse battery staple';
const api = 'https://payroll-api.example.com';

before(async () => {
  t = await startTestGatehouse();
  await createResourceServer(t.gh.deps.db, t.gh.deps.clock, { identifier: api, name: 'Payroll API', scopes: 'payroll:read payroll:write' });
});
after(async () => {
  await t.close();
});

/** What an API does with a bearer token (RFC 9068 §4): verify signature, typ, issuer, audience. */
function verifyAsApi(rp: client.Configuration, token: string) {
  return jwtVerify(token, remoteJwks(rp), { issuer: t.issuer, audience: api, typ: 'at+jwt', algorithms: ['ES256'] });
}

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await fetch(`${t.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

test('sign-in with resource= gets a JWT access token for that API carrying acr, amr and auth_time', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const user = await t.createUser('api@example.com', password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, 'api@example.com', password, { resource: api, scope: 'openid payroll:read' });
  assert.equal(decodeProtectedHeader(tokens.access_token).typ, 'at+jwt');
  assert.equal(typeof decodeProtectedHeader(tokens.access_token).kid, 'string');
  const { payload } = await verifyAsApi(rp, tokens.access_token);
  assert.equal(payload.sub, user.id);
  assert.equal(payload.client_id, app.clientId);
  assert.equal(payload.acr, ACR.singleFactor);
  assert.deepEqual(payload.amr, ['pwd']);
  assert.equal(payload.auth_time, tokens.claims()!.auth_time);
  assert.deepEqual(String(payload.scope).split(' '), ['payroll:read'], 'only the API scopes it asked for');
  assert.equal(typeof payload.jti, 'string');
  // A token for an API is not a token for Gatehouse's own userinfo.
  assert.equal(await userinfoStatus(tokens.access_token), 401);
});

test('a refreshed token for the API still says how the person authenticated', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri], firstParty: true });
  await t.createUser('api-refresh@example.com', password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, 'api-refresh@example.com', password, {
    resource: api,
    scope: 'openid offline_access payroll:read',
  });
  const refreshed = await client.refreshTokenGrant(rp, tokens.refresh_token!, { resource: api });
  const { payload } = await verifyAsApi(rp, refreshed.access_token);
  assert.equal(payload.acr, ACR.singleFactor);
  assert.deepEqual(payload.amr, ['pwd']);
  assert.equal(payload.auth_time, tokens.claims()!.auth_time);
});

test('client credentials with resource= gets a JWT for the API without a person', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const tokens = await client.clientCredentialsGrant(rp, { resource: api, scope: 'payroll:read' });
  const { payload } = await verifyAsApi(rp, tokens.access_token);
  assert.equal(payload.client_id, app.clientId);
  assert.equal(payload.sub, app.clientId, 'RFC 9068 §2.2: sub is the client when no person is involved');
  assert.equal(payload.acr, undefined);
});

test("a plain sign-in's access token works at userinfo", async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const user = await t.createUser('plain@example.com', password);
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, 'plain@example.com', password);
  const info = await client.fetchUserInfo(rp, tokens.access_token, user.id);
  assert.equal(info.sub, user.id);
  assert.equal(info.email, 'plain@example.com');
});
