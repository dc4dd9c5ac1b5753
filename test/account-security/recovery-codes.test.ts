import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, finish, parseRecoveryCodes, passwordStep, submitCode } from '../helpers/mfa.ts';
import { PASSWORD, confirmWithCode, personWithTotp, recoveryRemaining, securityUrl } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
let app: client.Configuration;
const cb = 'http://127.0.0.1:9/expense/cb';
const atApp = (u: string) => u.startsWith(cb);

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Expense', redirectUris: [cb], policy: 'adaptive' });
  app = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(async () => {
  await t.close();
});

/** Signs in to Expense with a recovery code in a new browser; returns the page after the code. */
async function useRecoveryCode(email: string, code: string) {
  const ua = new UserAgent();
  const { auth, page } = await passwordStep(ua, app, cb, email, PASSWORD);
  await ua.go(new URL('?method=recovery', page.url).href);
  return { ua, auth, page: await submitCode(ua, cb, code) };
}

test('"Create new recovery codes": ten new codes shown once, the old ones stop working, the person is emailed', async () => {
  const email = 'codes@example.com';
  const p = await personWithTotp(t, clock, email);
  await confirmWithCode(p.ua, t, p.secret, clock);

  await p.ua.go(securityUrl(t));
  const confirmation = await p.ua.submit('/account/security/recovery-codes');
  assert.equal(confirmation.url, `${t.issuer}/account/security/recovery-codes/confirm`);
  assert.match(confirmation.body, /Your 10 unused recovery codes will stop working\./);
  const shown = await p.ua.submit('/account/security/recovery-codes');
  assert.equal(shown.status, 200);
  assert.match(shown.body, /Save your recovery codes/);
  assert.ok(!/Step \d+ of \d+/.test(shown.body), 'regenerating from settings is not a wizard step');
  const fresh = parseRecoveryCodes(shown.body);
  assert.equal(fresh.length, 10);
  assert.equal(new Set(fresh).size, 10);
  assert.equal(fresh.filter((c) => p.recoveryCodes.includes(c)).length, 0, 'a whole new set');
  assert.match(shown.body, /Back to account settings/);
  const back = await p.ua.submit('/account/security/recovery', { stored: '1' });
  assert.equal(back.url, `${securityUrl(t)}?done=codes`);
  assert.match(back.body, /New recovery codes are created; the old ones no longer work\./);
  assert.equal(recoveryRemaining(back.body), 10);
  assert.ok(!back.body.includes('<ol class="codes"'), 'shown once: the settings never list them');
  assert.ok(!fresh.some((c) => back.body.includes(c)));

  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === 'New recovery codes were created');
  assert.match(mail.text, /The old codes no longer work/);
  assert.ok(!fresh.some((c) => mail.text.includes(c)), 'the codes are not mailed');
  const events = await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', p.user.id).where('event', '=', 'mfa.recovery_codes.regenerated').execute();
  assert.equal(events.length, 1);

  // An old code is refused at sign-in; a new one works.
  const old = await useRecoveryCode(email, p.recoveryCodes[0]!);
  assert.equal(old.page.status, 400);
  assert.match(old.page.body, /That recovery code is not correct or was used already/);
  const used = await useRecoveryCode(email, fresh[0]!);
  assert.match(used.page.body, /You used a recovery code/);
  assert.match(used.page.body, /You have 9 recovery codes left/);
  const done = await used.ua.submit('/recovered/continue', {}, atApp);
  await finish(app, used.auth, done.url);
});

test('the settings show how many recovery codes are left, one fewer after each recovery-code sign-in', async () => {
  const email = 'count@example.com';
  const p = await personWithTotp(t, clock, email);
  assert.equal(recoveryRemaining((await p.ua.go(securityUrl(t))).body), 10);
  for (const [i, code] of p.recoveryCodes.slice(0, 2).entries()) {
    const used = await useRecoveryCode(email, code);
    assert.match(used.page.body, /You used a recovery code/);
    assert.equal(recoveryRemaining((await p.ua.go(securityUrl(t))).body), 9 - i);
  }
  // A used code is refused the second time and the count stays.
  const again = await useRecoveryCode(email, p.recoveryCodes[0]!);
  assert.equal(again.page.status, 400);
  assert.equal(recoveryRemaining((await p.ua.go(securityUrl(t))).body), 8);
});
