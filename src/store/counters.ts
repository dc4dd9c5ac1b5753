import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { Clock } from '../clock.ts';
import { param, perStore, precompile } from './precompiled.ts';

/**
 * Atomic fixed-window counters. One statement increments and returns the new value, so 200
 * parallel failures count as 200 in SQLite and PostgreSQL alike.
 */
export async function incrementCounter(db: Db, clock: Clock, key: string, windowMs: number): Promise<number> {
  const now = clock.now();
  const row = (await increment(db)({ key, now, until: now + windowMs })).rows[0];
  if (!row) throw new Error('counter not returned');
  return Number(row.count);
}

/** Built and compiled once per store: it runs on every signed push request (its jti) and every limit. */
const increment = perStore((db: Db) =>
  precompile<{ count: number }, { key: string; now: number; until: number }>(db, () =>
    db
      .insertInto('counters')
      .values({ key: param<string>('key'), count: 1, expires_at: param<number>('until') })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          count: sql<number>`case when counters.expires_at <= ${param<number>('now')} then 1 else counters.count + 1 end`,
          expires_at: sql<number>`case when counters.expires_at <= ${param<number>('now')} then ${param<number>('until')} else counters.expires_at end`,
        }),
      )
      .returning('count'),
  ),
);

/** Forgets counters before their window ends (a limit lifted by a proof). */
export async function deleteCounters(db: Db, keys: readonly string[]): Promise<void> {
  if (keys.length) await db.deleteFrom('counters').where('key', 'in', [...keys]).execute();
}

export async function readCounter(db: Db, clock: Clock, key: string): Promise<number> {
  const row = await db.selectFrom('counters').select(['count', 'expires_at']).where('key', '=', key).executeTakeFirst();
  if (!row || row.expires_at <= clock.now()) return 0;
  return Number(row.count);
}
