import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { Clock } from '../clock.ts';

/**
 * Atomic fixed-window counters. One statement increments and returns the new value, so 200
 * parallel failures count as 200 in SQLite and PostgreSQL alike.
 */
export async function incrementCounter(db: Db, clock: Clock, key: string, windowMs: number): Promise<number> {
  const now = clock.now();
  const row = await db
    .insertInto('counters')
    .values({ key, count: 1, expires_at: now + windowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when counters.expires_at <= ${now} then 1 else counters.count + 1 end`,
        expires_at: sql<number>`case when counters.expires_at <= ${now} then ${now + windowMs} else counters.expires_at end`,
      }),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function readCounter(db: Db, clock: Clock, key: string): Promise<number> {
  const row = await db.selectFrom('counters').select(['count', 'expires_at']).where('key', '=', key).executeTakeFirst();
  if (!row || row.expires_at <= clock.now()) return 0;
  return Number(row.count);
}
