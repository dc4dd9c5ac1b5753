import { createHash } from 'node:crypto';
import type { Db } from '../store/db.ts';
import type { Clock } from '../clock.ts';

/** How many browsers a person keeps as known; the oldest is forgotten first. */
const KEEP = 20;

const hash = (nonce: string) => createHash('sha256').update(nonce).digest('base64url');

/**
 * Browsers known to a person, for the adaptive risk: a browser becomes known when it completes a
 * sign-in **with a second factor** (its device cookie's nonce is recorded then). A right password alone
 * never makes a browser known — otherwise someone holding only the password would be asked for the
 * second factor once, and never again from the same browser.
 */
export async function recordKnownDevice(db: Db, clock: Clock, userId: string, nonce: string): Promise<void> {
  const now = clock.now();
  const device_hash = hash(nonce);
  await db
    .insertInto('known_devices')
    .values({ user_id: userId, device_hash, created_at: now, last_seen_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'device_hash']).doUpdateSet({ last_seen_at: now }))
    .execute();
  const stale = await db.selectFrom('known_devices').select('device_hash').where('user_id', '=', userId).orderBy('last_seen_at', 'desc').offset(KEEP).limit(100).execute();
  if (stale.length) await db.deleteFrom('known_devices').where('user_id', '=', userId).where('device_hash', 'in', stale.map((r) => r.device_hash)).execute();
}

/**
 * Whether the browser is known to the person: recorded at a two-factor sign-in after the person's
 * "sessions valid after" — a password change, sign-out everywhere or a 2FA change forgets every browser.
 */
export async function isKnownDevice(db: Db, userId: string, nonce: string | undefined, validAfter = 0): Promise<boolean> {
  if (!nonce) return false;
  const r = await db.selectFrom('known_devices').select('user_id').where('user_id', '=', userId).where('device_hash', '=', hash(nonce)).where('last_seen_at', '>=', validAfter).executeTakeFirst();
  return !!r;
}

/** Forgets every browser known to the person (a remembered device forgotten, a 2FA reset). */
export async function forgetKnownDevices(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('known_devices').where('user_id', '=', userId).execute();
}

/**
 * Every right password renews the browser's device cookie with a new nonce (a fresh password budget,
 * decision 0008); a known browser stays known across the renewal.
 */
export async function renewKnownDevice(db: Db, userId: string, oldNonce: string, newNonce: string): Promise<void> {
  await db.updateTable('known_devices').set({ device_hash: hash(newNonce) }).where('user_id', '=', userId).where('device_hash', '=', hash(oldNonce)).execute();
}
