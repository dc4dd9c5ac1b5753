import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { linkIn } from '../helpers/smtp.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { escapeHtml } from '../../src/http/html.ts';
import { translator, type MessageKey } from '../../src/i18n/index.ts';
import { findUserByEmail } from '../../src/store/users.ts';
import { RESET_MAX_PER_EMAIL } from '../../src/flows/password-reset.ts';

const t = translator();
const shown = (key: MessageKey, vars?: Record<string, string>) => escapeHtml(t(key, vars));

/** Real time plus an offset the tests move forward to expire links and counter windows. */
let offset = 0;
const clock = { now: () => Date.now() + offset };

let gh: TestGatehouse;
let rp: client.Configuration;
const redirectUri = 'http://127.0.0.1:9/cb';
const OLD = 'the old and trusted passphrase';
const NEW = 'a brand new passphrase for me';

before(async () => {
  gh = await startTestGatehouse({}, { clock });
  const app = await gh.createApp({ redirectUris: [redirectUri] });
  rp = await relyingParty(gh.issuer, app.clientId, app.clientSecret);
});
after(async () => {
  await gh.close();
});

const mailsTo = (email: string, subject: string) => gh.smtp.mails.filter((m) => m.to.includes(email) && m.subject === subject);
const waitForMail = (email: string, subject: string, n = 1) =>
  gh.smtp.waitFor(() => mailsTo(email, subject).length >= n).then(() => mailsTo(email, subject)[n - 1]!);

async function requestReset(ua: UserAgent, email: string) {
  await ua.go(gh.issuer + '/reset');
  return ua.submit('/reset', { email });
}

async function resetLink(email: string, n = 1): Promise<string> {
  await requestReset(new UserAgent(), email);
  return linkIn(await waitForMail(email, t('reset.mail_subject'), n));
}

test('a reset link sets a new password once and signs the person out of every app', async () => {
  const email = 'ada@example.com';
  const { id } = await gh.createUser(email, OLD);
  const before = await signInWithPassword(new UserAgent(), rp, redirectUri, email, OLD, { scope: 'openid email offline_access' });
  assert.ok(before.tokens.refresh_token, 'a refresh token to revoke');
  const sub = before.tokens.claims()!.sub;
  await client.fetchUserInfo(rp, before.tokens.access_token, sub);

  const ua = new UserAgent();
  const sent = await requestReset(ua, email);
  assert.equal(sent.status, 200);
  assert.ok(sent.body.includes(shown('reset.sent_body', { email })));
  const link = linkIn(await waitForMail(email, t('reset.mail_subject')));
  assert.ok(link.startsWith(`${gh.issuer}/reset/confirm?token=`));

  const form = await ua.go(link);
  assert.equal(form.status, 200);
  assert.equal(form.body.match(/autocomplete="new-password"/g)?.length, 2, 'two new-password fields');

  const mismatch = await ua.submit('/reset/confirm', { password: NEW, password_confirm: NEW + ' ' });
  assert.equal(mismatch.status, 400);
  assert.ok(mismatch.body.includes(`id="password_confirm-error">${shown('password.mismatch')}`));
  const common = await ua.submit('/reset/confirm', { password: 'sunshine', password_confirm: 'sunshine' });
  assert.equal(common.status, 400);
  assert.ok(common.body.includes(`id="password-error">${shown('password.common')}`));
  const short = await ua.submit('/reset/confirm', { password: 'Tr0ub4!', password_confirm: 'Tr0ub4!' });
  assert.ok(short.body.includes(`id="password-error">${shown('password.too_short')}`));
  const asEmail = await ua.submit('/reset/confirm', { password: email, password_confirm: email });
  assert.ok(asEmail.body.includes(`id="password-error">${shown('password.same_as_email')}`));

  // The refused attempts did not use the link up.
  const done = await ua.submit('/reset/confirm', { password: NEW, password_confirm: NEW });
  assert.equal(done.status, 200);
  assert.ok(done.body.includes(shown('reset.done_body')));

  // Signed out everywhere: the refresh token and the access token obtained before are dead.
  await assert.rejects(client.refreshTokenGrant(rp, before.tokens.refresh_token!));
  await assert.rejects(client.fetchUserInfo(rp, before.tokens.access_token, sub));
  await assert.rejects(signInWithPassword(new UserAgent(), rp, redirectUri, email, OLD), 'the old password fails');
  const after = await signInWithPassword(new UserAgent(), rp, redirectUri, email, NEW);
  assert.equal(after.tokens.claims()!.sub, sub);

  // The link works once.
  const reopened = await ua.go(link);
  assert.equal(reopened.status, 400);
  assert.ok(reopened.body.includes(shown('verify.invalid')));
  const { hidden } = findForm(form.body, '/reset/confirm');
  const reposted = await ua.go(gh.issuer + '/reset/confirm', { method: 'POST', form: { ...hidden, password: 'yet another passphrase', password_confirm: 'yet another passphrase' } });
  assert.equal(reposted.status, 400);

  const changed = await waitForMail(email, t('password.changed_mail_subject'));
  assert.ok(changed.text.includes(`${gh.issuer}/reset`));
  const events = (await gh.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', id).execute()).map((e) => e.event);
  for (const e of ['password.reset_requested', 'password.reset_completed', 'session.signed_out_everywhere']) assert.ok(events.includes(e), e);
});

test('a reset link expires after 30 minutes', async () => {
  const email = 'expiry@example.com';
  await gh.createUser(email, OLD);
  const link = await resetLink(email);
  const ua = new UserAgent();
  assert.equal((await ua.go(link)).status, 200);
  offset += 31 * 60 * 1000;
  try {
    const expired = await ua.submit('/reset/confirm', { password: NEW, password_confirm: NEW });
    assert.equal(expired.status, 400);
    assert.ok(expired.body.includes(shown('verify.invalid')));
    assert.equal((await ua.go(link)).status, 400);
  } finally {
    offset -= 31 * 60 * 1000;
  }
  await assert.doesNotReject(signInWithPassword(new UserAgent(), rp, redirectUri, email, OLD), 'password unchanged');
});

test('an unknown email gets the same page and no mail', async () => {
  const known = 'known@example.com';
  const unknown = 'nobody@example.com';
  await gh.createUser(known, OLD);
  const a = await requestReset(new UserAgent(), unknown);
  const b = await requestReset(new UserAgent(), known);
  assert.equal(a.status, b.status);
  assert.equal(a.body.replace(unknown, 'EMAIL'), b.body.replace(known, 'EMAIL'));
  await waitForMail(known, t('reset.mail_subject'));
  // The unknown request was answered first; any mail it caused would have been handed over first.
  assert.deepEqual(gh.smtp.mails.filter((m) => m.to.includes(unknown)), []);
  const audited = await gh.gh.deps.db.selectFrom('audit_events').select('details').where('event', '=', 'password.reset_requested').execute();
  assert.ok(audited.some((r) => r.details?.includes(unknown)), 'the unknown request is audited too');
});

test('reset requests are throttled per email, and the window passes', async () => {
  const email = 'throttle@example.com';
  await gh.createUser(email, OLD);
  for (let i = 0; i < RESET_MAX_PER_EMAIL; i++) assert.equal((await requestReset(new UserAgent(), email)).status, 200);
  const refused = await requestReset(new UserAgent(), email);
  assert.equal(refused.status, 429);
  assert.ok(refused.body.includes(shown('selfservice.too_many_requests')));
  await waitForMail(email, t('reset.mail_subject'), RESET_MAX_PER_EMAIL);
  // The same for an address without an account, so the limit reveals nothing.
  for (let i = 0; i < RESET_MAX_PER_EMAIL; i++) await requestReset(new UserAgent(), 'ghost@example.com');
  assert.equal((await requestReset(new UserAgent(), 'ghost@example.com')).status, 429);

  offset += 61 * 60 * 1000;
  try {
    assert.equal((await requestReset(new UserAgent(), email)).status, 200);
  } finally {
    offset -= 61 * 60 * 1000;
  }
  assert.equal(mailsTo(email, t('reset.mail_subject')).length <= RESET_MAX_PER_EMAIL + 1, true);
  await waitForMail(email, t('reset.mail_subject'), RESET_MAX_PER_EMAIL + 1);
});

test('resetting verifies the address: an unverified account can sign in afterwards', async () => {
  const email = 'never-verified@example.com';
  await gh.createUser(email, OLD, { verified: false });
  await assert.rejects(signInWithPassword(new UserAgent(), rp, redirectUri, email, OLD));
  const ua = new UserAgent();
  await ua.go(await resetLink(email));
  assert.equal((await ua.submit('/reset/confirm', { password: NEW, password_confirm: NEW })).status, 200);
  assert.equal((await findUserByEmail(gh.gh.deps.db, email))?.email_verified, 1);
  await assert.doesNotReject(signInWithPassword(new UserAgent(), rp, redirectUri, email, NEW));
});

test('one link, many parallel submissions: exactly one sets the password', async () => {
  const email = 'race@example.com';
  await gh.createUser(email, OLD);
  const link = await resetLink(email);
  const ua = new UserAgent();
  await ua.go(link);
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => ua.submit('/reset/confirm', { password: `${NEW} ${i}`, password_confirm: `${NEW} ${i}` })),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400, 400, 400]);
});

test('reset requests and confirmations need the CSRF token', async () => {
  const email = 'csrf@example.com';
  await gh.createUser(email, OLD);
  const ua = new UserAgent();
  await ua.go(gh.issuer + '/reset');
  const noToken = await ua.go(gh.issuer + '/reset', { method: 'POST', form: { email } });
  assert.equal(noToken.status, 403);
  assert.ok(noToken.body.includes(shown('error.csrf')));

  const link = await resetLink(email);
  const token = new URL(link).searchParams.get('token')!;
  const forged = await new UserAgent().go(gh.issuer + '/reset/confirm', { method: 'POST', form: { token, password: NEW, password_confirm: NEW } });
  assert.equal(forged.status, 403);
  await assert.doesNotReject(signInWithPassword(new UserAgent(), rp, redirectUri, email, OLD), 'password unchanged');
  assert.equal((await ua.go(link)).status, 200, 'the link is still usable');
});
