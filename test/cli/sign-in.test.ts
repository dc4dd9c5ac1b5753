import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { cliEnv, type CliEnv } from './harness.ts';
import type { Gatehouse } from '../../src/app.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { startBackchannelReceiver } from '../helpers/backchannel.ts';

let cli: CliEnv;
let gh: Gatehouse;
let receiver: Awaited<ReturnType<typeof startBackchannelReceiver>>;
const redirectUri = 'http://127.0.0.1:9/cb';
// Bypass: these users have no 2FA, and the Adaptive default would suggest enrolling after the password.
const password = 'correct horse battery staple';

before(async () => {
  cli = await cliEnv();
  receiver = await startBackchannelReceiver();
});
after(async () => {
  await gh?.close();
  await receiver.close();
  await cli.cleanup();
});

test('apps and users created by the CLI sign in through a server on the same database; user disable signs them out everywhere', async () => {
  const user = await cli.json(['user', 'create', '--email', 'ada@example.com', '--password', password, '--name', 'Ada']);
  const app = await cli.json(['app', 'create', '--name', 'Expense', '--redirect-uri', redirectUri, '--first-party', '--policy', 'bypass', '--backchannel-logout-uri', receiver.url]);
  const spa = await cli.json(['app', 'create', '--name', 'SPA', '--redirect-uri', redirectUri, '--first-party', '--policy', 'bypass', '--public']);
  gh = await cli.startServer();

  const ua = new UserAgent();
  const rp = await relyingParty(gh.url, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(ua, rp, redirectUri, 'ada@example.com', password);
  const claims = tokens.claims()!;
  assert.equal(claims.sub, user.id);
  assert.equal(claims.name, 'Ada');
  assert.equal(claims.email_verified, true, 'the CLI creates verified users');

  // The public client signs in with PKCE alone, by single sign-on in the same browser.
  const spaRp = await relyingParty(gh.url, spa.clientId);
  const sso = await signInWithPassword(ua, spaRp, redirectUri, 'ada@example.com', password);
  assert.equal(sso.tokens.claims()!.sub, user.id);

  await cli.json(['user', 'disable', '--email', 'ada@example.com']);
  // The CLI's own provider instance signed the logout token the app received.
  const logout = decodeJwt(await receiver.waitFor(1));
  assert.equal(logout.iss, gh.url);
  assert.equal(logout.aud, app.clientId);
  assert.equal(logout.sub, user.id);
  assert.ok((logout.events as Record<string, unknown>)['http://schemas.openid.net/event/backchannel-logout']);
  await assert.rejects(client.fetchUserInfo(rp, tokens.access_token, user.id), 'the access token is revoked');

  // A disabled user cannot sign in again.
  await assert.rejects(signInWithPassword(new UserAgent(), rp, redirectUri, 'ada@example.com', password), /did not return to the app/);
});
