import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock, parseManualKey, parseRecoveryCodes, totpCode, wrongCode } from '../helpers/mfa.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { PASSWORD, addTotpInSettings, isProofPage, listedMethods, recoveryRemaining, securityUrl, signInToAccount } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;

before(async () => {
  t = await startTestGatehouse({}, { clock });
});
after(async () => {
  await t.close();
});

test('Enable from settings: the password again, the wizard with an authenticator app, ten recovery codes, then the method is listed and emailed', async () => {
  const email = 'enable@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  await signInToAccount(ua, t, email);

  let page = await ua.go(securityUrl(t));
  assert.equal(page.status, 200);
  assert.match(page.body, /Off: apps ask only for your password/);
  assert.match(page.body, /Enable two-step verification/);

  // "Enable" first asks for the password again, although this browser signed in moments ago.
  page = await ua.submit('/account/security/add');
  assert.ok(isProofPage(page), `expected "Confirm it's you", got ${page.url}`);
  assert.match(page.body, /Enter your password to confirm it’s you to set up two-step verification/, 'the proof page says what it is for');
  assert.match(page.body, /type="password"/);
  const wrong = await ua.submit('/account/security/verify', { password: 'not the password' });
  assert.equal(wrong.status, 400);
  assert.ok(isProofPage(wrong));
  assert.equal((await ua.go(`${t.issuer}/account/security/enroll`)).url, securityUrl(t), 'no wizard after a wrong password');

  await ua.go(securityUrl(t));
  await ua.submit('/account/security/add');
  page = await ua.submit('/account/security/verify', { password: PASSWORD });
  assert.equal(page.url, `${t.issuer}/account/security/enroll`);
  assert.match(page.body, /Protect your account with two-step verification/, 'first: what 2FA is');
  assert.ok(!/Step \d/.test(page.body), 'the why is not a step');

  page = await ua.submit('/enroll/start');
  assert.match(page.body, /Step 1 of 3<\/p><h1>Choose how to verify/, 'choose, set up, recovery codes: three steps');
  page = await ua.submit('/enroll/choose', { method: 'totp' });
  assert.match(page.body, /Step 2 of 3<\/p><h1>Set up your authenticator app/);
  assert.match(page.body, /Set up your authenticator app/);
  assert.match(page.body, /otpauth:\/\/totp\/Gatehouse:enable%40example\.com/);
  const secret = parseManualKey(page.body);
  const bad = await ua.submit('/enroll/confirm', { code: wrongCode(secret, clock.now()) });
  assert.equal(bad.status, 400);
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, user.id), [], 'a wrong code activates nothing');

  page = await ua.submit('/enroll/confirm', { code: totpCode(secret, clock.now()) });
  assert.match(page.body, /Step 3 of 3<\/p><h1>Save your recovery codes/);
  const codes = parseRecoveryCodes(page.body);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  const unchecked = await ua.submit('/enroll/recovery');
  assert.equal(unchecked.status, 400, '"I have stored these codes safely" must be ticked');
  page = await ua.submit('/enroll/recovery', { stored: '1' });
  assert.match(page.body, /Two-step verification is on/);
  assert.match(page.body, /Back to account settings/);
  page = await ua.submit('/enroll/done');
  assert.equal(page.url, `${securityUrl(t)}?done=added`);
  assert.match(page.body, /The method is added\./);
  assert.match(page.body, /On: every app you sign in to with Gatehouse asks for your second step/);

  // Listed with type, name, when added, when last used, and the Default badge.
  const listed = listedMethods(page.body);
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.name, 'Authenticator app');
  assert.ok(listed[0]!.isDefault, 'the first method is the default');
  assert.match(listed[0]!.row, /<span class="muted">Authenticator app<\/span>/, 'its type');
  // When added, and when last used (the confirming code), as "YYYY-MM-DD HH:MM UTC" (the browser's
  // script shows it in local time) and labelled for the phone layout, where the column headings are hidden.
  const day = new Date(clock.now()).toISOString().slice(0, 10);
  const cell = (label: string) => `<td data-label="${label}"><time datetime="${day}T[^"]+" data-local-time[^>]*>${day} \\d\\d:\\d\\d UTC</time></td>`;
  assert.match(listed[0]!.row, new RegExp(cell('Added') + cell('Last used')), listed[0]!.row);
  assert.equal(recoveryRemaining(page.body), 10);

  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === 'A two-step verification method was added');
  assert.match(mail.text, /^ {2}Type: Authenticator app\r?\n {2}Name: “Authenticator app” /m);
  assert.match(mail.text, new RegExp(`${t.issuer}/account/security`));

  const events = await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', user.id).execute();
  assert.ok(events.some((e) => e.event === 'mfa.method.added'));
});

test('a second method is added from "Add a method" after a code from the first one; no new recovery codes', async () => {
  const email = 'second@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  await signInToAccount(ua, t, email);
  const first = await addTotpInSettings(ua, t, clock);

  // The session's proof (the password, a minute ago) was for a person without 2FA: now a code is asked.
  await ua.go(securityUrl(t));
  let page = await ua.submit('/account/security/add');
  assert.ok(isProofPage(page), `expected "Confirm it's you", got ${page.url}`);
  assert.ok(!page.body.includes('type="password"'), 'the password alone no longer proves it');
  assert.match(page.body, /Code from your authenticator app|6-digit/);
  page = await ua.submit('/account/security/verify', { code: totpCode(first.secret, clock.now()) });
  assert.equal(page.url, `${t.issuer}/account/security/enroll`);
  clock.nextStep();
  // Straight to choosing: no second pitch, no "Remind me later"; two steps, as no recovery codes come.
  assert.match(page.body, /<p class="muted" data-testid="wizard-progress">Step 1 of 2<\/p><h1>Choose how to verify<\/h1>/);
  assert.ok(!page.body.includes('/enroll/start"') && !page.body.includes('Protect your account'), 'no intro pitch');
  assert.match(page.body, /<form method="post" action="\/account\/security\/enroll\/cancel" class="wizard-exit">/, 'Cancel');

  page = await ua.submit('/enroll/choose', { method: 'totp' });
  assert.match(page.body, /Step 2 of 2<\/p><h1>Set up your authenticator app/);
  const secret2 = parseManualKey(page.body);
  assert.notEqual(secret2, first.secret);
  page = await ua.submit('/enroll/confirm', { code: totpCode(secret2, clock.now()) });
  assert.match(page.body, /<h1>Authenticator app added<\/h1>/, 'straight to done: the recovery codes stay');
  assert.ok(!page.body.includes('Two-step verification is on') && !/Step \d/.test(page.body), 'it was on already; the outcome is no step');
  page = await ua.submit('/enroll/done');
  assert.equal(listedMethods(page.body).length, 2);
  assert.equal(listedMethods(page.body).filter((m) => m.isDefault).length, 1, 'one default');
  assert.equal(recoveryRemaining(page.body), 10);
  assert.equal((await listActiveMethods(t.gh.deps.db, user.id)).length, 2);
});
