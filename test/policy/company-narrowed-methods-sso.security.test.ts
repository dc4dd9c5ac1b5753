import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, buildAuthorization } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish } from '../helpers/mfa.ts';
import { verifiedCompany } from '../helpers/company.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { createResourceServer } from '../../src/store/resource-servers.ts';

// Found by the break-in walk of issue 9 (2026-11-30, F2). A company that stops accepting a method
// (here: security keys and passkeys only, no grace) takes the proofs of that method out of what counts —
// the gate judges a session's proof by its amr (src/gate/decide.ts `countedProofs`). But the login
// check answered "no need to prompt" for a Bypass app before reading anything, and a satisfied
// decision at any app let the session's own acr through: a browser that proved an authenticator-app
// code before the change signed in to a Bypass app by single sign-on with acr multi-factor and amr
// otp, and an API that trusts `acr` (Payroll's "change bank details", through the SDK) accepted the
// access token. Today the login is given again with what counts: the password.
const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
const API = 'https://payroll.narrowing.example/api';
const cb = { payroll: 'http://127.0.0.1:9/payroll/cb', directory: 'http://127.0.0.1:9/directory/cb' };
let t: TestGatehouse;
let payroll: client.Configuration;
let directory: client.Configuration;
let company: Awaited<ReturnType<typeof verifiedCompany>>;

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const p = await t.createApp({ name: 'Payroll', redirectUris: [cb.payroll], policy: 'required' });
  payroll = await relyingParty(t.issuer, p.clientId, p.clientSecret);
  const d = await t.createApp({ name: 'Directory', redirectUris: [cb.directory], policy: 'bypass' });
  directory = await relyingParty(t.issuer, d.clientId, d.clientSecret);
  await createResourceServer(t.gh.deps.db, t.gh.deps.clock, { identifier: API, name: 'Payroll API', scopes: 'payroll:bank-details' });
  company = await verifiedCompany(t, 'Narrowing Company', 'narrowing.example', { secondFactor: 'required', graceUntil: null });
});
after(() => t.close());

async function ssoTo(ua: UserAgent, rp: client.Configuration, redirectUri: string, extra: Record<string, string> = {}) {
  const auth = await buildAuthorization(rp, redirectUri, extra);
  const page = await ua.go(auth.url.href, {}, (u) => u.startsWith(redirectUri));
  assert.ok(page.url.startsWith(redirectUri), `signed in by single sign-on (at ${page.url})`);
  return finish(rp, auth, page.url);
}

test('after the company stops accepting authenticator-app codes, a session proven with one gives a Bypass app the password only, not multi-factor', async () => {
  const email = 'ada@narrowing.example';
  await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  const { claims: first } = await enrollTotp(ua, payroll, cb.payroll, email, PASSWORD, clock);
  assert.equal(first.acr, ACR.multiFactor);

  // Before the change, the Bypass app gets what the session proved.
  const before = await ssoTo(ua, directory, cb.directory);
  assert.equal(before.claims.acr, ACR.multiFactor);

  await company.setPolicy({ secondFactor: 'required', graceUntil: null, allowedMethods: ['webauthn'] });
  // Asked with a token for Payroll's API, as the breaker did: an API that trusts `acr` reads it.
  const after = await ssoTo(ua, directory, cb.directory, { resource: API, scope: 'openid payroll:bank-details' });
  assert.equal(after.claims.acr, ACR.singleFactor, 'the code no longer counts: the password alone');
  assert.deepEqual(after.claims.amr, ['pwd']);
  assert.equal(after.claims.auth_time, before.claims.auth_time, 'nothing was proven again: auth_time stays');
  // The access token says the same (RFC 9068, what an API reads).
  const access = JSON.parse(Buffer.from(after.tokens.access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  assert.equal(access.aud, API);
  assert.equal(access.acr, ACR.singleFactor);
  assert.deepEqual(access.amr, ['pwd']);

  // The Required app still asks (a security key or passkey now), and the Bypass app keeps getting the password only.
  const auth = await buildAuthorization(payroll, cb.payroll);
  const page = await ua.go(auth.url.href, {}, (u) => u.startsWith(cb.payroll));
  assert.match(page.url, /\/interaction\//);
  assert.equal((await ssoTo(ua, directory, cb.directory)).claims.acr, ACR.singleFactor);
});

test('a Bypass app still signs in a multi-factor session of a person whose company accepts its method, reading nothing more', async () => {
  const email = 'bob@narrowing-free.example';
  await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  await enrollTotp(ua, payroll, cb.payroll, email, PASSWORD, clock);
  const { claims } = await ssoTo(ua, directory, cb.directory);
  assert.equal(claims.acr, ACR.multiFactor);
  assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
});
