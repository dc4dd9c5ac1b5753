import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { EMAIL_CODE_ATTEMPTS } from '../../src/flows/enrollment-email-code.ts';
import type { ReceivedMail } from '../helpers/smtp.ts';

// SECURITY.md: "Attempt limits count … across every parallel request … Counters are atomic in the
// store: 200 simultaneous wrong codes are 200 failures, not 1 (Keycloak CVE-2024-4629, AuthQuake)".
// Decision 0014: the first-enrollment email code survives 5 wrong tries. The tries are counted in
// the wizard's state, read at the start of the request and written back at its end: wrong codes
// sent together all read `attempts: 0` and each writes back `attempts: 1`. Someone holding only the
// password can therefore try far more than 5 codes per mailed code (with 5 codes an hour and enough
// parallel requests, the whole 10^6 space), and register their own authenticator.
// On SQLite (better-sqlite3, synchronous) a request without network I/O runs to its end before the
// next one starts, which hides the race; on PostgreSQL — a supported store — it is there:
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test -- test/security-review
const PASSWORD = 'correct horse battery staple';
const CB = 'http://127.0.0.1:9/payroll/cb';
const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;

before(async () => {
  t = await startTestGatehouse({ GATEHOUSE_ENROLLMENT_EMAIL_CODE: '1' }, { clock });
  const a = await t.createApp({ name: 'Payroll', redirectUris: [CB], policy: 'required' });
  payroll = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(() => t.close());

const codeIn = (mail: ReceivedMail) => /^\s+(\d{6})\s*$/m.exec(mail.text)?.[1];

test('wrong email codes sent in parallel are each counted: after more than five, even the right code is refused', async () => {
  const email = 'parallel@example.com';
  const { id } = await t.createUser(email, PASSWORD);
  const thief = new UserAgent();
  const { page } = await passwordStep(thief, payroll, CB, email, PASSWORD);
  assert.match(page.url, /\/enroll$/);
  await thief.submit('/enroll/start');
  await thief.submit('/enroll/choose', { method: 'totp' });
  assert.match(thief.lastBody, /Check your email/);
  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && /turn on two-step verification/.test(m.subject));
  const right = codeIn(mail)!;

  // The thief does not know the code: 20 different wrong guesses, all at once.
  const form = findForm(thief.lastBody, '/enroll/email');
  const action = new URL(form.action, thief.lastUrl).href;
  const guesses = Array.from({ length: 20 }, (_, i) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'));
  const answers = await Promise.all(guesses.map((code) => thief.fetch(action, { method: 'POST', form: { ...form.hidden, code } })));
  for (const r of answers) assert.notEqual(r.status, 500);

  const failed = await t.gh.deps.db.selectFrom('audit_events').select('id').where('user_id', '=', id).where('event', '=', 'mfa.enrollment.email_code_failed').execute();
  assert.ok(failed.length <= EMAIL_CODE_ATTEMPTS, `${failed.length} guesses were checked against one code, at most ${EMAIL_CODE_ATTEMPTS} may be`);

  // 20 wrong tries > 5: the code must be spent.
  const late = await thief.go(action, { method: 'POST', form: { ...form.hidden, code: right } });
  assert.doesNotMatch(late.body, /data-testid="totp-secret"/, `more than ${EMAIL_CODE_ATTEMPTS} guesses were allowed against one code: the TOTP secret is handed out`);
  assert.equal(late.status, 400);
});
