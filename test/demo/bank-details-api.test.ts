import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { freePort } from '../helpers/ports.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { startDemo, type Demo } from '../../src/demo/index.ts';
import { DEMO_APPS } from '../../src/demo/catalog.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { callApi } from '../sdk/support.ts';

// Payroll's "Change bank details" is enforced by Payroll's own API through @gatehouse/sdk, not by
// the app's pages: called directly, with a token any app can get for it, it answers RFC 9470.

const api = DEMO_APPS.find((a) => a.name === 'Payroll')!.sensitiveAction!.api;
let t: TestGatehouse;
let demo: Demo;

before(async () => {
  t = await startTestGatehouse();
  const seen = new Set<number>();
  while (seen.size < 3) seen.add(await freePort());
  demo = await startDemo(t.gh, { ports: [...seen] as [number, number, number] });
});
after(async () => {
  await demo?.close();
  await t?.close();
});

test("Payroll's API refuses a missing token and a password-only sign-in with the step-up challenge", async () => {
  const endpoint = `${demo.apps.find((a) => a.name === 'Payroll')!.url}${api.path}`;
  const none = await fetch(endpoint, { method: 'POST' });
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer');

  const redirectUri = 'http://127.0.0.1:9/cb';
  const app = await t.createApp({ redirectUris: [redirectUri], policy: 'bypass' });
  await t.createUser('ivan@example.com', 'correct horse battery staple');
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, 'ivan@example.com', 'correct horse battery staple', { resource: api.resource, scope: `openid ${api.scope}` });
  const refused = await callApi(endpoint, tokens.access_token, 'POST');
  assert.ok('challenges' in refused, 'refused');
  assert.equal(refused.status, 401);
  assert.deepEqual(refused.challenges[0]?.parameters, {
    error: 'insufficient_user_authentication',
    error_description: 'A stronger sign-in is required',
    acr_values: ACR.multiFactor,
    max_age: String(api.maxAge),
  });
});
