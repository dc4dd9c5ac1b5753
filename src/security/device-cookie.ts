import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../context.ts';
import type { Config } from '../config.ts';
import { randomId } from '../clock.ts';
import { deriveKey } from '../crypto/secret-box.ts';
import { keyedMemo } from '../crypto/keyed-memo.ts';

/**
 * Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): after a right
 * password, the browser gets a cookie that names the account and a nonce, signed with a key
 * derived from the secret key. A browser that shows one for the account it signs in to is known
 * and has a password budget of its own (src/security/password-attempts.ts), so strangers' wrong
 * guesses do not keep it out. Not to be confused with "remember this device", which skips the
 * second factor (src/security/remembered-devices.ts): this cookie skips nothing, it only keeps a budget.
 */
export const DEVICE_COOKIE_PREFIX = 'gh_dev_';

/** How long a browser stays known without signing in again; every password sign-in renews it. */
export const DEVICE_COOKIE_MS = 365 * 24 * 3600 * 1000;

export interface DeviceCookie {
  name: string;
  value: string;
  /** The nonce it carries (what a known browser is recorded by, src/store/known-devices.ts). */
  nonce: string;
  /** For Fastify's `reply.setCookie` (its `CookieSerializeOptions`); maxAge in seconds. */
  options: { path: '/'; httpOnly: true; sameSite: 'lax'; secure: boolean; maxAge: number };
}

/** The MAC of device cookies per secret key, memoized: every page of a sign-in names and checks the same cookie (keyed-memo.ts). */
const macs = new WeakMap<Buffer, (data: string) => string>();
function macOf(config: Pick<Config, 'secretKey'>): (data: string) => string {
  let m = macs.get(config.secretKey);
  if (!m) {
    const key = deriveKey(config.secretKey, 'device-cookie');
    macs.set(config.secretKey, (m = keyedMemo((data) => createHmac('sha256', key).update(data).digest('base64url'))));
  }
  return m;
}

const mac = (config: Pick<Config, 'secretKey'>, data: string) => macOf(config)(data);

/** One cookie per account on a shared browser; the name does not show the account. */
function cookieName(config: Pick<Config, 'secretKey'>, userId: string): string {
  return DEVICE_COOKIE_PREFIX + mac(config, `name|${userId}`).slice(0, 12);
}

/** A new device cookie for the account (a fresh nonce each time, so a fresh budget). */
export function issueDeviceCookie(deps: Pick<Deps, 'config' | 'clock' | 'random'>, userId: string): DeviceCookie {
  const nonce = randomId(deps.random, 16);
  const expires = deps.clock.now() + DEVICE_COOKIE_MS;
  const data = `${userId}.${nonce}.${expires}`;
  return {
    name: cookieName(deps.config, userId),
    value: `${data}.${mac(deps.config, `v1|${data}`)}`,
    nonce,
    options: { path: '/', httpOnly: true, sameSite: 'lax', secure: new URL(deps.config.issuer).protocol === 'https:', maxAge: DEVICE_COOKIE_MS / 1000 },
  };
}

/**
 * The nonce of the browser's device cookie for this account, when it shows one that is signed by
 * us, names this account and has not expired; undefined otherwise (the browser is unknown).
 */
export function presentedDevice(deps: Pick<Deps, 'config' | 'clock'>, userId: string, cookies: Record<string, string | undefined> | ((name: string) => string | undefined)): string | undefined {
  const name = cookieName(deps.config, userId);
  const value = typeof cookies === 'function' ? cookies(name) : cookies[name];
  if (!value || value.length > 512) return undefined;
  const parts = value.split('.');
  if (parts.length < 4) return undefined;
  const [nonce, expires, sig] = parts.slice(-3) as [string, string, string];
  const named = parts.slice(0, -3).join('.');
  const data = `${named}.${nonce}.${expires}`;
  const expected = Buffer.from(mac(deps.config, `v1|${data}`));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  if (named !== userId || !(Number(expires) > deps.clock.now())) return undefined;
  return nonce;
}
