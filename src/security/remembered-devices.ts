import { createHash } from 'node:crypto';
import type { Deps } from '../context.ts';
import { forgetKnownDevices } from '../store/known-devices.ts';
import { randomId } from '../clock.ts';
import type { User } from '../store/users.ts';
import { deviceLabel } from './untrusted-text.ts';
import { sha256Base64url } from '../crypto/digest.ts';
import { keyedMemo } from '../crypto/keyed-memo.ts';

/** "Remember this device" lasts this long (DESIGN.md: default 30 days). */
export const REMEMBER_DEVICE_MS = 30 * 24 * 3600 * 1000;

const hash = sha256Base64url;

/** The cookie names per secret key, memoized: every evaluation of a sign-in asks for it (keyed-memo.ts). */
const names = new WeakMap<Buffer, (userId: string) => string>();

/** One cookie per person on a shared browser; the name does not reveal the user id. */
export function deviceCookieName(deps: Pick<Deps, 'config'>, userId: string): string {
  const key = deps.config.secretKey;
  let name = names.get(key);
  if (!name) names.set(key, (name = keyedMemo((id) => `gh_rd_${createHash('sha256').update(key).update(id).digest('base64url').slice(0, 10)}`)));
  return name(userId);
}

/**
 * Creates a remembered device and returns the cookie value (only its hash is stored). The label is
 * the browser's User-Agent, which the client chooses: it is kept cleaned and bounded ({@link deviceLabel}).
 */
export async function rememberDevice(deps: Deps, userId: string, label: string, ip: string | null, lifetimeMs = REMEMBER_DEVICE_MS): Promise<string> {
  const token = randomId(deps.random, 32);
  const now = deps.clock.now();
  await deps.db
    .insertInto('remembered_devices')
    .values({ id: randomId(deps.random, 9), user_id: userId, token_hash: hash(token), label: deviceLabel(label), ip, created_at: now, expires_at: now + lifetimeMs, last_used_at: null })
    .execute();
  return token;
}

/**
 * Whether the cookie is a live remembered device of this person: unexpired, not revoked, created
 * after the last "sign out everywhere" (a 2FA change or password change forgets devices), and — when
 * `maxAgeMs` is given (the company policy's `rememberDeviceDays`) — no older than that.
 */
export async function isRememberedDevice(deps: Deps, user: User, token: string | undefined, maxAgeMs?: number): Promise<boolean> {
  if (!token) return false;
  const now = deps.clock.now();
  const row = await deps.db
    .selectFrom('remembered_devices')
    .select(['id', 'created_at'])
    .where('token_hash', '=', hash(token))
    .where('user_id', '=', user.id)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (!row || row.created_at < user.sessions_valid_after) return false;
  // The company policy says how long remembering lasts now: a cookie made under a longer one counts only that long.
  if (maxAgeMs !== undefined && row.created_at + maxAgeMs <= now) return false;
  await deps.db.updateTable('remembered_devices').set({ last_used_at: now }).where('id', '=', row.id).execute();
  return true;
}

export async function listRememberedDevices(deps: Pick<Deps, 'db' | 'clock'>, user: User) {
  return deps.db
    .selectFrom('remembered_devices')
    .select(['id', 'label', 'ip', 'created_at', 'expires_at', 'last_used_at'])
    .where('user_id', '=', user.id)
    .where('expires_at', '>', deps.clock.now())
    .where('created_at', '>=', user.sessions_valid_after)
    .orderBy('created_at', 'desc')
    .execute();
}

/**
 * "Forget": the browser is asked for the second step again — by Required apps (the remembered device
 * goes) and by Adaptive ones too: the person's known browsers (src/store/known-devices.ts) are
 * forgotten with it, since which of them is the forgotten one cannot be told.
 */
export async function forgetDevice(deps: Pick<Deps, 'db'>, userId: string, id: string): Promise<boolean> {
  const r = await deps.db.deleteFrom('remembered_devices').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) !== 1) return false;
  await forgetKnownDevices(deps.db, userId);
  return true;
}

export async function forgetAllDevices(deps: Pick<Deps, 'db'>, userId: string): Promise<void> {
  await deps.db.deleteFrom('remembered_devices').where('user_id', '=', userId).execute();
  await forgetKnownDevices(deps.db, userId);
}
