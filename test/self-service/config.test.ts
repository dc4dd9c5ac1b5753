import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { translator } from '../../src/i18n/index.ts';
import { escapeHtml } from '../../src/http/html.ts';
import { findUserByEmail } from '../../src/store/users.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';

const t = translator();
const PASSWORD = 'a long walk on the quiet beach';

test('with sign-up turned off, the page says so and nothing is created', async () => {
  const gh = await startTestGatehouse({ GATEHOUSE_SIGNUP: '0' });
  try {
    const ua = new UserAgent();
    const page = await ua.go(gh.issuer + '/signup');
    assert.equal(page.status, 403);
    assert.ok(page.body.includes(escapeHtml(t('signup.disabled'))));
    assert.ok(!page.body.includes('<form'));
    await ua.go(gh.issuer + '/reset'); // any page with a CSRF token: the refusal is not about CSRF
    const csrf = /name="csrf" value="([^"]+)"/.exec(ua.lastBody)![1]!;
    const post = await ua.go(gh.issuer + '/signup', { method: 'POST', form: { csrf, email: 'off@example.com', password: PASSWORD } });
    assert.equal(post.status, 403);
    assert.equal(await findUserByEmail(gh.gh.deps.db, 'off@example.com'), undefined);
  } finally {
    await gh.close();
  }
});

test('with email verification off, a new account signs in at once; a duplicate gets the same page', async () => {
  const gh = await startTestGatehouse({ GATEHOUSE_REQUIRE_EMAIL_VERIFICATION: '0' });
  try {
    const redirectUri = 'http://127.0.0.1:9/cb';
    const app = await gh.createApp({ redirectUris: [redirectUri] });
    const rp = await relyingParty(gh.issuer, app.clientId, app.clientSecret);
    const email = 'instant@example.com';
    const ua = new UserAgent();
    await ua.go(gh.issuer + '/signup');
    const first = await ua.submit('/signup', { email, password: PASSWORD });
    assert.equal(first.status, 200);
    assert.ok(first.body.includes(escapeHtml(t('signup.ready_title'))));
    const { tokens } = await signInWithPassword(new UserAgent(), rp, redirectUri, email, PASSWORD);
    assert.equal(tokens.claims()!.email, email);

    await ua.go(gh.issuer + '/signup');
    const second = await ua.submit('/signup', { email, password: 'somebody else entirely' });
    assert.equal(second.body, first.body);
    await gh.smtp.waitFor((m) => m.to.includes(email) && m.subject === t('signup.exists_mail_subject'));
    assert.equal(gh.smtp.mails.filter((m) => m.subject === t('verify.mail_subject')).length, 0, 'no "finish creating" link');
  } finally {
    await gh.close();
  }
});

test('production without SMTP refuses to start: the development outbox would print reset links to the log', async () => {
  const production = { NODE_ENV: 'production', GATEHOUSE_SECRET_KEY: 'a'.repeat(64), GATEHOUSE_DEMO: '0', GATEHOUSE_ISSUER: 'https://id.example.com' };
  for (const smtp of [undefined, '']) {
    const env = smtp === undefined ? production : { ...production, GATEHOUSE_SMTP_URL: smtp };
    assert.throws(() => loadConfig(env), (err: Error) => err instanceof ConfigError && /GATEHOUSE_SMTP_URL is required in production \(NODE_ENV=production\)/.test(err.message));
  }
  // With a relay it is accepted, and outside production the outbox stays the default.
  assert.equal(loadConfig({ ...production, GATEHOUSE_SMTP_URL: 'smtps://relay.example.com:465' }).smtpUrl, 'smtps://relay.example.com:465');
  assert.equal(loadConfig({ GATEHOUSE_SECRET_KEY: 'a'.repeat(64) }).smtpUrl, undefined);
});
