import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { createOrganization } from '../../src/store/organizations.ts';
import { claimDomain, markVerified } from '../../src/store/org-domains.ts';
import { saveCompanyPolicy } from '../../src/policy/company-of.ts';
import { parseCompanyPolicy } from '../../src/policy/company-policy.ts';
import { personWithTotp, isTotpChallenge } from '../gate/support.ts';

// Company policy `rememberDeviceDays` (decision 0013): "How long 'Remember this device' lasts under
// the company policy (0: not offered)". The lifetime is fixed when the cookie is made; afterwards the
// engine only asks whether the policy is 0. A company that shortens it — say from 30 days to 1 after
// an incident, or whose domain is verified after its people remembered their browsers for the default
// 30 days — keeps skipping the second factor on those browsers for up to 30 days: a password is all
// it takes there, well past what the company now allows.
const PASSWORD = 'correct horse battery staple';
const CB = 'http://127.0.0.1:9/payroll/cb';
const DAY = 24 * 3600 * 1000;
const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
let orgId: string;

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Payroll', redirectUris: [CB], policy: 'required' });
  payroll = await relyingParty(t.issuer, a.clientId, a.clientSecret);
  const { db, random } = t.gh.deps;
  const org = await createOrganization(db, clock, random, 'Careful Corp');
  orgId = org.id;
  await claimDomain(db, clock, random, org.id, 'careful.example');
  await markVerified(db, clock, org.id, 'careful.example', 'admin');
  await saveCompanyPolicy(db, org.id, parseCompanyPolicy({ rememberDeviceDays: 30 }));
});
after(() => t.close());

test('a remembered browser stops skipping the second factor once it is older than the company now allows', async () => {
  const email = 'ada@careful.example';
  const person = await personWithTotp(t, payroll, CB, email, clock);
  const laptop = new UserAgent();
  await passwordStep(laptop, payroll, CB, email, PASSWORD);
  const done = await submitCode(laptop, CB, totpCode(person.secret, clock.now()), { remember: '1' });
  assert.ok(done.url.startsWith(CB));
  laptop.endSession({ rememberedToo: true });
  assert.ok((await passwordStep(laptop, payroll, CB, email, PASSWORD)).returned, 'remembered: the password is enough');
  laptop.endSession({ rememberedToo: true });

  // The company now allows one day; two days pass.
  await saveCompanyPolicy(t.gh.deps.db, orgId, parseCompanyPolicy({ rememberDeviceDays: 1 }));
  clock.advance(2 * DAY);
  const later = await passwordStep(laptop, payroll, CB, email, PASSWORD);
  assert.ok(!later.returned, 'a 2-day-old remembered browser skipped the second factor under a 1-day company policy');
  assert.ok(isTotpChallenge(later.page.body));
});
