import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { UserAgent } from '../helpers/user-agent.ts';
import { passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { clockBehind } from '../account-security/support.ts';
import { PASSWORD, isTotpChallenge } from '../gate/support.ts';
import { EXPENSE_CB, payrollAndExpense } from './support.ts';
import { signOutEverywhere } from '../../src/flows/sign-out.ts';

// Breaker, 2026-11-30. "A password change, sign-out everywhere or a 2FA change forgets every
// browser" is implemented as known_devices.last_seen_at (ms) >= users.sessions_valid_after, but
// signOutEverywhere() floors sessions_valid_after to the whole second (src/flows/sign-out.ts:31).
// A known browser that completed any sign-in in the same second *before* the cut-off — a thief
// looping password-only sign-ins at an Adaptive app does this every ~100 ms — stays known, and
// noteDevice() then refreshes it past the cut-off for good. Against a running server the thief
// survived "Sign out everywhere" in 2 of 2 tries (offsets .030 s and .850 s into the second).
const clock = clockBehind();
const email = 'ada@example.com';
let t: TestGatehouse;
let expense: client.Configuration;
let person: { userId: string; secret: string };

before(async () => {
  ({ t, expense, person } = await payrollAndExpense(clock, email));
});
after(() => t.close());

/**
 * A thief's browser becomes known (password + code at Expense), signs in again with the password
 * alone 600 ms into a second, and the owner signs out everywhere `after` ms later: is the browser
 * asked for the code at its next sign-in?
 */
async function askedAfterSignOut(after: number): Promise<boolean> {
  const thief = new UserAgent();
  clock.nextStep();
  await passwordStep(thief, expense, EXPENSE_CB, email, PASSWORD);
  await submitCode(thief, EXPENSE_CB, totpCode(person.secret, clock.now()));
  thief.endSession();
  clock.advance(1000 - (clock.now() % 1000) + 600);
  assert.ok((await passwordStep(thief, expense, EXPENSE_CB, email, PASSWORD)).returned, 'known: password alone at Expense');
  thief.endSession();
  clock.advance(after);
  await signOutEverywhere(t.gh.deps, t.gh.provider, person.userId, { reason: 'user_request' });
  clock.advance(5_000);
  const again = await passwordStep(thief, expense, EXPENSE_CB, email, PASSWORD);
  return !again.returned && isTotpChallenge(again.page.body);
}

test('a known browser that signed in earlier in the same second as "sign out everywhere" is forgotten too', async () => {
  assert.ok(await askedAfterSignOut(300), 'the browser survived "sign out everywhere": Expense skipped the second factor on the password alone');
});

test('control: with the sign-out in the next second the browser is forgotten as well', async () => {
  assert.ok(await askedAfterSignOut(500));
});
