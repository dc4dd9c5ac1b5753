import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { Clock } from '../clock.ts';
import { sha256Base64url } from '../crypto/digest.ts';
import { param, perStore, precompile } from './precompiled.ts';

/** How many browsers a person keeps as known (and, apart, as seen); the oldest is forgotten first. */
const KEEP = 20;

/** How a browser's nonce is kept: only its hash is stored. */
/** What `known_devices` keeps of a device cookie's nonce. */
export const deviceHash = sha256Base64url;

/**
 * Browsers known to a person, for the adaptive risk: a browser becomes known when it completes a
 * sign-in **with a second factor** (its device cookie's nonce is recorded then). A right password alone
 * never makes a browser known — otherwise someone holding only the password would be asked for the
 * second factor once, and never again from the same browser.
 */
export async function recordKnownDevice(db: Db, clock: Clock, userId: string, nonce: string): Promise<void> {
  await noteDevice(db, clock, userId, nonce, true);
}

/**
 * Notes a browser that completed a sign-in: known when it was with a second factor, otherwise only
 * *seen* (a seen browser never lowers a risk; it only keeps the company's "new device" email from
 * repeating, migration 0008). A row known stays known until the person's browsers are forgotten
 * (`validAfter`, their "sessions valid after"): only a second factor makes it known again. Returns true when the person had never
 * completed a sign-in on this browser (since their browsers were last forgotten).
 */
export async function noteDevice(db: Db, clock: Clock, userId: string, nonce: string, twoFactor: boolean, validAfter = 0): Promise<boolean> {
  const now = clock.now();
  const device_hash = deviceHash(nonce);
  const st = noteStatements(db);
  const before = (await st.before({ userId, hash: device_hash })).rows[0];
  const written = (await (twoFactor ? st.knownNow : st.seenNow)({ userId, hash: device_hash, now })).rows[0];
  if (!written) throw new Error('known_devices: the upsert returned no row');
  const two_factor = Number(written.two_factor);
  // Each kind keeps its own latest few: browsers only seen (a password holder's, say) never push a known one out.
  const stale = (await st.beyondKeep({ userId, twoFactor: two_factor })).rows;
  if (stale.length) await db.deleteFrom('known_devices').where('user_id', '=', userId).where('device_hash', 'in', stale.map((r) => r.device_hash)).execute();
  // Forgotten is new again: the owner who just cut a browser off is told when it signs in.
  return before === undefined || Number(before.last_seen_at) < validAfter;
}

/**
 * {@link noteDevice}'s statements, on every completed sign-in: compiled once per store. A browser
 * noted after a second factor is known; after a password alone it stays known only while still known:
 * a row last seen before "sessions valid after" (a password change, sign-out everywhere, a 2FA change)
 * was forgotten, and a password alone must not bring it back. That is judged in the upsert itself,
 * against the person's cut-off as it is now: one that moved while this sign-in was under way (the
 * caller read it at the start) counts.
 */
const noteStatements = perStore((db: Db) => {
  const upsert = (twoFactor: boolean) =>
    precompile<{ two_factor: number }, { userId: string; hash: string; now: number }>(db, () => {
      const userId = param<string>('userId');
      const now = param<number>('now');
      const stillKnown = sql<number>`case when known_devices.two_factor = 1 and known_devices.last_seen_at >= (select sessions_valid_after from users where id = ${userId}) then 1 else 0 end`;
      return db
        .insertInto('known_devices')
        .values({ user_id: userId, device_hash: param<string>('hash'), created_at: now, last_seen_at: now, two_factor: twoFactor ? 1 : 0 })
        .onConflict((oc) => oc.columns(['user_id', 'device_hash']).doUpdateSet({ last_seen_at: now, two_factor: twoFactor ? 1 : stillKnown }))
        .returning('two_factor');
    });
  return {
    before: precompile<{ two_factor: number; last_seen_at: number }, { userId: string; hash: string }>(db, () =>
      db.selectFrom('known_devices').select(['two_factor', 'last_seen_at']).where('user_id', '=', param<string>('userId')).where('device_hash', '=', param<string>('hash')),
    ),
    knownNow: upsert(true),
    seenNow: upsert(false),
    beyondKeep: precompile<{ device_hash: string }, { userId: string; twoFactor: number }>(db, () =>
      db.selectFrom('known_devices').select('device_hash').where('user_id', '=', param<string>('userId')).where('two_factor', '=', param<number>('twoFactor')).orderBy('last_seen_at', 'desc').offset(KEEP).limit(100),
    ),
  };
});

/**
 * Whether the browser is known to the person, as a statement part that counts (0 or 1), read with the
 * other risk facts in one round trip (src/policy/risk/facts.ts): recorded at a two-factor sign-in
 * after the person's "sessions valid after" — a password change, sign-out everywhere or a 2FA change
 * forgets every browser. `hash` is {@link deviceHash} of the nonce.
 */
export function knownDeviceCount(userId: unknown, hash: unknown, validAfter: unknown) {
  return sql`select count(*) from known_devices where user_id = ${userId} and device_hash = ${hash} and two_factor = 1 and last_seen_at >= ${validAfter}`;
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
  await db.updateTable('known_devices').set({ device_hash: deviceHash(newNonce) }).where('user_id', '=', userId).where('device_hash', '=', deviceHash(oldNonce)).execute();
}
