import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { linkIn, type ReceivedMail } from '../helpers/smtp.ts';
import { buildAuthorization, relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { escapeHtml } from '../../src/http/html.ts';
import { translator, type MessageKey } from '../../src/i18n/index.ts';
import { findUserByEmail } from '../../src/store/users.ts';
import { SIGNUP_MAX_PER_EMAIL } from '../../src/flows/signup.ts';

const t = translator();
/** A catalog message as it appears in the HTML. */
const shown = (key: MessageKey, vars?: Record<string, string>) => escapeHtml(t(key, vars));

let gh: TestGatehouse;
let rp: client.Configuration;
const redirectUri = 'http://127.0.0.1:9/cb';
const PASSWORD = 'a long walk on the quiet beach';

before(async () => {
  gh = await startTestGatehouse();
  const app = await gh.createApp({ redirectUris: [redirectUri] });
  rp = await relyingParty(gh.issuer, app.clientId, app.clientSecret);
});
after(async () => {
  await gh.close();
});

const mailsTo = (email: string, subject: string) => gh.smtp.mails.filter((m) => m.to.includes(email) && m.subject === subject);
const waitForMail = (email: string, subject: string, n = 1) =>
  gh.smtp.waitFor(() => mailsTo(email, subject).length >= n).then(() => mailsTo(email, subject)[n - 1]!);

async function signUp(ua: UserAgent, fields: Record<string, string>, path = '/signup') {
  await ua.go(gh.issuer + path);
  return ua.submit('/signup', fields);
}

test('sign-up, verification link, then sign-in through an app', async () => {
  const email = 'grace@example.com';
  const ua = new UserAgent();
  const page = await signUp(ua, { name: 'Grace Hopper', email, password: PASSWORD });
  assert.equal(page.status, 200);
  assert.ok(page.body.includes(shown('signup.check_email_body', { email })));

  const user = await findUserByEmail(gh.gh.deps.db, email);
  assert.equal(user?.email_verified, 0, 'created unverified');
  assert.equal(user?.name, 'Grace Hopper');
  assert.ok(user?.password_hash?.startsWith('$argon2id$'));

  const link = linkIn(await waitForMail(email, t('verify.mail_subject')));
  assert.ok(link.startsWith(`${gh.issuer}/verify-email?token=`));
  // GET only shows a form: mail scanners follow links.
  const confirm = await ua.go(link);
  assert.equal(confirm.status, 200);
  assert.ok(confirm.body.includes(shown('verify.confirm_title')));
  assert.equal((await findUserByEmail(gh.gh.deps.db, email))?.email_verified, 0, 'GET changes nothing');

  // Someone who does not know the account's password verifies nothing (account pre-hijacking).
  const wrong = await ua.submit('/verify-email', { password: 'not the password at all' });
  assert.equal(wrong.status, 400);
  assert.ok(wrong.body.includes(shown('verify.password_wrong')));
  assert.equal((await findUserByEmail(gh.gh.deps.db, email))?.email_verified, 0, 'a wrong password verifies nothing');

  const done = await ua.submit('/verify-email', { password: PASSWORD });
  assert.equal(done.status, 200);
  assert.ok(done.body.includes(shown('verify.body')));
  assert.equal((await findUserByEmail(gh.gh.deps.db, email))?.email_verified, 1);

  // The link works once: the same form posted again, and the link opened again.
  const again = await ua.go(confirm.url);
  assert.equal(again.status, 400);
  assert.ok(again.body.includes(shown('verify.invalid')));
  const csrfPage = await ua.go(gh.issuer + '/reset');
  assert.equal(csrfPage.status, 200);
  const token = new URL(link).searchParams.get('token')!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(csrfPage.body)![1]!;
  const reused = await ua.go(gh.issuer + '/verify-email', { method: 'POST', form: { csrf, token, password: PASSWORD } });
  assert.equal(reused.status, 400);

  const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, email, PASSWORD);
  const claims = tokens.claims()!;
  assert.equal(claims.email, email);
  const info = await client.fetchUserInfo(rp, tokens.access_token, claims.sub);
  assert.equal(info.email_verified, true);

  const events = await gh.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', user!.id).execute();
  assert.ok(events.some((e) => e.event === 'signup.created'));
  assert.ok(events.some((e) => e.event === 'email.verified'));
});

test('an unverified account cannot sign in: it gets the unverified message and a fresh link back into that sign-in', async () => {
  const email = 'unverified@example.com';
  await signUp(new UserAgent(), { email, password: PASSWORD });
  await waitForMail(email, t('verify.mail_subject'));

  const ua = new UserAgent();
  const auth = await buildAuthorization(rp, redirectUri);
  const start = await ua.go(auth.url.href);
  const uid = new URL(start.url).pathname.split('/')[2]!;
  await ua.submit('/email', { email });
  const refused = await ua.submit('/password', { password: PASSWORD });
  assert.equal(refused.status, 400);
  assert.ok(refused.body.includes(shown('login.unverified')));
  assert.ok(!refused.url.startsWith(redirectUri));

  const fresh = await waitForMail(email, t('verify.mail_subject'), 2);
  const link = linkIn(fresh);
  assert.equal(new URL(link).searchParams.get('interaction'), uid);

  // Verifying from that mail leads back into the same sign-in, which then completes.
  await ua.go(link);
  const verified = await ua.submit('/verify-email', { password: PASSWORD });
  assert.ok(verified.body.includes(`href="/interaction/${uid}"`));
  const atRedirect = (u: string) => u.startsWith(redirectUri);
  await ua.go(`${gh.issuer}/interaction/${uid}`);
  const back = await ua.submit('/password', { password: PASSWORD }, atRedirect);
  assert.ok(atRedirect(back.url), `returned to the app, got ${back.url}`);
  const tokens = await client.authorizationCodeGrant(rp, new URL(back.url), { pkceCodeVerifier: auth.verifier, expectedState: auth.state, expectedNonce: auth.nonce });
  assert.equal(tokens.claims()!.email, email);
});

test('sign-up started from the sign-in page returns to that sign-in after verification', async () => {
  const email = 'from-login@example.com';
  const ua = new UserAgent();
  const auth = await buildAuthorization(rp, redirectUri);
  const start = await ua.go(auth.url.href);
  const uid = new URL(start.url).pathname.split('/')[2]!;
  assert.ok(start.body.includes(`/signup?interaction=${uid}`), 'the sign-in page links to sign-up');

  await signUp(ua, { email, password: PASSWORD }, `/signup?interaction=${uid}`);
  const link = linkIn(await waitForMail(email, t('verify.mail_subject')));
  assert.equal(new URL(link).searchParams.get('interaction'), uid);
  await ua.go(link);
  const verified = await ua.submit('/verify-email', { password: PASSWORD });
  assert.ok(verified.body.includes(shown('selfservice.continue_sign_in')));
  assert.ok(verified.body.includes(`href="/interaction/${uid}"`));

  const atRedirect = (u: string) => u.startsWith(redirectUri);
  await ua.go(`${gh.issuer}/interaction/${uid}`);
  await ua.submit('/email', { email });
  const back = await ua.submit('/password', { password: PASSWORD }, atRedirect);
  assert.ok(atRedirect(back.url));
});

test('signing up with an address that has an account: the same page, a notice mail, nothing changed', async () => {
  const email = 'twice@example.com';
  const first = await signUp(new UserAgent(), { email, password: PASSWORD });
  await waitForMail(email, t('verify.mail_subject'));
  const second = await signUp(new UserAgent(), { email: 'Twice@Example.com ', name: 'Mallory', password: 'another long passphrase' });
  assert.equal(second.status, first.status);
  assert.equal(second.body.replace('Twice@Example.com', 'twice@example.com'), first.body, 'identical answer');

  const notice = await waitForMail(email, t('signup.exists_mail_subject'));
  assert.ok(linkIn(notice).startsWith(`${gh.issuer}/reset`));
  assert.equal(mailsTo(email, t('verify.mail_subject')).length, 1, 'no second verification link');
  const users = await gh.gh.deps.db.selectFrom('users').select(['id', 'name']).where('email', '=', email).execute();
  assert.equal(users.length, 1);
  assert.equal(users[0]!.name, '', 'the existing account is untouched');

  // An established, verified account keeps its password.
  const known = 'known@example.com';
  await gh.createUser(known, PASSWORD);
  await signUp(new UserAgent(), { email: known, password: 'an attacker chose this one' });
  await waitForMail(known, t('signup.exists_mail_subject'));
  await assert.doesNotReject(signInWithPassword(new UserAgent(), rp, redirectUri, known, PASSWORD));
  await assert.rejects(signInWithPassword(new UserAgent(), rp, redirectUri, known, 'an attacker chose this one'));
  const dup = await gh.gh.deps.db.selectFrom('audit_events').select('event').where('event', '=', 'signup.duplicate_attempt').execute();
  assert.equal(dup.length, 2);
});

test('weak passwords and bad fields are refused with the message tied to the field', async () => {
  const cases: Array<[Record<string, string>, string, MessageKey]> = [
    [{ email: 'short@example.com', password: 'abc123' }, 'password', 'password.too_short'],
    [{ email: 'common@example.com', password: 'iloveyou' }, 'password', 'password.common'],
    [{ email: 'common@example.com', password: 'Password123' }, 'password', 'password.common'],
    [{ email: 'same@example.com', password: 'Same@Example.com' }, 'password', 'password.same_as_email'],
    [{ email: 'long@example.com', password: 'x'.repeat(257) }, 'password', 'password.too_long'],
    [{ email: 'empty@example.com', password: '' }, 'password', 'signup.password_required'],
    [{ email: 'not-an-email', password: PASSWORD }, 'email', 'login.email_invalid'],
    [{ email: '', password: PASSWORD }, 'email', 'login.email_required'],
    [{ email: 'name@example.com', password: PASSWORD, name: 'n'.repeat(201) }, 'name', 'signup.name_too_long'],
  ];
  for (const [fields, field, key] of cases) {
    const ua = new UserAgent();
    const page = await signUp(ua, fields);
    assert.equal(page.status, 400, `${key} status`);
    assert.ok(page.body.includes(`<p class="error" id="${field}-error">${shown(key)}</p>`), `${key} next to ${field}`);
    assert.match(page.body, new RegExp(`id="${field}"[^>]*aria-describedby="[^"]*${field}-error`), `${key} tied with aria-describedby`);
    assert.ok(page.body.includes(`<a href="#${field}">${shown(key)}</a>`), `${key} in the error summary`);
    assert.ok(!page.body.includes(fields.password || '\u0000'), 'the password is not echoed back');
  }
  const created = await gh.gh.deps.db.selectFrom('users').select('email').where('email', 'in', ['short@example.com', 'common@example.com', 'same@example.com', 'name@example.com']).execute();
  assert.deepEqual(created, []);
});

test('state-changing sign-up and verification requests need the CSRF token', async () => {
  const ua = new UserAgent();
  await ua.go(gh.issuer + '/signup');
  const noToken = await ua.go(gh.issuer + '/signup', { method: 'POST', form: { email: 'csrf@example.com', password: PASSWORD } });
  assert.equal(noToken.status, 403);
  assert.ok(noToken.body.includes(shown('error.csrf')));
  const badToken = await ua.go(gh.issuer + '/signup', { method: 'POST', form: { csrf: 'x'.repeat(43), email: 'csrf@example.com', password: PASSWORD } });
  assert.equal(badToken.status, 403);
  assert.equal(await findUserByEmail(gh.gh.deps.db, 'csrf@example.com'), undefined);

  await signUp(ua, { email: 'csrf2@example.com', password: PASSWORD });
  const link = linkIn(await waitForMail('csrf2@example.com', t('verify.mail_subject')));
  const token = new URL(link).searchParams.get('token')!;
  const forged = await new UserAgent().go(gh.issuer + '/verify-email', { method: 'POST', form: { token, password: PASSWORD } });
  assert.equal(forged.status, 403);
  assert.equal((await findUserByEmail(gh.gh.deps.db, 'csrf2@example.com'))?.email_verified, 0);
  // The link was not used up by the refused request.
  await ua.go(link);
  assert.equal((await ua.submit('/verify-email', { password: PASSWORD })).status, 200);
});

test('an unknown verification token is refused with status 400', async () => {
  const ua = new UserAgent();
  const page = await ua.go(gh.issuer + '/verify-email?token=not-a-real-token');
  assert.equal(page.status, 400);
  assert.ok(page.body.includes(shown('verify.invalid')));
  assert.equal((await ua.go(gh.issuer + '/verify-email')).status, 400);
});

test('sign-ups for one address are throttled, whether or not it has an account', async () => {
  const email = 'flood@example.com';
  for (let i = 0; i < SIGNUP_MAX_PER_EMAIL; i++) assert.equal((await signUp(new UserAgent(), { email, password: PASSWORD })).status, 200);
  const refused = await signUp(new UserAgent(), { email, password: PASSWORD });
  assert.equal(refused.status, 429);
  assert.ok(refused.body.includes(shown('selfservice.too_many_requests')));
  // One verification link and four notices, then nothing more for this mailbox.
  await waitForMail(email, t('signup.exists_mail_subject'), SIGNUP_MAX_PER_EMAIL - 1);
  assert.equal(mailsTo(email, t('verify.mail_subject')).length, 1);
  assert.equal(gh.smtp.mails.filter((m) => m.to.includes(email)).length, SIGNUP_MAX_PER_EMAIL);
});
