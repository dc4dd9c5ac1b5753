import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { UserAgent as UserAgentClass, type UserAgent } from '../helpers/user-agent.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { finish, passwordStep } from '../helpers/mfa.ts';
import type { Clock } from '../../src/clock.ts';
import { startTestGatehouse, type TestGatehouse, type TestGatehouseOptions } from '../helpers/gatehouse.ts';
import { relyingParty } from '../helpers/oidc-client.ts';

export const PASSWORD = 'correct horse battery staple';
export const atApp = (uri: string) => (u: string) => u.startsWith(uri);

/** The two-digit number on the page the browser shows now. */
export function pageNumber(body: string): string {
  const m = /data-testid="push-number">(\d{2})</.exec(body);
  assert.ok(m, `no number on the page:\n${body.slice(0, 3000)}`);
  return m[1]!;
}

/** The enrollment link shown as text in the wizard. */
export function pageLink(body: string): string {
  const m = /data-testid="push-link">([^<]+)</.exec(body);
  assert.ok(m, `no enrollment link on the page:\n${body.slice(0, 3000)}`);
  return m[1]!.replace(/&amp;/g, '&');
}

/**
 * Up to the wizard's push step: intro (when shown), choose Gatehouse Authenticator; returns the link.
 * The browser is on the wizard (`ua.lastUrl` ends with /enroll).
 */
export async function openPushStep(ua: UserAgent): Promise<string> {
  if (ua.lastBody.includes('/enroll/start"')) await ua.submit('/enroll/start');
  await ua.submit('/enroll/choose', { method: 'push' });
  return pageLink(ua.lastBody);
}

/**
 * Enrolls `device` in the wizard the browser is on: the device registers with the link, the page then
 * shows the test request's number, the device approves it with that number, Continue confirms.
 * Returns the page after confirming (recovery codes, or done).
 */
export async function enrollInWizard(ua: UserAgent, device: PushDevice, o: Parameters<PushDevice['enroll']>[1] = {}) {
  const link = await openPushStep(ua);
  const r = await device.enroll(link, o);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const page = await ua.go(ua.lastUrl);
  const number = pageNumber(page.body);
  const c = await device.nextChallenge();
  assert.equal(c.kind, 'enroll');
  const a = await device.answer(c.id, 'approve', number);
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return ua.submit('/enroll/confirm');
}

/**
 * A person without 2FA signs in to a Required app and enrolls `device` through the whole wizard; the
 * browser ends at the app. Returns the ID token claims.
 */
export async function enrollPushAtSignIn(ua: UserAgent, rp: client.Configuration, redirectUri: string, email: string, device: PushDevice, o: Parameters<PushDevice['enroll']>[1] = {}) {
  const { auth, page } = await passwordStep(ua, rp, redirectUri, email, PASSWORD);
  assert.match(page.url, /\/enroll$/, `expected the wizard, got ${page.url}`);
  const after = await enrollInWizard(ua, device, o);
  assert.match(after.body, /Save your recovery codes/);
  await ua.submit('/enroll/recovery', { stored: '1' });
  const done = await ua.submit('/enroll/done', {}, atApp(redirectUri));
  assert.ok(atApp(redirectUri)(done.url), `wizard did not return to the app: ${done.url}`);
  return finish(rp, auth, done.url);
}

/** Password, then the push page: returns the number shown and the authorization started. */
export async function pushPage(ua: UserAgent, rp: client.Configuration, redirectUri: string, email: string, extra: Record<string, string> = {}) {
  const started = await passwordStep(ua, rp, redirectUri, email, PASSWORD, extra);
  assert.ok(ua.lastBody.includes('data-testid="push-number"'), `expected the push page, got ${started.page.url}:\n${ua.lastBody.slice(0, 2000)}`);
  return { ...started, number: pageNumber(ua.lastBody) };
}

/** Signs in approving on `device` with the number shown; returns the ID token claims. */
export async function signInWithPush(ua: UserAgent, rp: client.Configuration, redirectUri: string, email: string, device: PushDevice) {
  const { auth, number } = await pushPage(ua, rp, redirectUri, email);
  const c = await device.nextChallenge();
  const a = await device.answer(c.id, 'approve', number);
  assert.equal(a.status, 200, JSON.stringify(a.body));
  const done = await ua.submit('/mfa', { method: 'push' }, atApp(redirectUri));
  assert.ok(atApp(redirectUri)(done.url), `push did not return to the app: ${done.url} ${done.status}\n${ua.lastBody.slice(0, 1500)}`);
  return finish(rp, auth, done.url);
}

export type { Clock };

/** The event stream the push page listens to (its `data-push-wait`, as static/push-wait.js reads it), absolute. */
export function pageStreamUrl(ua: UserAgent): string {
  const m = /data-push-wait="([^"]+)"/.exec(ua.lastBody);
  assert.ok(m, `no event stream on the page:\n${ua.lastBody.slice(0, 2000)}`);
  return new URL(m[1]!.replace(/&amp;/g, '&'), ua.lastUrl).href;
}

/** Reads an event stream until `event` arrives (or `ms` pass); returns its data. */
export async function readUntil(res: Response, event: string, ms = 10_000): Promise<unknown> {
  const reader = res.body!.getReader();
  const timer = setTimeout(() => void reader.cancel(), ms);
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended without "${event}": ${text}`);
      text += new TextDecoder().decode(value);
      const m = new RegExp(`event: ${event}\\ndata: ([^\\n]*)\\n`).exec(text);
      if (m) return JSON.parse(m[1]!);
    }
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => {});
  }
}

/** `/interaction/<uid>` of the page the browser is on. */
export function interactionPath(url: string): string {
  const m = /(\/interaction\/[^/?#]+)/.exec(url);
  assert.ok(m, `not an interaction page: ${url}`);
  return m[1]!;
}

export interface PayrollWorld {
  t: TestGatehouse;
  payroll: client.Configuration;
  /** A new person (`<prefix><n>@example.com`) with a device enrolled at a sign-in to Payroll, active. */
  personWithDevice(prefix: string): Promise<{ email: string; user: { id: string }; device: PushDevice }>;
}

/** The push suites' world: a Gatehouse on `clock` with Payroll (Required) at `cb`, and Payroll's relying party. */
export async function gatehouseWithPayroll(clock: Clock & { now: () => number }, cb: string, opts: Omit<TestGatehouseOptions, 'clock'> = {}): Promise<PayrollWorld> {
  const t = await startTestGatehouse({}, { ...opts, clock });
  const app = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  const payroll = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  let n = 0;
  return {
    t,
    payroll,
    async personWithDevice(prefix) {
      const email = `${prefix}${++n}@example.com`;
      const user = await t.createUser(email, PASSWORD);
      const device = await PushDevice.create(t.issuer, clock.now);
      await enrollPushAtSignIn(new UserAgentClass(), payroll, cb, email, device);
      return { email, user, device };
    },
  };
}
