import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, redeemCode, relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, signInWithTotp } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { FRESH_PROOF_MS } from '../../src/flows/fresh-proof.ts';
import { postSettings } from '../account-security/support.ts';
import { PASSWORD, codeAt, errorAt, isSignIn, nextSecond, personWithTotp } from './support.ts';

// SECURITY.md "Flows and sessions": only a factor proven now moves auth_time and renews a fresh
// proof; a request the session already meets finishes with the session's original auth_time and amr.
// The clock starts an hour behind the real one, so that it can be set just past the 5-minute window
// of a sign-in that oidc-provider stamps with the real time.
const clock = new FakeClock(Date.now() - 3600_000);
let t: TestGatehouse;
let required: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const r = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  required = await relyingParty(t.issuer, r.clientId, r.clientSecret);
});
after(async () => {
  await t.close();
});

const essentialSingleFactor = { claims: JSON.stringify({ id_token: { acr: { essential: true, value: ACR.singleFactor } } }) };

/** Sends this browser to the app with `extra`; it must come back with a code at once: returns the ID token claims. */
async function silently(ua: UserAgent, extra: Record<string, string>) {
  const { auth, page, returned } = await authorize(ua, required, cb, extra);
  assert.ok(returned && codeAt(page.url, cb), `${JSON.stringify(extra)} returns to the app with a code without asking anything; it ended at ${page.url.replace(t.issuer, '')} (${page.status}${page.status === 303 ? ', still redirecting after 20 hops' : ''})`);
  return (await redeemCode(required, auth, page.url)).claims()!;
}

// Today: the essential single-factor acr does not equal the session's multi-factor acr, so
// oidc-provider asks for a login; Gatehouse treats it as a step-up and finishes it at once with the
// session's own amr — a new login with a new auth_time and no factor asked — and oidc-provider asks
// again: the browser bounces between /authorize and /interaction (still redirecting after 20 hops),
// each round renewing auth_time. The renewed auth_time counts as a fresh second-factor proof, so
// Account settings regenerate the recovery codes without "Confirm it's you". Fails at
// "regenerating recovery codes still asks 'Confirm it's you'" (200 instead of the redirect).
test('a request the session already meets returns at once with the original auth_time, amr and acr, and renews no proof', async () => {
  const email = 'meets@example.com';
  const { secret } = await personWithTotp(t, required, cb, email, clock);
  const ua = new UserAgent();
  const first = (await signInWithTotp(ua, required, cb, email, PASSWORD, secret, clock)).claims;
  assert.equal(first.acr, ACR.multiFactor);
  const T1 = first.auth_time!;
  assert.equal(typeof T1, 'number');

  // oidc-provider's clock moves on; Gatehouse's clock is set just past the 5-minute window of T1.
  await nextSecond();
  clock.advance(T1 * 1000 + FRESH_PROOF_MS + 500 - clock.now());

  const multi = await silently(ua, { acr_values: ACR.multiFactor });
  assert.equal(multi.auth_time, T1, 'acr_values the session meets: the same authentication event');
  assert.equal(multi.acr, first.acr);
  assert.deepEqual(multi.amr, first.amr);

  // The same session asked for an essential single-factor acr, which the multi-factor session meets.
  const asked = await authorize(ua, required, cb, essentialSingleFactor);

  // No factor was proven by that request: the settings still want a fresh proof.
  const regenerate = await postSettings(ua, t, '/account/security/recovery-codes');
  assert.deepEqual(regenerate, { status: 303, location: `/account/security/verify?next=${encodeURIComponent('/account/security/recovery-codes/confirm')}` }, "regenerating recovery codes still asks 'Confirm it's you'");

  assert.ok(asked.returned && codeAt(asked.page.url, cb), `the essential single-factor request returns to the app with a code without asking anything; it ended at ${asked.page.url.replace(t.issuer, '')} (${asked.page.status})`);
  const single = (await redeemCode(required, asked.auth, asked.page.url)).claims()!;
  assert.equal(single.auth_time, T1, 'the same authentication event, not a new one');
  assert.equal(single.acr, first.acr, 'the acr of what really happened');
  assert.deepEqual(single.amr, first.amr);

  // And the session itself was not renewed either: acr_values again still says T1.
  const again = await silently(ua, { acr_values: ACR.multiFactor });
  assert.equal(again.auth_time, T1);
});

// Found by the attacker's walk: an app naming another subject (claims sub value) sent the browser
// between /authorize and /interaction forever, each round a login of the session's person. And an
// essential acr of only unknown values was ignored: a code came back instead of an error.
test('an essential acr Gatehouse never issues ends in unmet_authentication_requirements; another subject gets the sign-in page, not a loop', async () => {
  const email = 'unknown-acr@example.com';
  const { secret } = await personWithTotp(t, required, cb, email, clock);
  const ua = new UserAgent();
  const first = (await signInWithTotp(ua, required, cb, email, PASSWORD, secret, clock)).claims;

  const unknown = await authorize(ua, required, cb, { claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['urn:example:unknown'] } } }) });
  assert.ok(unknown.returned, `back at the app: ${unknown.page.url}`);
  assert.equal(errorAt(unknown.page.url, cb), 'unmet_authentication_requirements');

  const other = await authorize(ua, required, cb, { claims: JSON.stringify({ id_token: { sub: { value: 'someone-else' } } }) });
  assert.equal(other.returned, false);
  assert.equal(other.page.status, 200, `a page, not redirects: ${other.page.url} (${other.page.status})`);
  assert.ok(isSignIn(other.page.body), 'the sign-in page for the other person');

  // The session of the first person is untouched.
  const again = await silently(ua, { acr_values: ACR.multiFactor });
  assert.equal(again.auth_time, first.auth_time);
});
