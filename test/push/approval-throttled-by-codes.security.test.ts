import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { PASSWORD, atApp, enrollPushAtSignIn, pushPage } from './support.ts';

// Found by the break-in walk (push approvals). A push approval is a signature from the person's
// device over this sign-in's request and number: like a WebAuthn assertion it guesses at nothing.
// But it is checked under the person's `push` attempt budget (CODE_BUDGET, per person, not per
// source), the same budget the fallback codes use — so someone holding only the password, typing
// wrong codes under "Didn't get a notification?", holds the owner's real approvals back: from 13
// failures on every approval is refused for 15 minutes at a time, and at 100 push is locked.
const clock = new FakeClock();
const cb = 'http://127.0.0.1:9/payroll/cb';
let t: TestGatehouse;
let rp: client.Configuration;

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  rp = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(() => t.close());

test("wrong codes typed by someone with the password do not hold back the owner's push approvals", async () => {
  const email = 'approver@example.com';
  await t.createUser(email, PASSWORD);
  const device = await PushDevice.create(t.issuer, () => clock.now());
  await enrollPushAtSignIn(new UserAgent(), rp, cb, email, device);

  // The attacker: password, then "Didn't get a notification?" with wrong codes, each as soon as the wait allows.
  const attacker = new UserAgent();
  await passwordStep(attacker, rp, cb, email, PASSWORD);
  for (let n = 0; n < 14; n++) {
    const row = await t.gh.deps.db.selectFrom('mfa_attempts').select(['next_allowed_at']).where('scope', '=', 'push').executeTakeFirst();
    if (row) clock.advance(Math.max(0, Number(row.next_allowed_at) - clock.now()));
    const r = await attacker.submit('/mfa', { method: 'push', code: String(100000 + n) });
    assert.equal(r.status, 400, `attempt ${n}: ${r.status}`);
  }
  // Two minutes later (the attacker's own push request has timed out; push is held 15 minutes), the owner signs in and approves on the phone.
  clock.advance(2 * 60_000);
  const owner = new UserAgent();
  const { number } = await pushPage(owner, rp, cb, email);
  const c = await device.nextChallenge();
  assert.equal((await device.answer(c.id, 'approve', number)).status, 200);
  const done = await owner.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url), `the owner's approval was refused (${done.status}): ${/class="error"[^>]*>([^<]*)/.exec(owner.lastBody)?.[1] ?? owner.lastBody.slice(0, 400)}`);
});
