import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';

let t: TestGatehouse;
let app: { clientId: string; clientSecret?: string };
let rp: client.Configuration;
const ua = new UserAgent();
const redirectUri = 'http://127.0.0.1:9/cb';
const password = 'correct horse battery staple';
const PARALLEL = 20;

before(async () => {
  t = await startTestGatehouse();
  app = await t.createApp({ redirectUris: [redirectUri], firstParty: true });
  await t.createUser('once@example.com', password);
  rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  await signInWithPassword(ua, rp, redirectUri, 'once@example.com', password);
});
after(async () => {
  await t.close();
});

async function tokenRequest(params: Record<string, string>) {
  const res = await fetch(`${t.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams(params),
  });
  return { status: res.status, json: (await res.json()) as { error?: string; access_token?: string; refresh_token?: string } };
}

async function userinfoStatus(accessToken: string): Promise<number> {
  return (await fetch(`${t.issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

test(`an authorization code sent in ${PARALLEL} parallel requests yields at most one working set of tokens`, async () => {
  const { auth, page, returned } = await authorize(ua, rp, redirectUri, { scope: 'openid offline_access' });
  assert.ok(returned);
  const code = new URL(page.url).searchParams.get('code')!;
  const results = await Promise.all(
    Array.from({ length: PARALLEL }, () => tokenRequest({ grant_type: 'authorization_code', code, code_verifier: auth.verifier, redirect_uri: redirectUri })),
  );
  const issued = results.filter((r) => r.status === 200);
  assert.ok(issued.length <= 1, `${issued.length} token responses for one code`);
  for (const r of results.filter((x) => x.status !== 200)) assert.equal(r.json.error, 'invalid_grant');
  let working = 0;
  for (const r of issued) if ((await userinfoStatus(r.json.access_token!)) === 200) working++;
  assert.ok(working <= 1);
});

test(`a refresh token sent in ${PARALLEL} parallel requests rotates into at most one live chain`, async () => {
  const { auth, page } = await authorize(ua, rp, redirectUri, { scope: 'openid offline_access' });
  const first = await tokenRequest({ grant_type: 'authorization_code', code: new URL(page.url).searchParams.get('code')!, code_verifier: auth.verifier, redirect_uri: redirectUri });
  assert.equal(first.status, 200);
  const results = await Promise.all(Array.from({ length: PARALLEL }, () => tokenRequest({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token! })));
  for (const r of results.filter((x) => x.status !== 200)) assert.equal(r.json.error, 'invalid_grant');
  // Every refresh token handed out must be usable by at most one party: count the ones that still refresh.
  let live = 0;
  for (const r of results.filter((x) => x.status === 200)) {
    if ((await tokenRequest({ grant_type: 'refresh_token', refresh_token: r.json.refresh_token! })).status === 200) live++;
  }
  assert.ok(live <= 1, `${live} live refresh chains from one refresh token`);
});
