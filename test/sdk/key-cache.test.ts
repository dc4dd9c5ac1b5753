import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { checkAccess, requireAuthentication } from '../../packages/sdk/src/index.ts';
import { expressGuard } from '../../packages/sdk/src/express.ts';

// A stand-in Gatehouse that counts what the SDK fetches: discovery and keys are fetched once and
// shared by every request, not once per token.

let server: Server;
let issuer: string;
let privateKey: CryptoKey;
const fetched = { discovery: 0, jwks: 0 };
const audience = 'https://api.example.com';

before(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      fetched.discovery++;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    }
    if (req.url === '/jwks') {
      fetched.jwks++;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const token = (kid = 'k1') => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'u', client_id: 'c', jti: `j${Math.random()}` })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(privateKey);
};

test('discovery and keys are fetched once for many requests, and a burst of unknown kids refetches at most once', async () => {
  const options = { issuer, audience };
  const results = await Promise.all(Array.from({ length: 10 }, async () => checkAccess(`Bearer ${await token()}`, requireAuthentication(), options)));
  assert.ok(results.every((r) => r.ok));
  assert.ok((await checkAccess(`Bearer ${await token()}`, requireAuthentication(), options)).ok);
  assert.deepEqual(fetched, { discovery: 1, jwks: 1 });
  for (let i = 0; i < 5; i++) {
    const r = await checkAccess(`Bearer ${await token(`forged-${i}`)}`, requireAuthentication(), options);
    assert.equal(r.ok ? 'ok' : r.body?.error, 'invalid_token');
  }
  assert.ok(fetched.jwks <= 2, `keys fetched ${fetched.jwks} times`);
});

test('Express: Gatehouse out of reach goes to the error handler (5xx), never invalid_token', async () => {
  const app = express();
  app.set('env', 'test'); // Express's default error handler would print the stack otherwise
  app.get('/x', expressGuard({ issuer, audience, jwksUri: `${issuer}/gatehouse-is-down` }), (_req, res) => void res.json({}));
  const api = createServer(app);
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(api.address() as AddressInfo).port}/x`, { headers: { authorization: `Bearer ${await token()}` } });
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('www-authenticate'), null);
  } finally {
    await new Promise<void>((resolve) => api.close(() => resolve()));
  }
});
