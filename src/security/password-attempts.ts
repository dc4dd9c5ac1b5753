import { sql } from 'kysely';
import type { Deps } from '../context.ts';
import type { Config } from '../config.ts';
import { MAX_CONSECUTIVE_FAILURES } from './attempts.ts';
import { waitAfter, waitSql } from './backoff.ts';

/**
 * Password budgets (docs/decisions/0008-password-attempts-device-cookies.md):
 * - `device`: a browser with a device cookie for the account has its own budget;
 * - `account`: every other browser shares the account's budget (the address typed, canonical form,
 *   whether or not it has an account, so an unknown address costs and answers the same);
 * - `address`: and the client address's budget, across accounts (not for known browsers: a
 *   stranger behind the same address must not keep the owner out).
 * Each budget is the ladder of {@link waitAfter}: `GATEHOUSE_LOGIN_MAX_FAILURES_PER_ACCOUNT` (device,
 * account) or `_PER_IP` (address) failures free, then a wait of 1 s doubling up to
 * `GATEHOUSE_LOGIN_FAILURE_WINDOW`; failures are forgotten a window after the last wait ends. An
 * account or device budget never goes past 100 consecutive failures (NIST SP 800-63B §5.2.2).
 */
/** `passkey`: usernameless passkey sign-ins per client address (an unknown credential names nobody). */
export type Budget = 'device' | 'account' | 'address' | 'passkey';
const PER_ADDRESS: ReadonlySet<Budget> = new Set(['address', 'passkey']);

export interface Slot {
  scope: Budget;
  subject: string;
}

/** Known: a valid device cookie with budget left. Untrusted: a valid one whose budget is used up, so it counts as unknown. */
export type Browser = 'known' | 'unknown' | 'untrusted';

export type PasswordReservation =
  | { ok: true; browser: Browser; slots: Slot[]; device?: string }
  | { ok: false; browser: Browser; refusedBy: Budget[] };

function freeFailures(config: Config, scope: Budget): number {
  return PER_ADDRESS.has(scope) ? config.loginMaxFailuresPerIp : config.loginMaxFailuresPerAccount;
}

/**
 * Counts one failure up front on each budget in one conditional statement — an upsert whose update
 * happens only when the budget's wait is over (or its count forgotten) — and returns the budgets
 * it counted on. Parallel requests cannot slip through on one count: SQLite runs one statement at
 * a time, PostgreSQL evaluates ON CONFLICT … WHERE on the latest version of the locked row.
 * Rows are always listed account before address, so two statements never wait on each other.
 */
async function count(deps: Pick<Deps, 'db' | 'clock' | 'config'>, slots: Slot[]): Promise<Slot[]> {
  const { db, clock, config } = deps;
  const now = clock.now();
  const windowMs = config.loginFailureWindowSeconds * 1000;
  const at = sql<number>`cast(${now} as bigint)`;
  const expired = sql<boolean>`password_attempts.expires_at <= ${at}`;
  const failures = sql<number>`((case when ${expired} then 0 else password_attempts.failures end) + 1)`;
  const perAddress = sql<boolean>`password_attempts.scope in (${'address'}, ${'passkey'})`;
  const free = sql<number>`(case when ${perAddress} then cast(${config.loginMaxFailuresPerIp} as integer) else cast(${config.loginMaxFailuresPerAccount} as integer) end)`;
  const wait = waitSql(failures, free, windowMs);
  // While a budget's failures are free there is no wait, and `next_allowed_at` stays 0: set to this
  // request's own clock, it refused a parallel request that read the clock a moment earlier but ran
  // its statement later (seen on PostgreSQL, people behind one address signing in at once).
  const rows = slots.map((s) => {
    const firstWait = waitAfter(1, freeFailures(config, s.scope), windowMs);
    return { scope: s.scope, subject: s.subject, failures: 1, next_allowed_at: firstWait === 0 ? 0 : now + firstWait, expires_at: now + firstWait + windowMs };
  });
  const counted = await db
    .insertInto('password_attempts')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['scope', 'subject'])
        .doUpdateSet({
          failures,
          next_allowed_at: sql<number>`case when ${wait} = 0 then cast(0 as bigint) else ${at} + ${wait} end`,
          expires_at: sql<number>`${at} + ${wait} + cast(${windowMs} as bigint)`,
        })
        .where(sql<boolean>`${expired} or (password_attempts.next_allowed_at <= ${at} and (${perAddress} or password_attempts.failures < ${MAX_CONSECUTIVE_FAILURES}))`),
    )
    .returning(['scope', 'subject'])
    .execute();
  return counted.map((r) => ({ scope: r.scope as Budget, subject: r.subject }));
}

/**
 * Gives back failures counted up front: the attempt was right, or it was refused by another budget.
 * Written as an upsert like {@link count}, so it takes the rows' locks in the same order (account,
 * then address) and cannot deadlock with a reservation on PostgreSQL, as an UPDATE … WHERE … OR …
 * in the table's order could. A row deleted meanwhile (a reset) comes back expired, so harmless.
 */
async function giveBack(deps: Pick<Deps, 'db'>, slots: Slot[]): Promise<void> {
  if (slots.length === 0) return;
  await deps.db
    .insertInto('password_attempts')
    .values(slots.map((s) => ({ scope: s.scope, subject: s.subject, failures: 0, next_allowed_at: 0, expires_at: 0 })))
    .onConflict((oc) =>
      oc
        .columns(['scope', 'subject'])
        .doUpdateSet({ failures: sql<number>`password_attempts.failures - 1` })
        .where('password_attempts.failures', '>', 0),
    )
    .execute();
}

/**
 * Reserves one password attempt before the hash is computed: a known browser on its device budget
 * (one statement); any other on the account's and the address's budgets together (one statement;
 * a second one only when refused by one of them, to give the other its count back).
 */
export async function reservePasswordAttempt(
  deps: Pick<Deps, 'db' | 'clock' | 'config'>,
  who: { email: string; ip: string; device?: string | undefined },
  /** Whether a known browser whose own budget waits may go on as an unknown one. @default true */
  o: { fallback?: boolean } = {},
): Promise<PasswordReservation> {
  if (who.device) {
    const device: Slot[] = [{ scope: 'device', subject: who.device }];
    if ((await count(deps, device)).length === 1) return { ok: true, browser: 'known', slots: device, device: who.device };
    if (o.fallback === false) return { ok: false, browser: 'known', refusedBy: ['device'] };
  }
  const browser: Browser = who.device ? 'untrusted' : 'unknown';
  const slots: Slot[] = [
    { scope: 'account', subject: who.email },
    { scope: 'address', subject: who.ip },
  ];
  const counted = await count(deps, slots);
  if (counted.length === slots.length) return { ok: true, browser, slots, device: who.device };
  await giveBack(deps, counted);
  return { ok: false, browser, refusedBy: slots.filter((s) => !counted.some((c) => c.scope === s.scope)).map((s) => s.scope) };
}

/**
 * The password was right: the attempt's own failure is forgiven. A known browser's budget starts
 * over (it gets a new cookie, with a new nonce); the account's and the address's budgets only give
 * back this attempt — a success from one browser does not wipe out strangers' failures.
 */
export async function passwordAccepted(deps: Pick<Deps, 'db'>, reservation: Extract<PasswordReservation, { ok: true }>): Promise<void> {
  const { device } = reservation;
  if (device) await deps.db.deleteFrom('password_attempts').where('scope', '=', 'device').where('subject', '=', device).execute();
  if (reservation.browser !== 'known') await giveBack(deps, reservation.slots);
}

/** Forgets the failures of browsers unknown to the account (a password reset proved the owner is back). */
export async function clearAccountFailures(deps: Pick<Deps, 'db'>, email: string): Promise<void> {
  await deps.db.deleteFrom('password_attempts').where('scope', '=', 'account').where('subject', '=', email).execute();
}

/**
 * Reserves one usernameless passkey sign-in from this address before the assertion is checked
 * (the same ladder as the address's password budget): a parallel burst cannot run more checks than
 * the budget allows. Returns whether it may go on; {@link passkeyAccepted} gives the count back.
 */
export async function reservePasskeyAttempt(deps: Pick<Deps, 'db' | 'clock' | 'config'>, ip: string): Promise<boolean> {
  return (await count(deps, [{ scope: 'passkey', subject: ip }])).length === 1;
}

export async function passkeyAccepted(deps: Pick<Deps, 'db'>, ip: string): Promise<void> {
  await giveBack(deps, [{ scope: 'passkey', subject: ip }]);
}
