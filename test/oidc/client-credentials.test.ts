import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { relyingParty } from '../helpers/oidc-client.ts';

let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

/** A raw token request, so the status and the JSON error are seen as any client would see them. */
async function clientCredentials(clientId: string, secret?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (secret) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  else body.set('client_id', clientId);
  const res = await fetch(`${t.issuer}/token`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { error?: string; access_token?: string } };
}

test('a confidential app gets an access token for itself, with no user and no refresh token', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const tokens = await client.clientCredentialsGrant(rp);
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(typeof tokens.access_token, 'string');
  assert.equal(tokens.refresh_token, undefined);
  assert.equal(tokens.id_token, undefined);
  const info = await client.tokenIntrospection(rp, tokens.access_token);
  assert.equal(info.active, true);
  assert.equal(info.client_id, app.clientId);
  assert.equal(info.sub, undefined, 'no person behind it');
});

test('a wrong client secret is invalid_client', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const res = await clientCredentials(app.clientId, 'not-the-secret');
  assert.equal(res.status, 401);
  assert.equal(res.body.error, 'invalid_client');
  assert.equal(res.body.access_token, undefined);
});

test('a public app cannot use client credentials', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri], isPublic: true });
  const res = await clientCredentials(app.clientId);
  assert.equal(res.status, 400);
  // oidc-provider answers invalid_request ("requested grant type is not allowed for this client").
  assert.ok(['invalid_request', 'unauthorized_client'].includes(res.body.error!), res.body.error);
  assert.equal(res.body.access_token, undefined);
});
