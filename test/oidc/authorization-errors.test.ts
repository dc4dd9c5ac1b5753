import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';

let t: TestGatehouse;
let app: { clientId: string; clientSecret?: string };
let rp: client.Configuration;
const redirectUri = 'http://127.0.0.1:9/cb';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

before(async () => {
  t = await startTestGatehouse();
  app = await t.createApp({ redirectUris: [redirectUri] });
  rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
});
after(async () => {
  await t.close();
});

async function authorizationUrl(params: Record<string, string | undefined>): Promise<string> {
  const verifier = client.randomPKCECodeVerifier();
  const all: Record<string, string | undefined> = {
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid',
    state: 'st-1',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...params,
  };
  const url = new URL(`${t.issuer}/authorize`);
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

/** Requests the URL as a browser would and expects Gatehouse's own error page: no redirect, no stack trace. */
async function expectErrorPage(url: string, code: string) {
  const res = await new UserAgent().fetch(url, { headers: { accept: BROWSER_ACCEPT } });
  const body = await res.text();
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null, 'never a redirect');
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.ok(res.headers.get('content-security-policy'), 'the page headers');
  assert.ok(body.includes(`<code>${code}</code>`), `shows the code ${code}`);
  assert.doesNotMatch(body, /\n\s+at .*:\d+:\d+/, 'no stack trace');
  assert.doesNotMatch(body, /evil\.example/, 'the bad redirect target is not offered as a link');
}

/** Expects the error to be sent to the app's registered redirect_uri (RFC 6749 §4.1.2.1) with iss (RFC 9207). */
async function expectErrorRedirect(url: string, code: string) {
  const res = await new UserAgent().fetch(url, { headers: { accept: BROWSER_ACCEPT } });
  assert.ok(res.status === 302 || res.status === 303, `redirect expected, got ${res.status}`);
  const location = new URL(res.headers.get('location')!);
  assert.equal(location.origin + location.pathname, redirectUri);
  // An error for response_type=token goes in the fragment, that response type's default mode.
  const params = location.hash ? new URLSearchParams(location.hash.slice(1)) : location.searchParams;
  assert.equal(params.get('error'), code);
  assert.equal(params.get('state'), 'st-1');
  assert.equal(params.get('iss'), t.issuer);
  assert.equal(params.get('code'), null);
}

test('an unregistered redirect_uri gets an error page, never a redirect', async () => {
  await expectErrorPage(await authorizationUrl({ redirect_uri: 'https://evil.example/cb' }), 'invalid_redirect_uri');
  // Exact matching: not a prefix, not another path, not another port.
  for (const near of [`${redirectUri}/extra`, 'http://127.0.0.1:9/cb?x=1', 'http://127.0.0.1:10/cb', 'http://127.0.0.1:9/CB']) {
    const res = await new UserAgent().fetch(await authorizationUrl({ redirect_uri: near }), { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(res.status, 400, near);
    assert.equal(res.headers.get('location'), null, near);
  }
});

test('an unknown client_id gets an error page', async () => {
  await expectErrorPage(await authorizationUrl({ client_id: 'no-such-app' }), 'invalid_client');
});

test('a request without code_challenge is refused: PKCE is required', async () => {
  await expectErrorRedirect(await authorizationUrl({ code_challenge: undefined, code_challenge_method: undefined }), 'invalid_request');
});

test('code_challenge_method=plain is refused', async () => {
  await expectErrorRedirect(await authorizationUrl({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }), 'invalid_request');
});

test('an unknown resource is invalid_target', async () => {
  await expectErrorRedirect(await authorizationUrl({ resource: 'https://unknown-api.example.com' }), 'invalid_target');
});

test('response_type other than code is refused', async () => {
  await expectErrorRedirect(await authorizationUrl({ response_type: 'token' }), 'unsupported_response_type');
});
