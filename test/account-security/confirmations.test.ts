import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { escapeHtml } from '../../src/http/html.ts';
import { translator } from '../../src/i18n/index.ts';
import { isSignInPage } from '../account/support.ts';
import { PASSWORD, addTotpInSettings, confirmWithCode, isProofPage, listedMethods, personWithTotp, postSettings, recoveryRemaining, securityUrl } from './support.ts';

// Issue 7, "Security changes are safe and keep their context": every change that cannot be undone is
// asked once more on a page that says what it does, and "Confirm it's you" carries on to that page.
const tr = translator();
const clock = new FakeClock();
let t: TestGatehouse;
let expense: client.Configuration;
let payroll: client.Configuration;
const cb = { expense: 'http://127.0.0.1:9/expense/cb', payroll: 'http://127.0.0.1:9/payroll/cb' };

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const e = await t.createApp({ name: 'Expense', redirectUris: [cb.expense], policy: 'adaptive' });
  const p = await t.createApp({ name: 'Payroll', redirectUris: [cb.payroll], policy: 'required' });
  expense = await relyingParty(t.issuer, e.clientId, e.clientSecret);
  payroll = await relyingParty(t.issuer, p.clientId, p.clientSecret);
});
after(async () => {
  await t.close();
});

const has = (body: string, message: string) => body.includes(escapeHtml(message));
const removeConfirm = (id: string) => `/account/security/methods/${id}/remove/confirm`;
const CODES_CONFIRM = '/account/security/recovery-codes/confirm';
const RESET_CONFIRM = '/account/security/reset/confirm';

/** Everything the four changes could touch for this person. */
async function snapshot(userId: string) {
  const { db } = t.gh.deps;
  const user = await db.selectFrom('users').select('sessions_valid_after').where('id', '=', userId).executeTakeFirstOrThrow();
  return {
    methods: await db.selectFrom('mfa_methods').select(['id', 'name', 'status', 'is_default']).where('user_id', '=', userId).orderBy('id').execute(),
    codes: await db.selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', userId).orderBy('code_hash').execute(),
    devices: await db.selectFrom('remembered_devices').select('id').where('user_id', '=', userId).orderBy('id').execute(),
    sessions: (await db.selectFrom('oidc_models').select(['id', 'payload']).where('kind', '=', 'Session').where('account_id', '=', userId).orderBy('id').execute()).map((r) => [r.id, Object.keys(JSON.parse(r.payload).authorizations ?? {}).sort()]),
    grants: (await db.selectFrom('oidc_models').select('id').where('kind', '=', 'Grant').where('account_id', '=', userId).execute()).length,
    sessionsValidAfter: Number(user.sessions_valid_after),
    changes: (await db.selectFrom('audit_events').select('event').where('user_id', '=', userId).where('event', 'in', ['mfa.method.removed', 'mfa.reset', 'mfa.recovery_codes.regenerated', 'session.signed_out_everywhere']).execute()).length,
  };
}

/** Signs `ua` in to an app (single sign-on, or the code of the clock's step when asked); no token is redeemed. */
async function signInToApp(ua: UserAgent, rp: client.Configuration, redirectUri: string, email: string, secret: string) {
  const s = await passwordStep(ua, rp, redirectUri, email, PASSWORD);
  const done = s.returned ? s.page : await submitCode(ua, redirectUri, totpCode(secret, clock.now()));
  assert.ok(done.url.startsWith(redirectUri), `signed in to the app: ${done.url} (${done.status})`);
  clock.nextStep();
}

/** Follows the Cancel link of the confirmation on the last page: a plain GET back to `where`. */
async function cancel(ua: UserAgent, t: TestGatehouse, where: string) {
  const href = /<a class="button secondary" href="([^"]+)">Cancel<\/a>/.exec(ua.lastBody)?.[1];
  assert.equal(href, where, 'Cancel leads back to the settings');
  const page = await ua.go(`${t.issuer}${href}`);
  assert.equal(page.url, `${t.issuer}${where}`);
  return page;
}

test('each confirmation states its consequence; Cancel and the page itself change nothing; only the confirming POST does it', async () => {
  const email = 'confirm@example.com';
  const p = await personWithTotp(t, clock, email);
  const second = await addTotpInSettings(p.ua, t, clock, { expectCodes: false, proofSecret: p.secret });
  const [, phone] = listedMethods(second.page.body);
  assert.ok(phone);
  await t.gh.deps.db.updateTable('mfa_methods').set({ name: 'Work phone' }).where('id', '=', phone.id).execute();
  // Three recovery codes used: seven left.
  const codes = await t.gh.deps.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', p.user.id).limit(3).execute();
  await t.gh.deps.db.updateTable('recovery_codes').set({ used_at: clock.now() }).where('code_hash', 'in', codes.map((c) => c.code_hash)).execute();
  // Signed in to two apps in this browser.
  await signInToApp(p.ua, expense, cb.expense, email, p.secret);
  await signInToApp(p.ua, payroll, cb.payroll, email, p.secret);
  await confirmWithCode(p.ua, t, p.secret, clock);

  const before = await snapshot(p.user.id);

  // Remove a method.
  await p.ua.go(securityUrl(t));
  let page = await p.ua.submit(`/account/security/methods/${phone.id}/remove`);
  assert.equal(page.url, `${t.issuer}${removeConfirm(phone.id)}`, 'Remove opens its confirmation');
  assert.ok(has(page.body, tr('security.remove_confirm.title')));
  assert.ok(has(page.body, tr('security.remove_confirm.body', { name: '“Work phone”', type: tr('method.totp') })));
  assert.ok(has(page.body, 'Removing a method also forgets every remembered device and signs you out of every app, on every device.'));
  assert.ok(has(page.body, tr('security.remove_confirm.stays')), 'this browser signed in with a code: it stays');
  assert.ok(!has(page.body, tr('security.remove_confirm.last')), 'not the last method');
  assert.match(page.body, /<button type="submit" class="danger">Remove “Work phone”<\/button>/);
  assert.match(page.body, /<input type="hidden" name="confirm" value="1">/);
  await cancel(p.ua, t, '/account/security');

  // Create new recovery codes.
  page = await p.ua.submit('/account/security/recovery-codes');
  assert.equal(page.url, `${t.issuer}${CODES_CONFIRM}`);
  assert.ok(has(page.body, 'Your 7 unused recovery codes will stop working.'));
  assert.ok(has(page.body, tr('security.codes_confirm.after')));
  await cancel(p.ua, t, '/account/security');

  // Reset two-step verification.
  page = await p.ua.submit('/account/security/reset');
  assert.equal(page.url, `${t.issuer}${RESET_CONFIRM}`);
  assert.ok(has(page.body, tr('security.reset_confirm.body')));
  assert.ok(has(page.body, 'Every app you are signed in to will sign you out (2 apps), on every device.'));
  await cancel(p.ua, t, '/account/security');

  // Sign out everywhere (from the account page).
  await p.ua.go(`${t.issuer}/account`);
  page = await p.ua.submit('/account/sign-out-everywhere');
  assert.equal(page.url, `${t.issuer}/account/sign-out-everywhere/confirm`);
  assert.ok(has(page.body, 'Every app you are signed in to will sign you out, on every device — this browser included.'));
  await cancel(p.ua, t, '/account');

  // Opening the confirmations again, and posting the actions without `confirm=1`, changes nothing either.
  for (const path of [removeConfirm(phone.id), CODES_CONFIRM, RESET_CONFIRM, '/account/sign-out-everywhere/confirm']) {
    assert.equal((await p.ua.go(`${t.issuer}${path}`)).status, 200, path);
  }
  for (const [path, confirmation] of [
    [`/account/security/methods/${phone.id}/remove`, removeConfirm(phone.id)],
    ['/account/security/recovery-codes', CODES_CONFIRM],
    ['/account/security/reset', RESET_CONFIRM],
    ['/account/sign-out-everywhere', '/account/sign-out-everywhere/confirm'],
  ] as const) {
    for (const form of [{}, { confirm: '0' }, { confirm: 'yes' }] as Array<Record<string, string>>) assert.deepEqual(await postSettings(p.ua, t, path, form), { status: 303, location: confirmation }, `${path} ${JSON.stringify(form)}`);
  }
  assert.deepEqual(await snapshot(p.user.id), before, 'nothing changed');
  assert.equal(recoveryRemaining((await p.ua.go(securityUrl(t))).body), 7);

  // The confirming POSTs do it.
  await p.ua.go(`${t.issuer}${removeConfirm(phone.id)}`);
  page = await p.ua.submit(`/account/security/methods/${phone.id}/remove`);
  assert.equal(page.url, `${securityUrl(t)}?done=removed`);
  assert.deepEqual((await listActiveMethods(t.gh.deps.db, p.user.id)).map((m) => m.id), [listedMethods(second.page.body)[0]!.id]);

  await p.ua.go(`${t.issuer}${CODES_CONFIRM}`);
  page = await p.ua.submit('/account/security/recovery-codes');
  assert.equal(page.status, 200);
  assert.match(page.body, /Save your recovery codes/);
  assert.equal(recoveryRemaining((await p.ua.go(securityUrl(t))).body), 10);

  await p.ua.go(`${t.issuer}/account/sign-out-everywhere/confirm`);
  page = await p.ua.submit('/account/sign-out-everywhere');
  assert.match(page.body, /You have been signed out of every app, on every device\./);
  assert.ok(isSignInPage(await p.ua.go(`${t.issuer}/account`)), 'this browser too');
});

test('"Confirm it\'s you" carries on to the confirmation of the change asked for, which then goes through', async () => {
  const email = 'carry-on@example.com';
  const p = await personWithTotp(t, clock, email);
  const second = await addTotpInSettings(p.ua, t, clock, { expectCodes: false, proofSecret: p.secret });
  // The first one goes (this password-only session's console access rests on the one it enrolled last).
  const [first] = listedMethods(second.page.body);
  assert.ok(first);
  let secret = p.secret;
  // Past the proof's 5 minutes.
  clock.advance(6 * 60_000);

  const proveAndLand = async (from: string, confirmation: string, purpose: string) => {
    await p.ua.go(securityUrl(t));
    const proof = await p.ua.submit(from);
    assert.ok(isProofPage(proof), `${from}: "Confirm it's you" first`);
    assert.ok(has(proof.body, tr('security.proof.body_for', { purpose })), `${from}: the proof says what it is for (${purpose})`);
    assert.match(proof.body, new RegExp(`name="next" value="${confirmation.replace(/\//g, '\\/')}"`));
    const landed = await p.ua.submit('/account/security/verify', { code: totpCode(secret, clock.now()) });
    clock.nextStep();
    assert.equal(landed.url, `${t.issuer}${confirmation}`, `${from}: after the proof, its confirmation`);
    return landed;
  };

  // Remove: the proof leads to that method's confirmation; the other methods link keeps `next`.
  let page = await proveAndLand(`/account/security/methods/${first.id}/remove`, removeConfirm(first.id), tr('security.proof.purpose.remove', { name: `“${first.name}”` }));
  assert.ok(has(page.body, tr('security.remove_confirm.title')));
  assert.equal((await listActiveMethods(t.gh.deps.db, p.user.id)).length, 2, 'the proof alone removes nothing');
  page = await p.ua.submit(`/account/security/methods/${first.id}/remove`);
  assert.equal(page.url, `${securityUrl(t)}?done=removed`);
  assert.equal((await listActiveMethods(t.gh.deps.db, p.user.id)).length, 1);
  secret = second.secret;

  clock.advance(6 * 60_000);
  page = await proveAndLand('/account/security/recovery-codes', CODES_CONFIRM, tr('security.proof.purpose.codes'));
  assert.ok(has(page.body, 'Your 10 unused recovery codes will stop working.'));
  page = await p.ua.submit('/account/security/recovery-codes');
  assert.match(page.body, /Save your recovery codes/);

  clock.advance(6 * 60_000);
  page = await proveAndLand('/account/security/reset', RESET_CONFIRM, tr('security.proof.purpose.reset'));
  assert.ok(has(page.body, tr('security.reset_confirm.title')));
  page = await p.ua.submit('/account/security/reset');
  assert.equal(page.url, `${t.issuer}/account/security/reset/done`);
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, p.user.id), []);

  // A proof that expired on the confirmation page: the confirming POST asks again and comes back to it.
  const q = await personWithTotp(t, clock, 'carry-on-late@example.com');
  await confirmWithCode(q.ua, t, q.secret, clock);
  await q.ua.go(`${t.issuer}${CODES_CONFIRM}`);
  clock.advance(6 * 60_000);
  const again = await q.ua.submit('/account/security/recovery-codes');
  assert.ok(isProofPage(again));
  assert.equal((await q.ua.submit('/account/security/verify', { code: totpCode(q.secret, clock.now()) })).url, `${t.issuer}${CODES_CONFIRM}`);
  clock.nextStep();
});

test('removing the method a password-only session enrolled here: the confirmation says this browser is signed out too, and it is', async () => {
  // Signed in with the password alone (no 2FA then); the settings stay open on the method enrolled last here.
  const p = await personWithTotp(t, clock, 'enrolled-here@example.com');
  const second = await addTotpInSettings(p.ua, t, clock, { expectCodes: false, proofSecret: p.secret });
  const [first, last] = listedMethods(second.page.body);
  assert.ok(first && last);

  // The other one: this browser stays.
  await p.ua.go(securityUrl(t));
  let page = await p.ua.submit(`/account/security/methods/${first.id}/remove`);
  assert.equal(page.url, `${t.issuer}${removeConfirm(first.id)}`);
  assert.ok(has(page.body, tr('security.remove_confirm.stays')));

  // The one it enrolled last: the page tells the truth — this browser is signed out too.
  await p.ua.go(securityUrl(t));
  page = await p.ua.submit(`/account/security/methods/${last.id}/remove`);
  assert.equal(page.url, `${t.issuer}${removeConfirm(last.id)}`);
  assert.ok(!has(page.body, tr('security.remove_confirm.stays')), 'no "stays signed in"');
  assert.ok(has(page.body, tr('security.remove_confirm.signs_out_here', { name: `“${last.name}”` })));
  page = await p.ua.submit(`/account/security/methods/${last.id}/remove`);
  assert.equal((await listActiveMethods(t.gh.deps.db, p.user.id)).length, 1);
  const after = await p.ua.go(securityUrl(t));
  assert.notEqual(after.url, securityUrl(t), 'the settings ask this browser to sign in again');
});

test('"Confirm it\'s you" refuses a forged `next`: other sites, other paths, someone else\'s or a removed method all end on the settings', async () => {
  const p = await personWithTotp(t, clock, 'forged-next@example.com');
  const other = await personWithTotp(t, clock, 'forged-next-other@example.com');
  const theirs = listedMethods(other.page.body)[0]!.id;
  const mine = listedMethods(p.page.body)[0]!.id;
  const forged = [
    'https://evil.example/',
    '//evil.example/account/security/reset/confirm',
    '/\\evil.example',
    'javascript:alert(1)',
    removeConfirm(theirs),
    removeConfirm('no-such-method'),
    `/account/security/methods/${mine}/remove`,
    `${removeConfirm(mine)}/`,
    `${removeConfirm(mine)}?then=https://evil.example`,
    `/account/security/methods/${mine}/remove/confirm/../../../../../../evil`,
    '/account/security/reset/confirm#x',
    '/account/security/recovery-codes/confirm/..',
    '/account/security/reset/done',
    '/account/sign-out-everywhere/confirm',
    '/admin',
  ];
  for (const next of forged) {
    const shown = await p.ua.go(`${t.issuer}/account/security/verify?next=${encodeURIComponent(next)}`);
    assert.ok(isProofPage(shown));
    assert.match(shown.body, /name="next" value="\/account\/security"/, `GET with next=${next}`);
    // The form's field posted as forged, too.
    const res = await p.ua.fetch(`${t.issuer}/account/security/verify`, { method: 'POST', form: { csrf: /name="csrf" value="([^"]+)"/.exec(shown.body)![1]!, method: 'totp', next, code: totpCode(p.secret, clock.now()) } });
    await res.arrayBuffer();
    clock.nextStep();
    assert.deepEqual([res.status, res.headers.get('location')], [303, '/account/security'], `POST with next=${next}`);
  }
  // The method of someone else is untouched, and can't be reached through its confirmation either.
  assert.equal((await listActiveMethods(t.gh.deps.db, other.user.id)).length, 1);
  assert.equal((await p.ua.go(`${t.issuer}${removeConfirm(theirs)}`)).url, securityUrl(t));
  assert.deepEqual(await postSettings(p.ua, t, `/account/security/methods/${theirs}/remove`, { confirm: '1' }), { status: 303, location: '/account/security' });
  assert.equal((await listActiveMethods(t.gh.deps.db, other.user.id)).length, 1);

  // The allow-listed ones do carry on.
  for (const next of [removeConfirm(mine), CODES_CONFIRM, RESET_CONFIRM]) {
    await p.ua.go(`${t.issuer}/account/security/verify?next=${encodeURIComponent(next)}`);
    assert.equal((await p.ua.submit('/account/security/verify', { code: totpCode(p.secret, clock.now()) })).url, `${t.issuer}${next}`);
    clock.nextStep();
  }
});

test('after a reset, a page says what happened and what leaving now means, before the wizard', async () => {
  const email = 'after-reset@example.com';
  const p = await personWithTotp(t, clock, email);
  await signInToApp(p.ua, expense, cb.expense, email, p.secret);
  // Another browser signed in to Payroll and Expense: two apps in all (Expense counts once).
  const laptop = new UserAgent();
  await signInToApp(laptop, payroll, cb.payroll, email, p.secret);
  await signInToApp(laptop, expense, cb.expense, email, p.secret);
  await confirmWithCode(p.ua, t, p.secret, clock);

  await p.ua.go(`${t.issuer}${RESET_CONFIRM}`);
  assert.ok(has(p.ua.lastBody, 'Every app you are signed in to will sign you out (2 apps), on every device.'));
  const done = await p.ua.submit('/account/security/reset');
  assert.equal(done.url, `${t.issuer}/account/security/reset/done`);
  assert.ok(has(done.body, 'Two-step verification was reset: every method and recovery code was removed, and you were signed out of 2 apps.'));
  // Payroll requires two-step verification: leaving now means setting it up at the next sign-in there.
  assert.ok(has(done.body, tr('security.reset_done.leave_required')));
  assert.match(done.body, /<a class="button" href="\/account\/security\/enroll">Set up two-step verification now<\/a>/);
  assert.match(done.body, /<a class="button secondary" href="\/account\/security">Leave it off for now<\/a>/);
  assert.ok(isSignInPage(await laptop.go(`${t.issuer}/account`)), 'the other browser was signed out');

  // Reading it again changes nothing; "Set up" opens the wizard at the choice of a method.
  assert.equal((await p.ua.go(`${t.issuer}/account/security/reset/done`)).status, 200);
  const wizard = await p.ua.go(`${t.issuer}/account/security/enroll`);
  assert.match(wizard.body, /Choose how to verify/);
  // Once the wizard goes on, the page is gone: it describes the reset, not what came after.
  await p.ua.submit('/enroll/choose', { method: 'totp' });
  assert.equal((await p.ua.go(`${t.issuer}/account/security/reset/done`)).url, securityUrl(t));

  // No reset in this session: the page is not shown.
  const q = await personWithTotp(t, clock, 'no-reset@example.com');
  assert.equal((await q.ua.go(`${t.issuer}/account/security/reset/done`)).url, securityUrl(t));
});

test('leaving after a reset: the settings say two-step verification is off', async () => {
  const email = 'leave-after-reset@example.com';
  const p = await personWithTotp(t, clock, email);
  await confirmWithCode(p.ua, t, p.secret, clock);
  await p.ua.go(`${t.issuer}${RESET_CONFIRM}`);
  assert.ok(has(p.ua.lastBody, tr('security.reset_confirm.apps.none')));
  const done = await p.ua.submit('/account/security/reset');
  assert.ok(has(done.body, tr('security.reset_done.body.none')));
  const settings = await p.ua.go(`${t.issuer}/account/security`);
  assert.match(settings.body, /Off: apps ask only for your password/);
});
