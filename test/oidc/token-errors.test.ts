import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, relyingParty, signInWithPassword, type AuthStart } from '../helpers/oidc-client.ts';

let t: TestGatehouse;
let app: { clientId: string; clientSecret?: string };
let rp: client.Configuration;
const ua = new UserAgent();
const redirectUri = 'http://127.0.0.1:9/cb';
const password = 'correct horse battery staple';

before(async () => {
  t = await startTestGatehouse();
  app = await t.createApp({ redirectUris: [redirectUri], firstParty: true });
  await t.createUser('codes@example.com', password);
  rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  await signInWithPassword(ua, rp, redirectUri, 'codes@example.com', password);
});
after(async () => {
  await t.close();
});

/** A fresh authorization code by SSO (the browser is signed in). */
async function freshCode(extra: Record<string, string> = {}): Promise<{ code: string; auth: AuthStart }> {
  const { auth, page, returned } = await authorize(ua, rp, redirectUri, extra);
  assert.ok(returned);
  return { code: new URL(page.url).searchParams.get('code')!, auth };
}

/** A raw token request, so the status and JSON error are what any client would see. */
async function tokenRequest(params: Record<string, string | undefined>, creds = app) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries({ grant_type: 'authorization_code', redirect_uri: redirectUri, ...params })) if (v !== undefined) body.set(k, v);
  const res = await fetch(`${t.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64')}`,
    },
    body,
  });
  const json = (await res.json()) as { error?: string; access_token?: string; refresh_token?: string; id_token?: string };
  assert.doesNotMatch(JSON.stringify(json), /\bat .*:\d+:\d+/, 'no stack trace');
  return { status: res.status, json };
}

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await fetch(`${t.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

test('a token request without code_verifier is invalid_grant', async () => {
  const { code } = await freshCode();
  const r = await tokenRequest({ code });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_grant');
  assert.equal(r.json.access_token, undefined);
});

test('a wrong code_verifier is invalid_grant', async () => {
  const { code } = await freshCode();
  const r = await tokenRequest({ code, code_verifier: client.randomPKCECodeVerifier() });
  assert.equal(r.json.error, 'invalid_grant');
});

test('a code used twice is invalid_grant, and the tokens of the first use are revoked', async () => {
  const { code, auth } = await freshCode({ scope: 'openid offline_access' });
  const first = await tokenRequest({ code, code_verifier: auth.verifier });
  assert.equal(first.status, 200);
  assert.equal(await userinfoStatus(first.json.access_token!), 200);

  const second = await tokenRequest({ code, code_verifier: auth.verifier });
  assert.equal(second.status, 400);
  assert.equal(second.json.error, 'invalid_grant');
  // RFC 6749 §4.1.2: a replayed code revokes what it granted (someone else holds the code).
  assert.equal(await userinfoStatus(first.json.access_token!), 401);
  const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token!, redirect_uri: undefined });
  assert.equal(refresh.json.error, 'invalid_grant');
});

test("one app cannot redeem another app's code", async () => {
  const other = await t.createApp({ redirectUris: [redirectUri] });
  const { code, auth } = await freshCode();
  const r = await tokenRequest({ code, code_verifier: auth.verifier }, other);
  assert.equal(r.json.error, 'invalid_grant');
});

test('a redirect_uri different from the authorization request is invalid_grant', async () => {
  const { code, auth } = await freshCode();
  const r = await tokenRequest({ code, code_verifier: auth.verifier, redirect_uri: 'http://127.0.0.1:9/other' });
  assert.equal(r.json.error, 'invalid_grant');
});

test('an unknown resource at the token endpoint is invalid_target', async () => {
  const { code, auth } = await freshCode();
  const r = await tokenRequest({ code, code_verifier: auth.verifier, resource: 'https://unknown-api.example.com' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'invalid_target');
});

test('a made-up code is invalid_grant', async () => {
  const r = await tokenRequest({ code: 'made-up', code_verifier: client.randomPKCECodeVerifier() });
  assert.equal(r.json.error, 'invalid_grant');
});
