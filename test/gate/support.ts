import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { redeemCode, relyingParty, type AuthStart } from '../helpers/oidc-client.ts';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { enrollTotp, parseManualKey, totpCode, type FakeClock } from '../helpers/mfa.ts';

// Shared by the sign-in gate suites (test/gate): what a browser sees, what the store holds.

export const PASSWORD = 'correct horse battery staple';

export const atApp = (redirectUri: string) => (u: string) => u.startsWith(redirectUri);

/** The authorization code in `url` when the browser was sent to the app's redirect_uri with one. */
export function codeAt(url: string, redirectUri: string): string | undefined {
  return url.startsWith(redirectUri) ? (new URL(url).searchParams.get('code') ?? undefined) : undefined;
}

/** The OAuth error in `url` when the browser was sent to the app's redirect_uri with one. */
export function errorAt(url: string, redirectUri: string): string | undefined {
  return url.startsWith(redirectUri) ? (new URL(url).searchParams.get('error') ?? undefined) : undefined;
}

function forms(body: string): Array<{ action: string; inner: string }> {
  return [...body.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({ action: m[1]!.replace(/&amp;/g, '&'), inner: m[2]! }));
}

/** The second-factor challenge: a form posting to `/interaction/<uid>/mfa` with the authenticator-app code field. */
export function isTotpChallenge(body: string): boolean {
  return forms(body).some((f) => /\/interaction\/[^/?#]+\/mfa$/.test(f.action) && /name="method" value="totp"/.test(f.inner) && /name="code"/.test(f.inner));
}

/** The sign-in's first step: the email or the password form. */
export function isSignIn(body: string): boolean {
  return forms(body).some((f) => /\/interaction\/[^/?#]+\/(email|password)$/.test(f.action));
}

/** A few words on what a page is, for assertion messages. */
export function describePage(page: { status: number; body: string }): string {
  const kind = isTotpChallenge(page.body) ? 'the authenticator-app challenge' : isWizard(page.body) ? 'the wizard' : isSignIn(page.body) ? 'the email/password page' : `"${/<h1>([^<]*)</.exec(page.body)?.[1] ?? ''}"`;
  return page.status >= 300 && page.status < 400 ? `${page.status}, still redirecting after 20 hops` : `${page.status}, ${kind}`;
}

/**
 * A page of the enrollment wizard: one of its forms posts to a step of it (the intro and the done
 * page carry no "Step n of m" since issue 7, so the count no longer marks every page).
 */
export const isWizard = (body: string) => /<form method="post" action="[^"]*\/enroll\/(?:start|later|choose|confirm|recovery|done)"/.test(body);

/**
 * A valid form token of this browser, read from a Gatehouse page: tokens are bound to what they act
 * on, so for a sign-in's routes it is read from that sign-in's own page (`uid`), otherwise from a
 * page outside the sign-in (the reset request page), bound to the browser's session.
 */
export async function csrfToken(ua: UserAgent, t: TestGatehouse, uid?: string): Promise<string> {
  const res = await ua.fetch(uid ? `${t.issuer}/interaction/${uid}` : `${t.issuer}/reset`);
  const body = await res.text();
  const m = /name="csrf" value="([^"]+)"/.exec(body);
  if (uid && !m) {
    // The sign-in's page may redirect (to its wizard): read the token where it leads.
    const page = await ua.go(`${t.issuer}/interaction/${uid}`);
    const again = /name="csrf" value="([^"]+)"/.exec(page.body);
    assert.ok(again, `no CSRF field on the sign-in's page (${page.url})`);
    return again[1]!;
  }
  assert.ok(m, 'no CSRF field on the page');
  return m[1]!;
}

/** Every 2FA method row of a person, pending or active. */
export async function methodRows(t: TestGatehouse, userId: string) {
  return t.gh.deps.db.selectFrom('mfa_methods').select(['id', 'type', 'status']).where('user_id', '=', userId).orderBy('id').execute();
}

export async function passwordHash(t: TestGatehouse, userId: string): Promise<string | null> {
  const row = await t.gh.deps.db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirstOrThrow();
  return row.password_hash;
}

/** A person with an authenticator app (enrolled at sign-in to a Required app, in a browser of their own). */
export async function personWithTotp(t: TestGatehouse, required: client.Configuration, requiredCb: string, email: string, clock: FakeClock) {
  const user = await t.createUser(email, PASSWORD);
  const enrolled = await enrollTotp(new UserAgent(), required, requiredCb, email, PASSWORD, clock);
  clock.nextStep();
  return { userId: user.id, secret: enrolled.secret };
}

/** A real wait, only where oidc-provider's own clock must move (auth_time has one-second precision). */
export const nextSecond = () => new Promise<void>((r) => setTimeout(r, 1100));

export interface WizardRun {
  /** Every URL at the app's redirect_uri the browser was sent to. */
  atApp: string[];
  /** The last page shown. */
  last: { url: string; status: number; body: string };
  /** The authenticator-app secret the wizard handed out, when it got that far. */
  secret?: string;
}

/**
 * Goes through the wizard at `base` (`/interaction/<uid>/enroll`) with an authenticator app of the
 * browser's own, as far as Gatehouse lets it: intro → start → choose TOTP → type the code →
 * recovery codes stored → done. Never throws on a refusal; returns where it ended.
 */
export async function enrollThroughWizard(ua: UserAgent, t: TestGatehouse, base: string, redirectUri: string, clock: FakeClock, csrf?: string): Promise<WizardRun> {
  const token = csrf ?? (await csrfToken(ua, t, /\/interaction\/([^/]+)\//.exec(base)?.[1]));
  const run: WizardRun = { atApp: [], last: { url: '', status: 0, body: '' } };
  const post = async (path: string, form: Record<string, string> = {}) => {
    const page = await ua.go(`${t.issuer}${base}${path}`, { method: 'POST', form: { csrf: token, ...form } }, atApp(redirectUri));
    if (page.url.startsWith(redirectUri)) run.atApp.push(page.url);
    run.last = page;
    return page;
  };
  await post('/start');
  const setup = await post('/choose', { method: 'totp' });
  if (!/data-testid="totp-secret"/.test(setup.body)) return run;
  run.secret = parseManualKey(setup.body);
  const confirmed = await post('/confirm', { code: totpCode(run.secret, clock.now()) });
  if (confirmed.body.includes(`${base}/recovery"`)) await post('/recovery', { stored: '1' });
  await post('/done');
  return run;
}

export interface WizardProbe extends WizardRun {
  /** GET of the wizard page itself, not followed. */
  get: { status: number; location: string | null; showsWizard: boolean };
}

/**
 * What someone who knows only the password tries against the sign-in's enrollment wizard: open it,
 * start it, choose a security key, go back, enroll an authenticator app of their own, and "Remind
 * me later". Every POST carries a valid CSRF token of the browser.
 */
export async function probeWizard(ua: UserAgent, t: TestGatehouse, uid: string, redirectUri: string, clock: FakeClock): Promise<WizardProbe> {
  const base = `/interaction/${uid}/enroll`;
  const res = await ua.fetch(`${t.issuer}${base}`);
  const body = await res.text();
  const get = { status: res.status, location: res.headers.get('location'), showsWizard: res.status === 200 && isWizard(body) };
  const csrf = await csrfToken(ua, t, uid);
  const extra: string[] = [];
  const post = async (path: string, form: Record<string, string> = {}) => {
    const page = await ua.go(`${t.issuer}${base}${path}`, { method: 'POST', form: { csrf, ...form } }, atApp(redirectUri));
    if (page.url.startsWith(redirectUri)) extra.push(page.url);
  };
  await post('/start');
  await post('/choose', { method: 'security-key' });
  await post('/back');
  const run = await enrollThroughWizard(ua, t, base, redirectUri, clock, csrf);
  await post('/later');
  return { ...run, atApp: [...extra, ...run.atApp], get };
}

/** Redeems the first code among `urls` for `auth`; the ID token's acr (or why it could not be redeemed). */
export async function acrOfFirstCode(rp: client.Configuration, auth: AuthStart, urls: string[]): Promise<string | undefined> {
  const url = urls.find((u) => new URL(u).searchParams.has('code'));
  if (!url) return undefined;
  try {
    return String((await redeemCode(rp, auth, url)).claims()!.acr);
  } catch (err) {
    return `(code not redeemable: ${(err as Error).message})`;
  }
}

/** The redirect URIs of the gate suites' two apps. */
export const CALLBACKS = { required: 'http://127.0.0.1:9/payroll/cb', bypass: 'http://127.0.0.1:9/directory/cb' } as const;

/**
 * The gate suites' world: a Gatehouse on `clock` with Payroll (Required) and Directory (Bypass),
 * and a relying party of each (openid-client).
 */
export async function payrollAndDirectory(clock: FakeClock): Promise<{ t: TestGatehouse; required: client.Configuration; bypass: client.Configuration }> {
  const t = await startTestGatehouse({}, { clock });
  const r = await t.createApp({ name: 'Payroll', redirectUris: [CALLBACKS.required], policy: 'required' });
  const b = await t.createApp({ name: 'Directory', redirectUris: [CALLBACKS.bypass], policy: 'bypass' });
  return { t, required: await relyingParty(t.issuer, r.clientId, r.clientSecret), bypass: await relyingParty(t.issuer, b.clientId, b.clientSecret) };
}
