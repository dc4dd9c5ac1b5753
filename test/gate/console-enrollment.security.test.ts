// "enrolled:<session uid>" evidence outlives the method it was recorded for, so a
// password-only session keeps Account settings open after the person turned 2FA on.
// SECURITY.md: "Account settings are an application with a Required rule for people who have 2FA";
// threat model: "a password-only session from a Bypass app leads into the challenge".
// Found by the attacker's walk of the gate; fails before the enrollment evidence was bound to the credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { addTotpInSettings, confirmWithCode, postSettings, signInToAccount, securityUrl } from '../account-security/support.ts';
import { PASSWORD } from '../account-security/support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
before(async () => {
  t = await startTestGatehouse({}, { clock });
  // A Required app exists (so the last method cannot simply be removed; the attacker uses "Reset").
  await t.createApp({ name: 'Payroll', redirectUris: ['http://127.0.0.1:9/cb'], policy: 'required' });
});
after(() => t.close());

test('a password-only session that once enrolled (and then reset) a method keeps /account after the owner turns 2FA on', async () => {
  const email = 'owner@example.com';
  await t.createUser(email, PASSWORD);

  // 1. While the owner has no 2FA, the password holder signs in (password only) and enrolls a TOTP of their own ...
  const attacker = new UserAgent();
  await signInToAccount(attacker, t, email);
  const mine = await addTotpInSettings(attacker, t, clock);
  // ... then resets 2FA (fresh proof with their own code): every method is gone, this session is kept.
  await confirmWithCode(attacker, t, mine.secret, clock);
  const reset = await postSettings(attacker, t, '/account/security/reset', { confirm: '1' });
  assert.equal(reset.location, '/account/security/reset/done', `reset went through (${reset.status})`);
  // (the attacker simply leaves the wizard)

  // 2. The owner turns 2FA on in their own browser.
  const owner = new UserAgent();
  await signInToAccount(owner, t, email);
  await addTotpInSettings(owner, t, clock);

  // Control: a new password-only session is sent to the challenge, as it should.
  const fresh = new UserAgent();
  await signInToAccount(fresh, t, email).catch(() => undefined);
  assert.match(fresh.lastUrl, /\/interaction\//, 'control: a new password-only session is challenged');

  // 3. The attacker's password-only session, hours later.
  clock.advance(6 * 3600_000);
  const page = await attacker.go(securityUrl(t));
  assert.match(page.url, /\/interaction\//, `the attacker's one-factor session is still in Account settings: ${page.url} (${page.status}), methods listed: ${[...page.body.matchAll(/<tr data-method="([^"]+)"/g)].length}`);
});
