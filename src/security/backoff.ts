import { sql, type RawBuilder } from 'kysely';

/**
 * Growing waits as a formula, for limits whose free tries and cap are configured (the password
 * step, `password-attempts.ts`): the first `free` failures are free, then 1 s, doubling, never more
 * than `capMs`. The second factors' budgets (`attempts.ts`) are fixed ladders of the same shape.
 */
const FIRST_WAIT_MS = 1_000;

/** How many doubling steps (1 s, 2 s, 4 s …) fit under `capMs` before the wait is the cap itself. */
function doublings(capMs: number): number {
  let k = 0;
  while (FIRST_WAIT_MS * 2 ** k < capMs) k++;
  return k;
}

/** The wait before the next attempt after `failures` consecutive failures. */
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
