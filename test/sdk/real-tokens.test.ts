import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, passwordStep, signInWithTotp, submitCode, totpCode } from '../helpers/mfa.ts';
import { createResourceServer } from '../../src/store/resource-servers.ts';
import { ACR, ACR_ORDER, stepUpParams, type VerifyOptions } from '../../packages/sdk/src/index.ts';
import { BANK_DETAILS, expressApi, fastifyApi, plainApi, type RunningApi } from './apis.ts';
import { callApi } from './support.ts';

// The SDK against access tokens from a running Gatehouse: each API (Express, Fastify, plain) is
// called by oauth4webapi, the client library under openid-client, which parses its challenges.

const PASSWORD = 'correct horse battery staple';
const RESOURCE = 'https://payroll-api.example.com';
const FOR_API = { resource: RESOURCE, scope: 'openid payroll:read' };
const cb = { payroll: 'http://127.0.0.1:9/payroll/cb', directory: 'http://127.0.0.1:9/directory/cb' };
const clock = new FakeClock();

let t: TestGatehouse;
let payroll: client.Configuration;
let directory: client.Configuration;
let apis: RunningApi[];
/** Seconds the APIs' clock runs ahead of the real one (a token grows old without a wait). */
let apiAhead = 0;
let person: { id: string; secret: string; ua: UserAgent; oneFactor: string; multiFactor: string };

before(async () => {
  t = await startTestGatehouse({}, { clock });
  await createResourceServer(t.gh.deps.db, t.gh.deps.clock, { identifier: RESOURCE, name: 'Payroll API', scopes: 'payroll:read payroll:write' });
  const p = await t.createApp({ name: 'Payroll', redirectUris: [cb.payroll], policy: 'required' });
  const d = await t.createApp({ name: 'Directory', redirectUris: [cb.directory], policy: 'bypass' });
  payroll = await relyingParty(t.issuer, p.clientId, p.clientSecret);
  directory = await relyingParty(t.issuer, d.clientId, d.clientSecret);

  // Keys found through discovery, as an API configured with only the issuer does.
  const options: VerifyOptions = { issuer: t.issuer, audience: RESOURCE, now: () => Date.now() + apiAhead * 1000 };
  apis = [await expressApi(options), await fastifyApi(options), await plainApi(options)];

  const email = 'ada@example.com';
  const { id } = await t.createUser(email, PASSWORD);
  const { secret } = await enrollTotp(new UserAgent(), payroll, cb.payroll, email, PASSWORD, clock);
  clock.nextStep();
  // Directory is Bypass: the password alone.
  const ua = new UserAgent();
  const first = await passwordStep(ua, directory, cb.directory, email, PASSWORD, FOR_API);
  assert.ok(first.returned, 'Directory signs in with the password alone');
  const oneFactor = (await finish(directory, first.auth, first.page.url)).tokens.access_token;
  // Payroll is Required: password and a code.
  const multiFactor = (await signInWithTotp(new UserAgent(), payroll, cb.payroll, email, PASSWORD, secret, clock, FOR_API)).tokens.access_token;
  clock.nextStep();
  person = { id, secret, ua, oneFactor, multiFactor };
});

after(async () => {
  for (const api of apis ?? []) await api.close();
  await t?.close();
});

test("Gatehouse advertises exactly the SDK's acr values", async () => {
  const metadata = (await (await fetch(`${t.issuer}/.well-known/openid-configuration`)).json()) as { acr_values_supported: string[] };
  assert.deepEqual([...metadata.acr_values_supported].sort(), [...ACR_ORDER].sort());
});

test('any valid sign-in reads the payslips; the claims reach the handler', async () => {
  for (const api of apis) {
    for (const [token, acr] of [[person.oneFactor, ACR.singleFactor], [person.multiFactor, ACR.multiFactor]] as const) {
      assert.deepEqual(await callApi(`${api.url}/payslips`, token), { status: 200, body: { sub: person.id, acr } }, api.name);
    }
  }
});

test('no token: a bare Bearer challenge; an ID token or a forged one: invalid_token', async () => {
  const idToken = (await signInWithTotp(new UserAgent(), payroll, cb.payroll, 'ada@example.com', PASSWORD, person.secret, clock)).tokens.id_token!;
  clock.nextStep();
  const [h, p] = person.multiFactor.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), acr: ACR.phishingResistant })).toString('base64url')}.${person.multiFactor.split('.')[2]}`;
  for (const api of apis) {
    const none = await fetch(`${api.url}/payslips`);
    assert.equal(none.status, 401, api.name);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer', api.name);
    for (const [what, token] of [['ID token', idToken], ['forged acr', forged]]) {
      const r = await callApi(`${api.url}/bank-details`, token!, 'POST');
      assert.ok('challenges' in r, `${api.name}: ${what} refused`);
      assert.equal(r.status, 401);
      assert.equal(r.challenges[0]?.parameters.error, 'invalid_token', `${api.name}: ${what}`);
    }
  }
});

test('a one-factor sign-in is refused by the multi-factor route with the RFC 9470 challenge', async () => {
  for (const api of apis) {
    const r = await callApi(`${api.url}/bank-details`, person.oneFactor, 'POST');
    assert.ok('challenges' in r, `${api.name} refused`);
    assert.equal(r.status, 401);
    assert.deepEqual(r.challenges, [
      {
        scheme: 'bearer',
        parameters: { error: 'insufficient_user_authentication', error_description: 'A stronger sign-in is required', acr_values: ACR.multiFactor, max_age: String(BANK_DETAILS.maxAge) },
      },
    ], api.name);
  }
});

test('a multi-factor sign-in changes the bank details; five minutes later it is too old', async () => {
  for (const api of apis) {
    assert.deepEqual(await callApi(`${api.url}/bank-details`, person.multiFactor, 'POST'), { status: 200, body: { sub: person.id, acr: ACR.multiFactor } }, api.name);
  }
  apiAhead = BANK_DETAILS.maxAge + 60;
  try {
    for (const api of apis) {
      assert.deepEqual(await callApi(`${api.url}/payslips`, person.multiFactor), { status: 200, body: { sub: person.id, acr: ACR.multiFactor } }, `${api.name}: the token itself is still valid`);
      const r = await callApi(`${api.url}/bank-details`, person.multiFactor, 'POST');
      assert.ok('challenges' in r, `${api.name} refused an old sign-in`);
      assert.equal(r.challenges[0]?.parameters.error, 'insufficient_user_authentication');
      assert.equal(r.challenges[0]?.parameters.error_description, 'A more recent sign-in is required');
      assert.equal(r.challenges[0]?.parameters.max_age, String(BANK_DETAILS.maxAge));
    }
  } finally {
    apiAhead = 0;
  }
});

test("the web app turns the API's challenge into a step-up: one code, and the new token changes the bank details", async () => {
  const refused = await callApi(`${apis[0]!.url}/bank-details`, person.oneFactor, 'POST');
  assert.ok('challenges' in refused);
  const params = stepUpParams(refused.challenges, { action: 'change bank details' });
  assert.deepEqual(params, { acr_values: ACR.multiFactor, max_age: '300', gatehouse_action: 'change bank details' });

  // Directory is Bypass, yet a step-up the app asks for is always honoured (DESIGN.md).
  const stepUp = await authorize(person.ua, directory, cb.directory, { ...FOR_API, ...params });
  assert.ok(!stepUp.returned, 'Gatehouse asks before handing out a stronger token');
  assert.match(stepUp.page.body, /change bank details/);
  assert.ok(!stepUp.page.body.includes('name="password"'), 'only the second factor: the password of this session is fresh enough');
  const done = await submitCode(person.ua, cb.directory, totpCode(person.secret, clock.now()));
  assert.ok(done.url.startsWith(cb.directory), `returned to ${done.url}`);
  const stronger = (await finish(directory, stepUp.auth, done.url)).tokens.access_token;
  for (const api of apis) {
    assert.deepEqual(await callApi(`${api.url}/bank-details`, stronger, 'POST'), { status: 200, body: { sub: person.id, acr: ACR.multiFactor } }, api.name);
  }
});
