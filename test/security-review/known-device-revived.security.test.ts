import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { UserAgent } from '../helpers/user-agent.ts';
import { passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { clockBehind } from '../account-security/support.ts';
import { CALLBACKS, PASSWORD, isTotpChallenge, personWithTotp } from '../gate/support.ts';
import { signOutEverywhere } from '../../src/flows/sign-out.ts';

// Decision 0013/0014 and commit 3b41298: "a password change, sign-out everywhere or a 2FA change
// forgets every browser" — for those, by `known_devices.last_seen_at >= sessions_valid_after`
// (knownDeviceCount). But a browser that completes a *password-only* sign-in (a Bypass app) is noted
// again (noteDevice): its row keeps `two_factor = 1` and gets a new `last_seen_at`, past the cut-off.
// So a browser the owner meant to forget — the ex's laptop, the shared family PC — becomes known
// again with the password alone, and Adaptive apps skip the second factor there: only the password.
const EXPENSE_CB = 'http://127.0.0.1:9/expense/cb';
// Behind the real clock: sessions signed in after "sign out everywhere" stay valid for oidc-provider.
const clock = clockBehind();
let t: TestGatehouse;
let required: client.Configuration;
let directory: client.Configuration;
let expense: client.Configuration;
let person: { userId: string; secret: string };
const email = 'ada@example.com';

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const r = await t.createApp({ name: 'Payroll', redirectUris: [CALLBACKS.required], policy: 'required' });
  const b = await t.createApp({ name: 'Directory', redirectUris: [CALLBACKS.bypass], policy: 'bypass' });
  const e = await t.createApp({ name: 'Expense', redirectUris: [EXPENSE_CB], policy: 'adaptive' });
  required = await relyingParty(t.issuer, r.clientId, r.clientSecret);
  directory = await relyingParty(t.issuer, b.clientId, b.clientSecret);
  expense = await relyingParty(t.issuer, e.clientId, e.clientSecret);
  person = await personWithTotp(t, required, CALLBACKS.required, email, clock);
});
after(() => t.close());

test('after "sign out everywhere", a password-only sign-in at a Bypass app does not make a forgotten browser known again', async () => {
  // The shared PC once completed a two-factor sign-in: it is known, Expense skips the code there.
  const shared = new UserAgent();
  await passwordStep(shared, expense, EXPENSE_CB, email, PASSWORD);
  await submitCode(shared, EXPENSE_CB, totpCode(person.secret, clock.now()));
  shared.endSession();
  assert.ok((await passwordStep(shared, expense, EXPENSE_CB, email, PASSWORD)).returned, 'known: the password is enough at Expense');
  shared.endSession();

  // The owner signs out everywhere: every browser is forgotten.
  clock.advance(2_000);
  await signOutEverywhere(t.gh.deps, t.gh.provider, person.userId, { reason: 'user_request' });
  clock.advance(2_000);
  const asked = await passwordStep(shared, expense, EXPENSE_CB, email, PASSWORD);
  assert.ok(!asked.returned && isTotpChallenge(asked.page.body), 'forgotten: Expense asks for the second factor again');
  shared.endSession();

  // Someone at the shared PC who knows only the password signs in to a Bypass app…
  assert.ok((await passwordStep(shared, directory, CALLBACKS.bypass, email, PASSWORD)).returned, 'Directory (Bypass) needs the password only');
  shared.endSession();
  clock.advance(2_000);

  // …and the forgotten browser must still be forgotten.
  const again = await passwordStep(shared, expense, EXPENSE_CB, email, PASSWORD);
  assert.ok(!again.returned, 'a password-only sign-in made the forgotten browser known again: Expense skipped the second factor');
  assert.ok(isTotpChallenge(again.page.body));
});
