import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, remoteJwks, signInWithPassword } from '../helpers/oidc-client.ts';
import { ACR } from '../../src/oidc/acr.ts';

let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

test('discovery advertises the issuer, its endpoints and the DESIGN.md contract', async () => {
  const res = await fetch(`${t.issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const d = (await res.json()) as Record<string, unknown>;
  assert.equal(d.issuer, t.issuer);
  for (const [name, path] of Object.entries({
    authorization_endpoint: '/authorize',
    token_endpoint: '/token',
    userinfo_endpoint: '/userinfo',
    jwks_uri: '/jwks',
    end_session_endpoint: '/logout',
    introspection_endpoint: '/introspect',
    revocation_endpoint: '/revoke',
  })) {
    assert.equal(d[name], t.issuer + path, name);
  }
  assert.deepEqual(d.code_challenge_methods_supported, ['S256'], 'PKCE S256 only');
  assert.deepEqual([...(d.acr_values_supported as string[])].sort(), Object.values(ACR).sort());
  assert.equal(d.authorization_response_iss_parameter_supported, true, 'RFC 9207');
  assert.deepEqual(d.id_token_signing_alg_values_supported, ['ES256']);
  assert.deepEqual(d.response_types_supported, ['code']);
  assert.equal(d.backchannel_logout_supported, true);
  assert.equal(d.backchannel_logout_session_supported, true);
  for (const claim of ['acr', 'amr', 'auth_time']) assert.ok((d.claims_supported as string[]).includes(claim), claim);
});

test('the JWKS publishes ES256 public keys only, each with a kid', async () => {
  const res = await fetch(`${t.issuer}/jwks`);
  assert.equal(res.status, 200);
  const { keys } = (await res.json()) as { keys: Array<Record<string, unknown>> };
  assert.ok(keys.length >= 1);
  for (const k of keys) {
    assert.equal(k.kty, 'EC');
    assert.equal(k.crv, 'P-256');
    assert.equal(k.alg, 'ES256');
    assert.equal(k.use, 'sig');
    assert.equal(typeof k.kid, 'string');
    assert.equal(k.d, undefined, 'no private key material');
  }
});

test('an ID token verifies against the JWKS with jose', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  await t.createUser('jwks@example.com', 'correct horse battery staple');
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, 'jwks@example.com', 'correct horse battery staple');
  const idToken = tokens.id_token!;
  const header = decodeProtectedHeader(idToken);
  assert.equal(header.alg, 'ES256');
  assert.equal(typeof header.kid, 'string');
  const { keys } = (await (await fetch(`${t.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
  assert.ok(keys.some((k) => k.kid === header.kid), 'the signing key is published');
  const { payload } = await jwtVerify(idToken, remoteJwks(rp), { issuer: t.issuer, audience: app.clientId, algorithms: ['ES256'] });
  assert.equal(payload.acr, ACR.singleFactor);
  assert.deepEqual(payload.amr, ['pwd']);
  assert.equal(typeof payload.auth_time, 'number');
});
