import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { ACR, checkAccess, requireAuthentication, verifyAccessToken, AccessRefused, type VerifyOptions } from '../../packages/sdk/src/index.ts';
import { AUDIENCE, ISSUER, clientReads, localIssuer } from './support.ts';

let issuer: Awaited<ReturnType<typeof localIssuer>>;
before(async () => {
  issuer = await localIssuer();
});

const any = requireAuthentication();
const bankDetails = requireAuthentication({ acr: ACR.multiFactor, maxAge: 300 });

async function refusal(authorization: string | undefined, requirement = any, options: Partial<VerifyOptions> = {}) {
  const result = await checkAccess(authorization, requirement, { ...issuer.options, ...options });
  assert.ok(!result.ok, 'expected a refusal');
  return result;
}

test('a request without a token gets a bare Bearer challenge and no error code (RFC 6750 §3.1)', async () => {
  for (const authorization of [undefined, '', 'Basic dXNlcjpwYXNz']) {
    const r = await refusal(authorization);
    assert.equal(r.status, 401);
    assert.equal(r.headers['WWW-Authenticate'], 'Bearer');
    assert.equal(r.body, undefined);
    assert.deepEqual(await clientReads(r.headers['WWW-Authenticate']), [{ scheme: 'bearer', parameters: {} }]);
  }
});

test('a Bearer header that is not one token is invalid_request, 400', async () => {
  for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer "quoted"']) {
    const r = await refusal(authorization);
    assert.equal(r.status, 400, authorization);
    assert.equal(r.body?.error, 'invalid_request');
    assert.equal((await clientReads(r.headers['WWW-Authenticate']))?.[0]?.parameters.error, 'invalid_request');
  }
});

test('tokens that fail a check of RFC 9068 §4 are invalid_token', async () => {
  const { privateKey: otherKey } = await generateKeyPair('ES256');
  const nowS = issuer.nowS;
  const bad: Record<string, string> = {
    garbage: 'not-a-jwt',
    'ID token (typ JWT)': await issuer.mint({}, { typ: 'JWT' }),
    'another audience': await issuer.mint({ aud: 'https://other-api.example.com' }),
    'another issuer': await issuer.mint({ iss: 'https://evil.example.com' }),
    expired: await issuer.mint({ iat: nowS - 1000, exp: nowS - 100 }),
    'no client_id': await issuer.mint({ client_id: undefined }),
    'acr not a string': await issuer.mint({ acr: 2 }),
    'signed by another key': await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'u', client_id: 'c', jti: 'j', iat: nowS, exp: nowS + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .sign(otherKey),
    'alg none': `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'u', client_id: 'c', jti: 'j', iat: nowS, exp: nowS + 60 })).toString('base64url')}.`,
  };
  for (const [name, token] of Object.entries(bad)) {
    const r = await refusal(`Bearer ${token}`);
    assert.equal(r.status, 401, name);
    assert.equal(r.body?.error, 'invalid_token', name);
    const [challenge] = (await clientReads(r.headers['WWW-Authenticate'])) ?? [];
    assert.equal(challenge?.parameters.error, 'invalid_token', name);
  }
  await assert.rejects(verifyAccessToken(bad.expired!, issuer.options), (err: unknown) => err instanceof AccessRefused && err.code === 'invalid_token' && /expired/.test(err.description));
});

test('a valid token passes a route without requirement and its claims come back', async () => {
  const token = await issuer.mint();
  const result = await checkAccess(`bearer ${token}`, any, issuer.options);
  assert.ok(result.ok);
  assert.equal(result.claims.sub, 'user-1');
  assert.equal(result.token, token);
});

test('a one-factor sign-in is refused by a multi-factor route with the RFC 9470 challenge, read the same by oauth4webapi', async () => {
  const r = await refusal(`Bearer ${await issuer.mint()}`, bankDetails);
  assert.equal(r.status, 401);
  assert.equal(r.body?.error, 'insufficient_user_authentication');
  assert.deepEqual(await clientReads(r.headers['WWW-Authenticate']), [
    {
      scheme: 'bearer',
      parameters: { error: 'insufficient_user_authentication', error_description: 'A stronger sign-in is required', acr_values: ACR.multiFactor, max_age: '300' },
    },
  ]);
});

test('acr is compared by rank: phishing-resistant meets multi-factor, multi-factor does not meet phishing-resistant', async () => {
  const phishingResistant = await issuer.mint({ acr: ACR.phishingResistant, amr: ['pwd', 'hwk', 'mfa'] });
  assert.ok((await checkAccess(`Bearer ${phishingResistant}`, bankDetails, issuer.options)).ok);
  const multi = await issuer.mint({ acr: ACR.multiFactor });
  const r = await refusal(`Bearer ${multi}`, requireAuthentication({ acr: ACR.phishingResistant }));
  assert.match(r.headers['WWW-Authenticate'], /acr_values="http:\/\/schemas\.openid\.net\/pape\/policies\/2007\/06\/phishing-resistant"/);
  assert.doesNotMatch(r.headers['WWW-Authenticate'], /max_age/, 'only what the route requires');
});

test('max_age: a sign-in older than allowed (beyond the clock tolerance) is refused; within it passes', async () => {
  const token = await issuer.mint({ acr: ACR.multiFactor, auth_time: issuer.nowS });
  const at = (seconds: number) => ({ now: () => (issuer.nowS + seconds) * 1000 });
  assert.ok((await checkAccess(`Bearer ${token}`, bankDetails, { ...issuer.options, ...at(300) })).ok);
  assert.ok((await checkAccess(`Bearer ${token}`, bankDetails, { ...issuer.options, ...at(305) })).ok, 'default tolerance 5 s');
  const r = await refusal(`Bearer ${token}`, bankDetails, at(306));
  assert.equal(r.body?.error_description, 'A more recent sign-in is required');
  const [challenge] = (await clientReads(r.headers['WWW-Authenticate'])) ?? [];
  assert.equal(challenge?.parameters.max_age, '300');
  assert.equal(challenge?.parameters.acr_values, ACR.multiFactor, 'the whole requirement, so one new sign-in meets all of it');
  await refusal(`Bearer ${token}`, bankDetails, { ...at(301), clockTolerance: 0 });
});

test('a machine token (client credentials: no acr, no auth_time) meets no user requirement', async () => {
  const token = await issuer.mint({ sub: 'app-1', acr: undefined, amr: undefined, auth_time: undefined });
  assert.ok((await checkAccess(`Bearer ${token}`, any, issuer.options)).ok);
  assert.equal((await refusal(`Bearer ${token}`, requireAuthentication({ acr: ACR.singleFactor }))).body?.error, 'insufficient_user_authentication');
  assert.equal((await refusal(`Bearer ${token}`, requireAuthentication({ maxAge: 3600 }))).body?.error, 'insufficient_user_authentication');
});

test('a requirement that cannot be checked is refused when the route is declared', () => {
  assert.throws(() => requireAuthentication({ acr: 'urn:mine' as never }), TypeError);
  assert.throws(() => requireAuthentication({ maxAge: -1 }), TypeError);
  assert.throws(() => requireAuthentication({ maxAge: 1.5 }), TypeError);
});

test("Gatehouse's keys out of reach is an outage, not an invalid token", async () => {
  const token = await issuer.mint();
  await assert.rejects(checkAccess(`Bearer ${token}`, any, { issuer: ISSUER, audience: AUDIENCE, jwksUri: 'http://127.0.0.1:9/jwks' }), (err: unknown) => !(err instanceof AccessRefused));
});
