import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { createTestStore, startTestGatehouse, type TestGatehouse, type TestStore } from '../helpers/gatehouse.ts';
import { freePort } from '../helpers/ports.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { createResourceServer } from '../../src/store/resource-servers.ts';
import { createSigningKey } from '../../src/store/keys.ts';

const redirectUri = 'http://127.0.0.1:9/cb';
const password = 'correct horse battery staple';
const api = 'https://rotation-api.example.com';
let store: TestStore;
const running: TestGatehouse[] = [];

after(async () => {
  for (const t of running) await t.close().catch(() => {});
  await store?.drop();
});

async function jwks(issuer: string): Promise<JSONWebKeySet> {
  return (await (await fetch(`${issuer}/jwks`)).json()) as JSONWebKeySet;
}

test('a rotated signing key signs new tokens; the old key stays published so earlier tokens still verify', async () => {
  store = await createTestStore();
  const env = { PORT: String(await freePort()), GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex') };
  const first = await startTestGatehouse(env, { store });
  running.push(first);
  const app = await first.createApp({ redirectUris: [redirectUri] });
  await first.createUser('keys@example.com', password);
  await createResourceServer(first.gh.deps.db, first.gh.deps.clock, { identifier: api, name: 'API', scopes: 'read' });
  const rp = await relyingParty(first.issuer, app.clientId, app.clientSecret);
  const before = (await signInWithPassword(new UserAgent(), rp, redirectUri, 'keys@example.com', password)).tokens;
  const oldKid = decodeProtectedHeader(before.id_token!).kid!;
  assert.deepEqual((await jwks(first.issuer)).keys.map((k) => k.kid), [oldKid]);

  const newKid = await createSigningKey(first.gh.deps.db, first.gh.deps.box, first.gh.deps.clock);
  assert.notEqual(newKid, oldKid);
  running.pop();
  await first.close();
  const second = await startTestGatehouse(env, { store });
  running.push(second);

  const published = await jwks(second.issuer);
  assert.deepEqual(published.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort(), 'both keys are published');
  for (const k of published.keys) assert.equal((k as { d?: string }).d, undefined);

  const rp2 = await relyingParty(second.issuer, app.clientId, app.clientSecret);
  const after = (await signInWithPassword(new UserAgent(), rp2, redirectUri, 'keys@example.com', password, { resource: api, scope: 'openid read' })).tokens;
  assert.equal(decodeProtectedHeader(after.id_token!).kid, newKid, 'ID tokens are signed with the new key');
  assert.equal(decodeProtectedHeader(after.access_token).kid, newKid, 'so are JWT access tokens');

  const keySet = createLocalJWKSet(published);
  const old = await jwtVerify(before.id_token!, keySet, { issuer: second.issuer, audience: app.clientId });
  assert.equal(old.protectedHeader.kid, oldKid);
  await jwtVerify(after.id_token!, keySet, { issuer: second.issuer, audience: app.clientId });
});
