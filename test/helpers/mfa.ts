import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import type { Clock } from '../../src/clock.ts';
import type { UserAgent } from './user-agent.ts';
import { buildAuthorization, redeemCode, type AuthStart } from './oidc-client.ts';

/**
 * A clock the test moves by hand: TOTP windows, backoff and "Remind me later" are tested without
 * sleeping. Starts at the real time (oidc-provider keeps its own clock for its tokens).
 */
export class FakeClock implements Clock {
  #now: number;
  constructor(start = Date.now()) {
    this.#now = start;
  }
  now = (): number => this.#now;
  advance(ms: number): void {
    this.#now += ms;
  }
  /** Moves to the start of the next 30-second TOTP step, so a fresh code is due. */
  nextStep(): void {
    this.#now = (Math.floor(this.#now / 30_000) + 1) * 30_000 + 1_000;
  }
}

/** The code an authenticator app (Google/Microsoft Authenticator: SHA-1, 6 digits, 30 s) shows at `atMs`. */
export function totpCode(secretBase32: string, atMs: number): string {
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
  return totp.generate({ timestamp: atMs });
}

/** A six-digit code that is not valid at `atMs` (±1 step) for this secret. */
export function wrongCode(secretBase32: string, atMs: number): string {
  const valid = new Set([-30_000, 0, 30_000].map((d) => totpCode(secretBase32, atMs + d)));
  for (let n = 0; ; n++) {
    const c = String(n).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

const atApp = (redirectUri: string) => (u: string) => u.startsWith(redirectUri);

/**
 * Starts an authorization and signs in with email and password; returns where the browser
 * ended up (a 2FA page, the wizard, or the app's redirect_uri).
 */
export async function passwordStep(ua: UserAgent, rp: client.Configuration, redirectUri: string, email: string, password: string, extra: Record<string, string> = {}) {
  const auth = await buildAuthorization(rp, redirectUri, extra);
  let page = await ua.go(auth.url.href, {}, atApp(redirectUri));
  if (!atApp(redirectUri)(page.url) && ua.lastBody.includes('/email"')) page = await ua.submit('/email', { email }, atApp(redirectUri));
  if (!atApp(redirectUri)(page.url) && ua.lastBody.includes('/password"')) page = await ua.submit('/password', { password }, atApp(redirectUri));
  return { auth, page, returned: atApp(redirectUri)(page.url) };
}

/** Submits a code at the challenge page currently shown; returns the next page or the app's redirect. */
export function submitCode(ua: UserAgent, redirectUri: string, code: string, extra: Record<string, string> = {}) {
  return ua.submit('/mfa', { code, ...extra }, atApp(redirectUri));
}

/** The interaction uid of the page the browser is on. */
export function interactionUid(url: string): string {
  const m = /\/interaction\/([^/?#]+)/.exec(url);
  assert.ok(m, `not an interaction page: ${url}`);
  return m[1]!;
}

/** Redeems the code at `callbackUrl` and returns the ID token claims beside the tokens. */
export async function finish(rp: client.Configuration, auth: AuthStart, callbackUrl: string) {
  const tokens = await redeemCode(rp, auth, callbackUrl);
  return { tokens, claims: tokens.claims()! };
}

/** The ten recovery codes listed on the wizard's recovery page. */
export function parseRecoveryCodes(body: string): string[] {
  const list = /<ol class="codes"[^>]*>([\s\S]*?)<\/ol>/.exec(body)?.[1] ?? '';
  return [...list.matchAll(/<code>([^<]+)<\/code>/g)].map((m) => m[1]!);
}

/** The manual key shown under "Can't scan?", spaces removed, as a person would type it. */
export function parseManualKey(body: string): string {
  const m = /data-testid="totp-secret">([^<]+)</.exec(body);
  assert.ok(m, 'no manual key on the page');
  return m[1]!.replace(/\s+/g, '');
}

export interface EnrolledTotp {
  secret: string;
  recoveryCodes: string[];
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
  claims: client.IDToken;
}

/**
 * Signs in to a Required app as a person without 2FA and goes through the whole wizard with an
 * authenticator app: intro → start → choose TOTP → read the manual key → type the app's code →
 * recovery codes → tick "stored" → done → back at the app with an authorization code.
 */
export async function enrollTotp(ua: UserAgent, rp: client.Configuration, redirectUri: string, email: string, password: string, clock: Clock): Promise<EnrolledTotp> {
  const { auth, page } = await passwordStep(ua, rp, redirectUri, email, password);
  assert.match(page.url, /\/enroll$/, `expected the wizard, got ${page.url}`);
  await ua.submit('/enroll/start');
  await ua.submit('/enroll/choose', { method: 'totp' });
  const secret = parseManualKey(ua.lastBody);
  await ua.submit('/enroll/confirm', { code: totpCode(secret, clock.now()) });
  const recoveryCodes = parseRecoveryCodes(ua.lastBody);
  assert.equal(recoveryCodes.length, 10, 'ten recovery codes shown');
  await ua.submit('/enroll/recovery', { stored: '1' });
  const done = await ua.submit('/enroll/done', {}, atApp(redirectUri));
  assert.ok(atApp(redirectUri)(done.url), `wizard did not return to the app: ${done.url}`);
  const { tokens, claims } = await finish(rp, auth, done.url);
  return { secret, recoveryCodes, tokens, claims };
}

/** Signs in with password and a TOTP code computed at the clock's time; returns the ID token claims. */
export async function signInWithTotp(ua: UserAgent, rp: client.Configuration, redirectUri: string, email: string, password: string, secret: string, clock: Clock, extra: Record<string, string> = {}) {
  const { auth, page } = await passwordStep(ua, rp, redirectUri, email, password, extra);
  assert.ok(ua.lastBody.includes('/mfa"'), `expected the 2FA challenge, got ${page.url}`);
  const done = await submitCode(ua, redirectUri, totpCode(secret, clock.now()));
  assert.ok(atApp(redirectUri)(done.url), `2FA did not return to the app: ${done.url} ${done.status}`);
  return finish(rp, auth, done.url);
}
