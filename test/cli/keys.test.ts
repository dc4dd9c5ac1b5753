import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { cliEnv, type CliEnv } from './harness.ts';
import type { Gatehouse } from '../../src/app.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';

let cli: CliEnv;
let gh: Gatehouse | undefined;
const redirectUri = 'http://127.0.0.1:9/cb';
// Bypass: these users have no 2FA, and the Adaptive default would suggest enrolling after the password.
const password = 'correct horse battery staple';

before(async () => {
  cli = await cliEnv();
});
after(async () => {
  await gh?.close();
  await cli.cleanup();
});

async function signIn(server: Gatehouse, app: { clientId: string; clientSecret: string }): Promise<string> {
  const rp = await relyingParty(server.url, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, 'ada@example.com', password);
  return tokens.id_token!;
}

async function jwks(server: Gatehouse): Promise<JSONWebKeySet> {
  const discovery = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  return (await (await fetch(discovery.jwks_uri)).json()) as JSONWebKeySet;
}

test('keys rotate: after a restart the JWKS lists both keys and new ID tokens carry the new kid', async () => {
  await cli.json(['user', 'create', '--email', 'ada@example.com', '--password', password]);
  const app = await cli.json(['app', 'create', '--name', 'Expense', '--redirect-uri', redirectUri, '--first-party', '--policy', 'bypass']);

  gh = await cli.startServer();
  const oldToken = await signIn(gh, app);
  const oldKid = decodeProtectedHeader(oldToken).kid;
  await gh.close();
  gh = undefined;

  const rotated = await cli.json(['keys', 'rotate']);
  assert.equal(rotated.previousKid, oldKid, 'the key the server signed with was the active one');
  assert.notEqual(rotated.kid, oldKid);

  gh = await cli.startServer();
  const set = await jwks(gh);
  assert.deepEqual(set.keys.map((k) => k.kid).sort(), [oldKid, rotated.kid].sort());
  for (const k of set.keys) assert.equal((k as { d?: string }).d, undefined, 'public keys only');

  const newToken = await signIn(gh, app);
  assert.equal(decodeProtectedHeader(newToken).kid, rotated.kid);
  // Both tokens verify against the published set: the old one until its key leaves it.
  const keys = createLocalJWKSet(set);
  for (const token of [oldToken, newToken]) await jwtVerify(token, keys, { issuer: gh.url, audience: app.clientId });
});
