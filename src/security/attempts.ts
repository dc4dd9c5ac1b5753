import { sql } from 'kysely';
import type { Db } from '../store/db.ts';
import type { Clock } from '../clock.ts';

export type AttemptScope = 'factor' | 'recovery';

/** NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account. */
export const MAX_CONSECUTIVE_FAILURES = 100;

/**
 * Wait before the next attempt, by the number of consecutive failures so far: the first tries are
 * free, then the wait doubles, and from 13 failures on the method is locked for 15 minutes at a time.
 */
export const BACKOFF_MS: readonly number[] = [0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000];
export const LOCK_MS = 900_000;

export function backoffAfter(failures: number): number {
  return BACKOFF_MS[failures] ?? LOCK_MS;
}

export type Reservation = { ok: true; failuresBefore: number } | { ok: false; retryAfterMs: number; locked: boolean };

/**
 * Reserves one attempt before the code is checked, in one conditional UPDATE: the attempt is
 * counted as a failure up front and the next one pushed back. Parallel requests therefore cannot
 * all slip through on the same count — each is either counted or refused unchecked — and a
 * success afterwards clears the count ({@link recordSuccess}).
 */
export async function reserveAttempt(db: Db, clock: Clock, userId: string, scope: AttemptScope): Promise<Reservation> {
  const now = clock.now();
  // Typed parameters: PostgreSQL cannot infer a CASE of bare parameters and takes them as text.
  const at = (ms: number) => sql<number>`cast(${now + ms} as bigint)`;
  const ladder = sql.join(
    BACKOFF_MS.map((ms, i) => sql`when consecutive_failures + 1 = ${i} then ${at(ms)}`),
    sql` `,
  );
  const reserve = () =>
    db
      .updateTable('mfa_attempts')
      .set({
        consecutive_failures: sql<number>`consecutive_failures + 1`,
        next_allowed_at: sql<number>`case ${ladder} else ${at(LOCK_MS)} end`,
      })
      .where('user_id', '=', userId)
      .where('scope', '=', scope)
      .where('next_allowed_at', '<=', now)
      .where('consecutive_failures', '<', MAX_CONSECUTIVE_FAILURES)
      .returning('consecutive_failures')
      .executeTakeFirst();
  // One statement on the usual path; the row is created on a person's first attempt only.
  let row = await reserve();
  let state = row ? undefined : await db.selectFrom('mfa_attempts').select(['consecutive_failures', 'next_allowed_at']).where('user_id', '=', userId).where('scope', '=', scope).executeTakeFirst();
  if (!row && !state) {
    await db.insertInto('mfa_attempts').values({ user_id: userId, scope, consecutive_failures: 0, next_allowed_at: 0 }).onConflict((oc) => oc.columns(['user_id', 'scope']).doNothing()).execute();
    row = await reserve();
    if (!row) state = await db.selectFrom('mfa_attempts').select(['consecutive_failures', 'next_allowed_at']).where('user_id', '=', userId).where('scope', '=', scope).executeTakeFirst();
  }
  if (row) return { ok: true, failuresBefore: Number(row.consecutive_failures) - 1 };
  const locked = Number(state?.consecutive_failures ?? 0) >= MAX_CONSECUTIVE_FAILURES;
  return { ok: false, locked, retryAfterMs: locked ? Infinity : Math.max(0, Number(state?.next_allowed_at ?? now) - now) };
}

export async function recordSuccess(db: Db, userId: string, scope: AttemptScope): Promise<void> {
  await db.updateTable('mfa_attempts').set({ consecutive_failures: 0, next_allowed_at: 0 }).where('user_id', '=', userId).where('scope', '=', scope).execute();
}

/** Clears every attempt state of a person (2FA reset, admin action). */
export async function clearAttempts(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('mfa_attempts').where('user_id', '=', userId).execute();
}

export async function failureCount(db: Db, userId: string, scope: AttemptScope): Promise<number> {
  const r = await db.selectFrom('mfa_attempts').select('consecutive_failures').where('user_id', '=', userId).where('scope', '=', scope).executeTakeFirst();
  return Number(r?.consecutive_failures ?? 0);
}
