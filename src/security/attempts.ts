import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../store/db.ts';
import type { Clock } from '../clock.ts';

export type AttemptScope = 'factor' | 'recovery';

/** NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account. */
export const MAX_CONSECUTIVE_FAILURES = 100;

/** Failures of a second factor that are checked without a wait. */
const FREE_FACTOR_FAILURES = 3;
/** The longest wait of the second factor's ladder: from 13 failures on, 15 minutes at a time. */
export const LOCK_MS = 900_000;
const FIRST_WAIT_MS = 1_000;

/** How many doubling steps (1 s, 2 s, 4 s …) fit under `capMs` before the wait is the cap itself. */
function doublings(capMs: number): number {
  let k = 0;
  while (FIRST_WAIT_MS * 2 ** k < capMs) k++;
  return k;
}

/**
 * The wait before the next attempt after `failures` consecutive failures: the first `free` are
 * free, then 1 s, doubling, never more than `capMs`. One ladder for every attempt limit in
 * Gatehouse (second factors here, passwords in `password-attempts.ts`), in JavaScript and, for the
 * reservation statements, in SQL ({@link waitSql}).
 */
export function waitAfter(failures: number, free: number, capMs: number): number {
  if (failures < free) return 0;
  return failures - free >= doublings(capMs) ? capMs : FIRST_WAIT_MS * 2 ** (failures - free);
}

/**
 * {@link waitAfter} as an SQL expression (ms, bigint) of a count expression, for a conditional
 * statement to compute the next allowed time from the count it just wrote. Works the same in
 * SQLite and PostgreSQL (both have `<<` on 64-bit integers).
 */
export function waitSql(failures: RawBuilder<number>, free: number | RawBuilder<number>, capMs: number): RawBuilder<number> {
  const beyond = sql`(${failures} - ${free})`;
  // Typed parameters: PostgreSQL cannot infer a CASE of bare parameters and takes them as text.
  return sql<number>`(case when ${failures} < ${free} then cast(0 as bigint) when ${beyond} >= ${doublings(capMs)} then cast(${capMs} as bigint) else cast(${FIRST_WAIT_MS} as bigint) << ${beyond} end)`;
}

/**
 * Wait before the next second-factor attempt, by the number of consecutive failures so far: the
 * first tries are free, then the wait doubles, and from 13 failures on the method is locked for 15
 * minutes at a time.
 */
export const BACKOFF_MS: readonly number[] = Array.from({ length: FREE_FACTOR_FAILURES + doublings(LOCK_MS) }, (_, f) => waitAfter(f, FREE_FACTOR_FAILURES, LOCK_MS));

export function backoffAfter(failures: number): number {
  return waitAfter(failures, FREE_FACTOR_FAILURES, LOCK_MS);
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
  const next = sql<number>`cast(${now} as bigint) + ${waitSql(sql<number>`consecutive_failures + 1`, FREE_FACTOR_FAILURES, LOCK_MS)}`;
  const reserve = () =>
    db
      .updateTable('mfa_attempts')
      .set({
        consecutive_failures: sql<number>`consecutive_failures + 1`,
        next_allowed_at: next,
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
