import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, formHeaders } from '../helpers/user-agent.ts';
import { freePort } from '../helpers/ports.ts';
import { FakeClock, parseManualKey, parseRecoveryCodes, totpCode } from '../helpers/mfa.ts';
import { startDemo, DEMO_USER, type Demo } from '../../src/demo/index.ts';
import { seedDemo, demoClientSecret } from '../../src/demo/seed.ts';
import { DEMO_APPS } from '../../src/demo/catalog.ts';
import { checkPasswordPolicy } from '../../src/crypto/password-policy.ts';
import { clientMetadata, findClientRow, setAppPolicy } from '../../src/store/clients.ts';
import { ACR } from '../../src/oidc/acr.ts';

// Gatehouse's clock, moved to the next 30-second step after each code (a code is accepted once).
const clock = new FakeClock();
let t: TestGatehouse;
let demo: Demo;
/** Dana's authenticator app, once she set it up at Payroll (Required). */
let danaSecret: string | undefined;
let ports: [number, number, number];
const url = (name: string) => demo.apps.find((a) => a.name === name)!.url;

async function distinctFreePorts(): Promise<[number, number, number]> {
  const seen = new Set<number>();
  while (seen.size < 3) seen.add(await freePort());
  return [...seen] as [number, number, number];
}

before(async () => {
  t = await startTestGatehouse({}, { clock });
  ports = await distinctFreePorts();
  demo = await startDemo(t.gh, { ports });
});
after(async () => {
  await demo?.close();
  await t?.close();
});

/** Signed in at the app's home page; `amr` is what the app shows (the password only, or password and code). */
function assertSignedIn(page: { url: string; status: number; body: string }, appUrl: string, amr = 'pwd') {
  assert.equal(page.status, 200);
  assert.equal(page.url, `${appUrl}/`, `expected the app's home page, got ${page.url}`);
  assert.match(page.body, /Dana Demo/);
  assert.match(page.body, new RegExp(DEMO_USER.email.replace('.', '\\.')));
  assert.ok(page.body.includes(amr === 'pwd' ? ACR.singleFactor : ACR.multiFactor), 'acr is shown');
  assert.ok(page.body.includes(`class="amr"><code>${amr}</code>`), `amr ${amr} is shown`);
  assert.match(page.body, /class="auth-time">\d{10} \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/, 'auth_time is shown, with a human time');
  assert.match(page.body, /class="sid"><code>[^<]+<\/code>/, 'sid is shown');
}

const isSignInPage = (body: string) => body.includes('href="/login">Sign in</a>');

test('the demo passphrase passes the password policy', () => {
  assert.equal(checkPasswordPolicy(DEMO_USER.password, DEMO_USER.email), undefined);
});

test('sign in to Expense, SSO into Payroll and Directory, sign out everywhere through back-channel logout', async () => {
  const ua = new UserAgent();
  const expense = url('Expense');
  let page = await ua.go(`${expense}/`);
  assert.ok(isSignInPage(page.body), 'Expense offers Sign in');

  // The "Sign in" button leads to Gatehouse's sign-in pages, then back to Expense.
  page = await ua.go(`${expense}/login`);
  assert.ok(page.url.startsWith(t.issuer), `at Gatehouse: ${page.url}`);
  page = await ua.submit('/email', { email: DEMO_USER.email });
  page = await ua.submit('/password', { password: DEMO_USER.password });
  // Expense is Adaptive: to Dana, who has no 2FA yet, it suggests setting it up; she says "Remind me later".
  assert.match(page.url, /\/interaction\/[^/]+\/enroll$/, `the suggested wizard: ${page.url}`);
  page = await ua.submit('/enroll/later');
  assertSignedIn(page, expense);

  // "Open Payroll": single sign-on, no password page on the way; Payroll is Required, so the
  // enrollment wizard opens and Dana sets up an authenticator app, as Google Authenticator would.
  const openLink = (name: string) => {
    const link = new RegExp(`href="([^"]+)">Open ${name}<`).exec(ua.lastBody)?.[1];
    assert.equal(link, `${url(name)}/login`);
    return link!;
  };
  page = await ua.go(openLink('Payroll'));
  assert.match(page.url, /\/interaction\/[^/]+\/enroll$/, `the wizard: ${page.url}`);
  assert.match(page.body, /Payroll requires two-step verification/);
  assert.ok(!page.body.includes('name="password"') && !page.body.includes('/enroll/later'), 'no password again, no "Remind me later"');
  await ua.submit('/enroll/start');
  page = await ua.submit('/enroll/choose', { method: 'totp' });
  danaSecret = parseManualKey(page.body);
  page = await ua.submit('/enroll/confirm', { code: totpCode(danaSecret, clock.now()) });
  clock.nextStep();
  assert.equal(parseRecoveryCodes(page.body).length, 10);
  await ua.submit('/enroll/recovery', { stored: '1' });
  page = await ua.submit('/enroll/done');
  assertSignedIn(page, url('Payroll'), 'pwd otp mfa');

  // "Open Directory" (Bypass): single sign-on, nothing asked; the session holds both factors.
  page = await ua.go(openLink('Directory'));
  assertSignedIn(page, url('Directory'), 'pwd otp mfa');

  // Sign out from Expense: RP-initiated logout to Gatehouse, which confirms, then tells every app.
  page = await ua.go(`${expense}/`);
  page = await ua.submit('/logout');
  assert.ok(page.url.startsWith(`${t.issuer}/logout`), `at Gatehouse's logout confirmation: ${page.url}`);
  page = await ua.submit('/logout/confirm', { logout: 'yes' });
  assert.equal(page.url, `${expense}/`, 'back at Expense (post_logout_redirect_uri)');
  assert.ok(isSignInPage(page.body), 'Expense is signed out');
  for (const name of ['Payroll', 'Directory']) {
    page = await ua.go(`${url(name)}/`);
    assert.ok(isSignInPage(page.body), `${name} is signed out by back-channel logout`);
  }

  // And the Gatehouse session is gone: signing in again asks for the email.
  page = await ua.go(`${url('Payroll')}/login`);
  assert.ok(page.url.startsWith(t.issuer), 'Gatehouse asks to sign in again');
});

test('step-up asks for the password again and stays signed in', async () => {
  const ua = new UserAgent();
  const directory = url('Directory');
  await ua.go(`${directory}/login`);
  await ua.submit('/email', { email: DEMO_USER.email });
  let page = await ua.submit('/password', { password: DEMO_USER.password });
  assertSignedIn(page, directory);
  page = await ua.go(`${directory}/login?step_up=1`);
  assert.ok(page.url.startsWith(t.issuer), `max_age=0 brings back Gatehouse's sign-in: ${page.url}`);
  // Gatehouse may ask for the email first (it is prefilled from login_hint); the password it asks for in any case.
  if (!/type="password"/.test(page.body)) page = await ua.submit('/email', { email: DEMO_USER.email });
  assert.match(page.body, /type="password"/);
  page = await ua.submit('/password', { password: DEMO_USER.password });
  assertSignedIn(page, directory);
});

test('Payroll\'s "Change bank details" steps up to two factors, says what for, and shows the result', async () => {
  assert.ok(danaSecret, 'Dana set up her authenticator app in the first test');
  const ua = new UserAgent();
  // Signed in at Directory (Bypass) with the password alone, then at Payroll by single sign-on,
  // where Payroll (Required) asks for the code.
  const directory = url('Directory');
  await ua.go(`${directory}/login`);
  await ua.submit('/email', { email: DEMO_USER.email });
  let page = await ua.submit('/password', { password: DEMO_USER.password });
  assertSignedIn(page, directory);

  const payroll = url('Payroll');
  page = await ua.go(`${payroll}/login`);
  assert.ok(!page.body.includes('type="password"'), 'single sign-on: no password again');
  page = await ua.submit('/mfa', { code: totpCode(danaSecret!, clock.now()) });
  clock.nextStep();
  assertSignedIn(page, payroll, 'pwd otp mfa');
  assert.match(page.body, /<a class="button" href="\/sensitive">Change bank details<\/a>/);
  assert.ok(!(await ua.go(`${directory}/`)).body.includes('/sensitive'), 'only Payroll has the action');

  // The Gatehouse session already holds both factors: the step-up completes without a prompt.
  page = await ua.go(`${payroll}/sensitive`);
  assert.equal(page.url, `${payroll}/sensitive/done`);
  assert.match(page.body, /Change bank details: confirmed/);
  assert.ok(page.body.includes(`class="acr"><code>${ACR.multiFactor}</code>`));
  assert.ok(page.body.includes('class="amr"><code>pwd otp mfa</code>'));

  // On a device Dana asked Gatehouse to remember, Payroll's sign-in takes the password alone; the
  // step-up then asks for the code — only the code — and says what Payroll asks it for.
  const phone = new UserAgent();
  await phone.go(`${payroll}/login`);
  await phone.submit('/email', { email: DEMO_USER.email });
  await phone.submit('/password', { password: DEMO_USER.password });
  page = await phone.submit('/mfa', { code: totpCode(danaSecret!, clock.now()), remember: '1' });
  clock.nextStep();
  assertSignedIn(page, payroll, 'pwd otp mfa');
  page = await phone.submit('/logout');
  page = await phone.submit('/logout/confirm', { logout: 'yes' });
  assert.ok(isSignInPage(page.body), 'signed out of Payroll and Gatehouse');
  await phone.go(`${payroll}/login`);
  await phone.submit('/email', { email: DEMO_USER.email });
  page = await phone.submit('/password', { password: DEMO_USER.password });
  assertSignedIn(page, payroll, 'pwd');

  page = await phone.go(`${payroll}/sensitive`);
  assert.ok(page.url.startsWith(t.issuer), `at Gatehouse: ${page.url}`);
  assert.match(page.body, /Payroll asks you to confirm it is you to change bank details/);
  assert.ok(!page.body.includes('type="password"'), 'the password of this session still counts');
  page = await phone.submit('/mfa', { code: totpCode(danaSecret!, clock.now()) });
  clock.nextStep();
  assert.equal(page.url, `${payroll}/sensitive/done`);
  assert.match(page.body, /Gatehouse confirmed it is you with two-step verification\. You can now change bank details\./);
  assert.ok(page.body.includes('class="amr"><code>pwd otp mfa</code>'), 'the new ID token says both factors');
  assert.match((await phone.go(`${payroll}/`)).body, /Dana Demo/, 'still signed in to Payroll');
});

test('a callback that does not answer a sign-in started here, or a refusal, shows a readable page', async () => {
  const ua = new UserAgent();
  const expense = url('Expense');
  let page = await ua.go(`${expense}/callback?code=abc&state=forged`);
  assert.equal(page.status, 400);
  assert.match(page.body, /does not belong to a sign-in started here/);

  // A real sign-in started, then the provider answers with an error for that state.
  const start = await ua.fetch(`${expense}/login`);
  const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
  page = await ua.go(`${expense}/callback?error=access_denied&error_description=nope&state=${state}&iss=${encodeURIComponent(t.issuer)}`);
  assert.equal(page.status, 400);
  assert.match(page.body, /cancelled or refused/);
  assert.doesNotMatch(page.body, /at .*\.ts:\d+/, 'no stack trace');
});

test('sign-out needs the form token of the session', async () => {
  const ua = new UserAgent();
  const payroll = url('Payroll');
  await ua.go(`${payroll}/login`);
  await ua.submit('/email', { email: DEMO_USER.email });
  await ua.submit('/password', { password: DEMO_USER.password });
  // Dana set up her authenticator app at Payroll in the first sign-in above: now Payroll asks for a code.
  assert.ok(danaSecret, 'Dana enrolled at Payroll earlier in this file');
  const signedIn = await ua.submit('/mfa', { code: totpCode(danaSecret, clock.now()) });
  clock.nextStep();
  assertSignedIn(signedIn, payroll, 'pwd otp mfa');
  const res = await ua.fetch(`${payroll}/logout`, { form: { csrf: 'wrong' } });
  assert.equal(res.status, 403);
  const page = await ua.go(`${payroll}/`);
  assert.ok(!isSignInPage(page.body), 'still signed in');
});

test('the back-channel logout endpoint refuses tokens that do not verify', async () => {
  const target = `${url('Payroll')}/backchannel-logout`;
  const post = (form: Record<string, string>) =>
    fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  assert.equal((await post({})).status, 400);
  assert.equal((await post({ logout_token: 'not-a-jwt' })).status, 400);
  // An unsigned token claiming the right issuer and audience.
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const forged = `${b64({ alg: 'none', typ: 'logout+jwt' })}.${b64({ iss: t.issuer, aud: 'demo-payroll', iat: now, jti: 'x', sub: 's', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })}.`;
  const res = await post({ logout_token: forged });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: string }).error, 'invalid_request');
});

test('seeding again is idempotent; a changed port re-registers the app and keeps its policy', async () => {
  const { db, config } = t.gh.deps;
  const count = async () => ({
    users: (await db.selectFrom('users').select('id').where('email', '=', DEMO_USER.email).execute()).length,
    orgs: (await db.selectFrom('organizations').select('id').where('name', '=', 'Demo Company').execute()).length,
    apps: (await db.selectFrom('clients').select('client_id').where('client_id', 'like', 'demo-%').execute()).length,
  });
  const placed = DEMO_APPS.map((app, i) => ({ app, baseUrl: `http://localhost:${ports[i]}` }));
  const before = await count();
  assert.deepEqual(before, { users: 1, orgs: 1, apps: 3 });
  const again = await seedDemo(t.gh.deps, placed);
  assert.deepEqual(again.changedApps, []);
  assert.deepEqual(await count(), before);

  const user = await db.selectFrom('users').selectAll().where('email', '=', DEMO_USER.email).executeTakeFirstOrThrow();
  assert.equal(user.name, 'Dana Demo');
  assert.equal(user.email_verified, 1);
  assert.equal(user.org_id, again.organizationId);
  for (const app of DEMO_APPS) {
    const row = (await findClientRow(db, app.clientId))!;
    assert.equal(row.policy, app.policy);
    assert.equal(row.first_party, 1);
    assert.equal(clientMetadata(t.gh.deps.box, row).client_secret, demoClientSecret(config.secretKey, app.clientId));
  }

  // The port changed: Payroll's URIs follow, its policy (changed meanwhile) stays.
  await setAppPolicy(db, 'demo-payroll', 'bypass');
  const moved = placed.map((p) => (p.app.clientId === 'demo-payroll' ? { ...p, baseUrl: 'http://localhost:1' } : p));
  // Two instances starting at once (one PostgreSQL) both see the change; neither fails.
  const reseeded = await Promise.all([seedDemo(t.gh.deps, moved), seedDemo(t.gh.deps, moved)]);
  assert.ok(reseeded.some((r) => r.changedApps.join() === 'demo-payroll'));
  assert.ok(reseeded.every((r) => r.changedApps.every((id) => id === 'demo-payroll')));
  const payroll = (await findClientRow(db, 'demo-payroll'))!;
  const meta = clientMetadata(t.gh.deps.box, payroll);
  assert.deepEqual(meta.redirect_uris, ['http://localhost:1/callback']);
  assert.deepEqual(meta.post_logout_redirect_uris, ['http://localhost:1/']);
  assert.equal(meta.backchannel_logout_uri, 'http://localhost:1/backchannel-logout');
  assert.equal(payroll.policy, 'bypass');
  assert.deepEqual(await count(), before);

  // Back to the running ports, so the demo apps keep working for any later test.
  assert.deepEqual((await seedDemo(t.gh.deps, placed)).changedApps, ['demo-payroll']);
  await setAppPolicy(db, 'demo-payroll', 'required');
});

test("with the headers a browser adds to forms (Origin, Sec-Fetch-Site), sign-in and sign-out work; Gatehouse refuses a form posted from a demo app's origin", async () => {
  const ua = new UserAgent();
  ua.browserHeaders = true;
  const payroll = url('Payroll');
  await ua.go(`${payroll}/login`);
  await ua.submit('/email', { email: DEMO_USER.email });
  await ua.submit('/password', { password: DEMO_USER.password });
  assert.ok(danaSecret, 'Dana enrolled at Payroll earlier in this file');
  const signedIn = await ua.submit('/mfa', { code: totpCode(danaSecret, clock.now()) });
  clock.nextStep();
  assertSignedIn(signedIn, payroll, 'pwd otp mfa');
  // The app's own sign-out form, then Gatehouse's logout confirmation (oidc-provider's page).
  await ua.submit('/logout');
  const out = await ua.submit('/logout/confirm', { logout: 'yes' });
  assert.equal(out.url, `${payroll}/`);
  assert.ok(isSignInPage(out.body), 'Payroll is signed out');

  // A page on a demo app's origin (same site: another port) posting one of Gatehouse's forms, even
  // with a valid token of this browser, is not Gatehouse's own page.
  await ua.go(`${t.issuer}/reset`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(ua.lastBody)![1]!;
  const res = await ua.fetch(`${t.issuer}/reset`, { method: 'POST', form: { csrf, email: DEMO_USER.email }, headers: formHeaders(`${payroll}/`, `${t.issuer}/reset`, 'no-referrer') });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /cross_origin_request/);
});
