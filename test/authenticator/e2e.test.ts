import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { finish, passwordStep } from '../helpers/mfa.ts';
import { removeMethod } from '../../src/methods/records.ts';
import { atApp, openPushStep, pageNumber, pushPage, PASSWORD } from '../push/support.ts';
import { authenticatorCli, type AuthenticatorCli } from './cli.ts';

/**
 * The terminal authenticator against the real Gatehouse (wip-push's API): the person enrolls it from
 * the link the wizard shows, approves the wizard's test request and then a sign-in to Payroll with the
 * number read from the browser's page, and reports a stranger's attempt. On PostgreSQL too.
 */
let t: TestGatehouse;
let payroll: client.Configuration;
let a: AuthenticatorCli;
let userId: string;
let deviceId: string;
const cb = 'http://127.0.0.1:9/payroll/cb';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** A browser that says it is Chrome on Linux, so the request carries labels to show. */
function browser(): UserAgent {
  const ua = new UserAgent();
  ua.headers['user-agent'] = CHROME;
  return ua;
}

before(async () => {
  [t, a] = await Promise.all([startTestGatehouse(), authenticatorCli()]);
  const app = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  payroll = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  userId = (await t.createUser('ada@example.com', PASSWORD, { name: 'Ada' })).id;
});
after(async () => {
  await a.cleanup();
  await t.close();
});

test('enroll from the wizard\'s link, approve its test request with the number on the page: push is Ada\'s method', async () => {
  const ua = browser();
  const { auth, page } = await passwordStep(ua, payroll, cb, 'ada@example.com', PASSWORD);
  assert.match(page.url, /\/enroll$/);
  const link = await openPushStep(ua);
  const enrolled = await a.json(['enroll', link, '--name', "Ada's laptop"]);
  deviceId = enrolled.deviceId;
  assert.equal(enrolled.email, 'ada@example.com');
  assert.equal(enrolled.issuer, t.issuer);
  assert.equal(enrolled.status, 'pending');
  await a.fails(['enroll', link], 1, 'enrollment_link_used');

  const number = pageNumber((await ua.go(ua.lastUrl)).body);
  const [waiting] = await a.json(['pending']);
  assert.equal(waiting.kind, 'enroll');
  const approved = await a.json(['approve', '--code', number]);
  assert.equal(approved.status, 'approved');
  assert.equal((await a.json(['list']))[0].status, 'active');

  const after = await ua.submit('/enroll/confirm');
  assert.match(after.body, /Save your recovery codes/);
  await ua.submit('/enroll/recovery', { stored: '1' });
  const done = await ua.submit('/enroll/done', {}, atApp(cb));
  const { claims } = await finish(payroll, auth, done.url);
  assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa']);
  const methods = await t.gh.deps.db.selectFrom('mfa_methods').select(['id', 'type', 'status', 'name']).where('user_id', '=', userId).execute();
  assert.deepEqual(methods.map((m) => [m.id, m.type, m.status, m.name]), [[deviceId, 'push', 'active', "Ada's laptop"]]);
});

test('sign in to Payroll: the CLI shows the request and approves it with the number from the challenge page', async () => {
  const ua = browser();
  const { auth, number } = await pushPage(ua, payroll, cb, 'ada@example.com');
  const shown = await a.run(['pending']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /Sign-in to Payroll/);
  assert.match(shown.stdout, /Browser: +Chrome on Linux/);
  assert.match(shown.stdout, /IP: +(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)/);

  const r = await a.run(['approve', '--code', number]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Approved the sign-in to Payroll\./);
  const done = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url), `back at Payroll: ${done.url}`);
  const { claims } = await finish(payroll, auth, done.url);
  assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa']);
});

test('a wrong number is answer_refused and ends that request; deny ends the next one with a clear page', async () => {
  const ua = browser();
  const { number } = await pushPage(ua, payroll, cb, 'ada@example.com');
  const wrong = number === '42' ? '43' : '42';
  await a.fails(['approve', '--code', wrong], 1, 'answer_refused');
  await a.fails(['approve', '--code', number], 1, 'no_pending_request');
  const page = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(!atApp(cb)(page.url), 'no authorization code after a wrong number');
  assert.match(page.body, /That request ended/);
  // The browser asked again: a new request, which the person denies.
  pageNumber(page.body);
  assert.equal((await a.json(['deny'])).status, 'denied');
  const denied = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.equal(denied.status, 403);
  assert.match(denied.body, /Sign-in denied/);
});

test('deny --fraud: reported, audited, emailed; the browser is told', async () => {
  const ua = browser();
  await pushPage(ua, payroll, cb, 'ada@example.com');
  const r = await a.json(['deny', '--fraud']);
  assert.equal(r.status, 'reported');
  const page = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(!atApp(cb)(page.url));
  assert.equal(page.status, 403);
  const events = (await t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', userId).execute()).map((e) => e.event);
  assert.ok(events.includes('push.fraud_reported'), `audited: ${events.join(', ')}`);
  const mail = await t.smtp.waitFor((m) => m.to.includes('ada@example.com') && /reported a sign-in request as not yours/.test(m.subject), 10_000);
  assert.match(mail.text, /Ada's laptop/);
  await a.fails(['approve', '--code', '11'], 1, 'no_pending_request');
});

test('a device removed on the server: device_unknown, and remove forgets it here', async () => {
  assert.ok(await removeMethod(t.gh.deps.db, userId, deviceId));
  const gone = await a.fails(['pending'], 1, 'device_unknown');
  assert.match(gone.message, /ada@example\.com .*removed in Account settings/);
  await a.json(['remove']);
  assert.deepEqual(await a.json(['list']), []);
});
