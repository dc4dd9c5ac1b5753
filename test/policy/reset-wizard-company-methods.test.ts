import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { verifiedCompany } from '../helpers/company.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, passwordStep, submitCode } from '../helpers/mfa.ts';

// Found by the break-in walk: after "Reset two-step verification" with a recovery code, the wizard
// inside the sign-in offered every kind of method, the company's excluded ones included (the gate then
// asked for an allowed one anyway). It offers what the company allows, as the first enrollment does.
const PASSWORD = 'correct horse battery staple';
const CB = 'http://127.0.0.1:9/payroll/cb';
const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Payroll', redirectUris: [CB], policy: 'required' });
  payroll = await relyingParty(t.issuer, a.clientId, a.clientSecret);
  await verifiedCompany(t, 'No Push Corp', 'nopush.example', { secondFactor: 'required', allowedMethods: ['totp', 'webauthn'] });
});
after(() => t.close());

const offered = (body: string) => [...body.matchAll(/name="method" value="([^"]+)"/g)].map((m) => m[1]!).sort();

test('the wizard after a reset with a recovery code offers only the methods the company allows', async () => {
  const email = 'ada@nopush.example';
  await t.createUser(email, PASSWORD);
  const first = new UserAgent();
  const { page: start } = await passwordStep(first, payroll, CB, email, PASSWORD);
  assert.match(start.url, /\/enroll$/);
  await first.submit('/enroll/start');
  assert.deepEqual(offered(first.lastBody), ['passkey', 'security-key', 'totp'], 'the first enrollment offers the allowed kinds');
  const { recoveryCodes } = await enrollTotp(new UserAgent(), payroll, CB, email, PASSWORD, clock);

  const ua = new UserAgent();
  const { page } = await passwordStep(ua, payroll, CB, email, PASSWORD);
  await ua.go(new URL('?method=recovery', page.url).href);
  await submitCode(ua, CB, recoveryCodes[0]!);
  const wizard = await ua.submit('/recovered/reset');
  assert.match(wizard.body, /Choose how to verify/);
  assert.deepEqual(offered(wizard.body), ['passkey', 'security-key', 'totp']);
});
