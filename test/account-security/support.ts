import assert from 'node:assert/strict';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock, parseManualKey, parseRecoveryCodes, totpCode } from '../helpers/mfa.ts';

export const PASSWORD = 'correct horse battery staple';

/**
 * A fake clock an hour behind the real one, for suites that redeem tokens after a 2FA change signed
 * the person out everywhere: oidc-provider stamps tokens (`iat`) with the real time while Gatehouse
 * writes `sessions_valid_after` with its own clock, so a fake clock that ran ahead (every TOTP code
 * moves it to the next 30-second step) would make the tokens issued right after the change look
 * older than it. Not for the fresh-proof suite: a sign-in (real `auth_time`) would look fresh longer.
 */
export function clockBehind(): FakeClock {
  return new FakeClock(Date.now() - 3600_000);
}

/** The account settings page of 2FA. */
export const securityUrl = (t: TestGatehouse) => `${t.issuer}/account/security`;

/**
 * Signs in to /account in this browser: email, password and — when the person has 2FA — the
 * authenticator-app code of the clock's current step. Returns the page shown at the end.
 */
export async function signInToAccount(ua: UserAgent, t: TestGatehouse, email: string, opts: { secret?: string; clock?: FakeClock } = {}) {
  let page = await ua.go(`${t.issuer}/account`);
  if (page.url.includes('/interaction/') && ua.lastBody.includes('/email"')) page = await ua.submit('/email', { email });
  if (page.url.includes('/interaction/') && ua.lastBody.includes('/password"')) page = await ua.submit('/password', { password: PASSWORD });
  if (page.url.includes('/interaction/') && ua.lastBody.includes('/mfa"')) {
    assert.ok(opts.secret && opts.clock, 'the account sign-in asks for the second factor');
    page = await ua.submit('/mfa', { method: 'totp', code: totpCode(opts.secret, opts.clock.now()) });
  }
  assert.equal(page.url, `${t.issuer}/account`, `not at the account: ${page.url} (${page.status})`);
  return page;
}

/** The CSRF token of the last page's forms. */
export function csrfOf(ua: UserAgent): string {
  const m = /name="csrf" value="([^"]+)"/.exec(ua.lastBody);
  assert.ok(m, 'no CSRF field on the page');
  return m[1]!;
}

/** Whether the page is "Confirm it's you" (the fresh-proof page of the settings). */
export const isProofPage = (page: { url: string; body: string }) => page.url.includes('/account/security/verify') && page.body.includes("Confirm it&#39;s you");

export interface SettingsEnrollment {
  secret: string;
  recoveryCodes: string[];
  /** The settings page shown at the end (`?done=added`). */
  page: { url: string; status: number; body: string };
}

/**
 * From Account settings → Two-step verification, goes through the wizard with an authenticator app,
 * starting from "Add a method"/"Enable"; answers "Confirm it's you" with the password when asked
 * (no 2FA yet) or with a code of `proofSecret`. Expects the recovery codes step when `expectCodes`
 * (a first method; the default).
 */
export async function addTotpInSettings(ua: UserAgent, t: TestGatehouse, clock: FakeClock, opts: { expectCodes?: boolean; proofSecret?: string } = {}): Promise<SettingsEnrollment> {
  await ua.go(securityUrl(t));
  let page = await ua.submit('/account/security/add');
  if (isProofPage(page) && page.body.includes('name="password"')) page = await ua.submit('/account/security/verify', { password: PASSWORD });
  else if (isProofPage(page) && opts.proofSecret) {
    page = await ua.submit('/account/security/verify', { code: totpCode(opts.proofSecret, clock.now()) });
    clock.nextStep();
  }
  assert.equal(page.url, `${t.issuer}/account/security/enroll`, `expected the wizard, got ${page.url} (${page.status})`);
  // A first method starts at the why; a person who has 2FA goes straight to choosing (issue 7).
  if (opts.expectCodes ?? true) page = await ua.submit('/enroll/start');
  else assert.match(page.body, /<h1>Choose how to verify<\/h1>/, 'an added method: no second pitch');
  page = await ua.submit('/enroll/choose', { method: 'totp' });
  const secret = parseManualKey(page.body);
  page = await ua.submit('/enroll/confirm', { code: totpCode(secret, clock.now()) });
  let recoveryCodes: string[] = [];
  if (opts.expectCodes ?? true) {
    assert.match(page.body, /Save your recovery codes/, `expected the recovery codes, got ${page.url} (${page.status})`);
    recoveryCodes = parseRecoveryCodes(page.body);
    page = await ua.submit('/enroll/recovery', { stored: '1' });
  }
  // The first method turns two-step verification on; a later one is "added".
  assert.match(page.body, (opts.expectCodes ?? true) ? /<h1>Two-step verification is on<\/h1>/ : /<h1>Authenticator app added<\/h1>/, `expected the last step, got ${page.url} (${page.status})`);
  page = await ua.submit('/enroll/done');
  assert.equal(page.url, `${securityUrl(t)}?done=added`);
  // The code of this step is used up: the next one must come from the next step.
  clock.nextStep();
  return { secret, recoveryCodes, page };
}

/** The method rows listed on the settings page: id, name, whether it carries the Default badge. */
export function listedMethods(body: string): Array<{ id: string; name: string; isDefault: boolean; row: string }> {
  return [...body.matchAll(/<tr data-method="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
    id: m[1]!,
    name: /<strong>([^<]*)<\/strong>/.exec(m[2]!)?.[1] ?? '',
    isDefault: m[2]!.includes('class="badge">Default<'),
    row: m[2]!,
  }));
}

/** "n of 10 recovery codes left" on the settings page. */
export function recoveryRemaining(body: string): number {
  const m = /(\d+) of 10 recovery codes left/.exec(body);
  assert.ok(m, 'the settings page shows how many recovery codes are left');
  return Number(m[1]);
}

/**
 * A person who enabled an authenticator app in Account settings, in a browser that stays signed
 * in to /account (its sign-in was password only; the proof was the password again).
 */
export async function personWithTotp(t: TestGatehouse, clock: FakeClock, email: string, ua = new UserAgent()) {
  const user = await t.createUser(email, PASSWORD);
  await signInToAccount(ua, t, email);
  const enrolled = await addTotpInSettings(ua, t, clock);
  return { ua, user, ...enrolled };
}

/** POSTs a settings form with this browser's CSRF token (read from the settings page); no redirect is followed. */
export async function postSettings(ua: UserAgent, t: TestGatehouse, path: string, form: Record<string, string> = {}) {
  await ua.go(securityUrl(t));
  const res = await ua.fetch(`${t.issuer}${path}`, { method: 'POST', form: { csrf: csrfOf(ua), ...form } });
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get('location') };
}

/** Forgets the Gatehouse session of a browser (closed, or signed out) but keeps its other cookies. */
export function dropSession(ua: UserAgent): void {
  for (const jar of ua.cookies.values()) for (const name of [...jar.keys()]) if (name.startsWith('_session')) jar.delete(name);
}

/** Answers "Confirm it's you" with a code of the authenticator app, so that the next change goes through. */
export async function confirmWithCode(ua: UserAgent, t: TestGatehouse, secret: string, clock: FakeClock): Promise<void> {
  await ua.go(`${t.issuer}/account/security/verify?next=%2Faccount%2Fsecurity`);
  const page = await ua.submit('/account/security/verify', { code: totpCode(secret, clock.now()) });
  assert.equal(page.url, securityUrl(t), `the proof was not accepted (${page.status})`);
  clock.nextStep();
}
