import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { verifiedCompany } from '../helpers/company.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { passwordStep } from '../helpers/mfa.ts';
import { clockBehind } from '../account-security/support.ts';
import { signOutEverywhere } from '../../src/flows/sign-out.ts';

// The company's new-device mail (decision 0014) goes out when noteDevice says the browser is new:
// "Returns true when the person had never completed a sign-in on this browser (since their browsers
// were last forgotten)". Sign-out everywhere (and a password change, a removed method) forgets every
// browser by `sessions_valid_after` — but noteDevice looks only for a row, whatever its age. So the
// browser the owner just cut off (the shared PC, the ex's laptop) signs in again with the password
// and the owner, who is watching for exactly that, is not told.
const PASSWORD = 'correct horse battery staple';
const DIRECTORY_CB = 'http://127.0.0.1:9/directory/cb';
const clock = clockBehind();
let t: TestGatehouse;
let directory: client.Configuration;

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const d = await t.createApp({ name: 'Directory', redirectUris: [DIRECTORY_CB], policy: 'bypass' });
  directory = await relyingParty(t.issuer, d.clientId, d.clientSecret);
  await verifiedCompany(t, 'Watchful Corp', 'watchful.example', { newDeviceEmail: true });
});
after(() => t.close());

const newDeviceMails = (email: string) => t.smtp.mails.filter((m) => m.to.includes(email) && /device you have not used before/.test(m.subject));
test('after "sign out everywhere", the next sign-in from a forgotten browser is mailed as a new device again', async () => {
  const email = 'ada@watchful.example';
  const { id } = await t.createUser(email, PASSWORD);
  const shared = new UserAgent();
  assert.ok((await passwordStep(shared, directory, DIRECTORY_CB, email, PASSWORD)).returned);
  await t.smtp.waitFor(() => newDeviceMails(email).length === 1);
  shared.endSession();

  clock.advance(2_000);
  await signOutEverywhere(t.gh.deps, t.gh.provider, id, { reason: 'user_request' });
  clock.advance(2_000);

  assert.ok((await passwordStep(shared, directory, DIRECTORY_CB, email, PASSWORD)).returned);
  // Delivery is awaited in the sign-in (noticeNewDevice), so a mail would be there by now.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(newDeviceMails(email).length, 2, 'the forgotten browser signed in again and the owner was not told');
});
