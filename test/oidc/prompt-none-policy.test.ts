import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, redeemCode, relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, passwordStep, signInWithTotp, finish } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';

// prompt=none (OpenID Connect Core §3.1.2.1) against the policy engine (issue 9): a silent request
// must never hand out a code the app's policy or the request itself would have asked a factor for.
// openid-client builds each request and reads each answer (state, iss, the error), over real HTTP.
//
// Gatehouse may answer a session that lacks the second factor with interaction_required or
// login_required (both say "come back interactively"); what it must not do is return a code.

const PASSWORD = 'correct horse battery staple';
const cb = { required: 'http://127.0.0.1:9/payroll/cb', adaptive: 'http://127.0.0.1:9/expense/cb', bypass: 'http://127.0.0.1:9/directory/cb' };
type AppName = keyof typeof cb;
const clock = new FakeClock();
let t: TestGatehouse;
const rp = {} as Record<AppName, client.Configuration>;
/** A person with an authenticator app only (enrolled at Payroll, Required). */
let person: { email: string; secret: string };

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const apps: Array<[AppName, string]> = [['required', 'Payroll'], ['adaptive', 'Expense'], ['bypass', 'Directory']];
  for (const [policy, name] of apps) {
    const { clientId, clientSecret } = await t.createApp({ name, redirectUris: [cb[policy]], policy });
    rp[policy] = await relyingParty(t.issuer, clientId, clientSecret);
  }
  const email = 'nora@example.com';
  await t.createUser(email, PASSWORD);
  const { secret } = await enrollTotp(new UserAgent(), rp.required, cb.required, email, PASSWORD, clock);
  clock.nextStep();
  person = { email, secret };
});
after(async () => {
  await t?.close();
});

type Silent = { code: true; claims: client.IDToken } | { code: false; error: string };

/**
 * A prompt=none request from this browser: Gatehouse must answer at the redirect_uri at once, with
 * no page in between. openid-client redeems a code (checking state, nonce and the ID token), or
 * reads the error response (checking state and iss, RFC 9207).
 */
async function silently(ua: UserAgent, app: AppName, extra: Record<string, string> = {}): Promise<Silent> {
  const { auth, page, returned } = await authorize(ua, rp[app], cb[app], { prompt: 'none', ...extra });
  assert.ok(returned, `prompt=none must answer at the redirect_uri without showing a page; ended at ${page.url.replace(t.issuer, '')} (${page.status})`);
  try {
    const tokens = await redeemCode(rp[app], auth, page.url);
    return { code: true, claims: tokens.claims()! };
  } catch (err) {
    if (err instanceof client.AuthorizationResponseError) return { code: false, error: err.error };
    throw err;
  }
}

/** The session lacks what the app or request needs: an error that sends the app back interactively, never a code. */
function assertNotSilent(r: Silent, what: string): void {
  if (r.code) assert.fail(`${what}: a code came back silently (acr ${r.claims.acr}, amr ${JSON.stringify(r.claims.amr)})`);
  assert.ok(['interaction_required', 'login_required'].includes(r.error), `${what}: interaction_required or login_required, got ${r.error}`);
}

const sameEvent = (r: Silent, first: client.IDToken, what: string) => {
  assert.ok(r.code, `${what}: a code, got ${r.code ? '' : r.error}`);
  assert.equal(r.claims.sub, first.sub, what);
  assert.equal(r.claims.acr, first.acr, `${what}: acr unchanged`);
  assert.deepEqual(r.claims.amr, first.amr, `${what}: amr unchanged`);
  assert.equal(r.claims.auth_time, first.auth_time, `${what}: auth_time unchanged (no new authentication)`);
};

test('no session: login_required at every kind of app', async () => {
  const ua = new UserAgent();
  for (const app of ['required', 'adaptive', 'bypass'] as const) {
    const r = await silently(ua, app);
    assert.deepEqual(r, { code: false, error: 'login_required' }, app);
  }
});

test('a password-only session from a Bypass app never skips the second factor silently', async () => {
  const ua = new UserAgent();
  // Directory (Bypass): the password alone, though the person has an authenticator app.
  const first = await passwordStep(ua, rp.bypass, cb.bypass, person.email, PASSWORD);
  assert.ok(first.returned, 'precondition: Directory signs in with the password alone');
  const { claims: session } = await finish(rp.bypass, first.auth, first.page.url);
  assert.deepEqual(session.amr, ['pwd']);
  assert.equal(session.acr, ACR.singleFactor);

  // Payroll (Required) always asks.
  assertNotSilent(await silently(ua, 'required'), 'Required app');
  // Expense (Adaptive): this browser never completed a two-factor sign-in of hers (a new device).
  assertNotSilent(await silently(ua, 'adaptive'), 'Adaptive app from a browser she never used the second factor in');
  // A step-up the app asks for, even at the Bypass app that signed her in.
  assertNotSilent(await silently(ua, 'bypass', { acr_values: ACR.multiFactor }), 'acr_values multi-factor at the Bypass app');
  assertNotSilent(await silently(ua, 'required', { acr_values: ACR.multiFactor }), 'acr_values multi-factor at the Required app');
  assertNotSilent(await silently(ua, 'bypass', { claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR.multiFactor } } }) }), 'an essential multi-factor acr at the Bypass app');
  // max_age=0: a fresh authentication, which prompt=none forbids.
  assertNotSilent(await silently(ua, 'bypass', { max_age: '0' }), 'max_age=0 at the Bypass app');

  // And the Bypass app itself still answers silently, with the session's own authentication event.
  sameEvent(await silently(ua, 'bypass'), session, 'the Bypass app');
});

test('a session that meets the app gets a code silently, with acr, amr and auth_time of that sign-in', async () => {
  const ua = new UserAgent();
  const { claims: first } = await signInWithTotp(ua, rp.required, cb.required, person.email, PASSWORD, person.secret, clock);
  clock.nextStep();
  assert.equal(first.acr, ACR.multiFactor);
  assert.deepEqual(first.amr, ['pwd', 'otp', 'mfa']);

  sameEvent(await silently(ua, 'required'), first, 'the Required app');
  // This browser completed a two-factor sign-in: the Adaptive app skips silently, from a known device.
  sameEvent(await silently(ua, 'adaptive'), first, 'the Adaptive app from the browser of the two-factor sign-in');
  sameEvent(await silently(ua, 'bypass'), first, 'the Bypass app');
  sameEvent(await silently(ua, 'bypass', { acr_values: ACR.multiFactor }), first, 'acr_values multi-factor, which the session meets');
  // …but never a fresh authentication: max_age=0 still needs the person.
  assertNotSilent(await silently(ua, 'required', { max_age: '0' }), 'max_age=0 at the Required app');
  assertNotSilent(await silently(ua, 'adaptive', { max_age: '0' }), 'max_age=0 at the Adaptive app');
  // The failed silent requests left the session as it was.
  sameEvent(await silently(ua, 'required'), first, 'the Required app again');
});

// The interactive path is test/gate/step-up-enrollment.security.test.ts: after her code the wizard
// offers a security key, and cancelling it tells the app unmet_authentication_requirements. Asked
// silently, the requirement can still be met interactively (by adding a key), so the answer is "come
// back interactively" — at once, with no code and no round trip between /auth and the pages.
test('an essential phishing-resistant acr of a person with only an authenticator app: prompt=none ends at once in an error, no code, no loop', async () => {
  const ua = new UserAgent();
  const { claims: first } = await signInWithTotp(ua, rp.required, cb.required, person.email, PASSWORD, person.secret, clock);
  clock.nextStep();
  const essential = { claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR.phishingResistant } } }) };
  for (const app of ['required', 'adaptive', 'bypass'] as const) {
    assertNotSilent(await silently(ua, app, essential), `${app}: an essential phishing-resistant acr`);
    assertNotSilent(await silently(ua, app, { acr_values: ACR.phishingResistant }), `${app}: acr_values phishing-resistant`);
  }
  sameEvent(await silently(ua, 'required'), first, 'the session is untouched');
});

// An essential acr of values Gatehouse never issues cannot be met by any interaction: asked
// interactively it ends at once in unmet_authentication_requirements (test/gate/auth-time.security);
// asked silently it must say the same, not send the app round through an interactive request that
// can only end that way (OpenID Connect Unmet Authentication Requirements 1.0: this code SHALL be used).
test('an essential acr Gatehouse never issues: prompt=none ends in unmet_authentication_requirements, with or without a session', async () => {
  const unknown = { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:never-issued'] } } }) };
  const stranger = new UserAgent();
  for (const app of ['required', 'adaptive', 'bypass'] as const) {
    assert.deepEqual(await silently(stranger, app, unknown), { code: false, error: 'unmet_authentication_requirements' }, `${app}, no session`);
  }
  const ua = new UserAgent();
  const { claims: first } = await signInWithTotp(ua, rp.required, cb.required, person.email, PASSWORD, person.secret, clock);
  clock.nextStep();
  for (const app of ['required', 'adaptive', 'bypass'] as const) {
    assert.deepEqual(await silently(ua, app, unknown), { code: false, error: 'unmet_authentication_requirements' }, `${app}, a two-factor session`);
  }
  sameEvent(await silently(ua, 'required'), first, 'the session is untouched');
});
