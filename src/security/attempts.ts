import { sql } from 'kysely';
import type { Db } from '../store/db.ts';
import type { Clock } from '../clock.ts';
import type { MethodType } from '../methods/types.ts';
import { audit, type AuditContext } from '../store/audit.ts';
import { param, perStore, precompile } from '../store/precompiled.ts';

/**
 * What a second-factor attempt counts against: one kind of answer of one person (decision 0007).
 * Kinds count apart, so a flood of one never locks another:
 * - a method type (`totp`, `webauthn`, `push`), with that method's budget — for push, a wrong or
 *   missing number in a device's answer and a wrong code from the app both count here;
 * - `push_approval`: the browser taking up a push approval — a device's signature, no guess at anything:
 *   limited per source like WebAuthn, so wrong codes typed by someone with the password (which count
 *   under `push`) never keep the owner's approvals out; checked before it is counted, and counted only
 *   when it fails (decision 0021);
 * - `recovery`: recovery codes, under a slower budget that never locks;
 * - `unoffered`: an answer for a choice the flow does not offer (a kind the person does not have,
 *   a method the app's rule excludes, no method at all). It is refused unchecked and counted here,
 *   where it cannot lock any method the person really has.
 */
export type AttemptKind = MethodType | 'recovery' | 'unoffered' | 'push_approval';

/** How many attempts a kind allows, and how fast. */
export interface AttemptBudget {
  /** The wait before the next attempt, by the number of consecutive failures so far (index). */
  readonly ladder: readonly number[];
  /** The wait once the ladder is used up: the kind is held, `holdMs` at a time. */
  readonly holdMs: number;
  /**
   * At this many consecutive failures the kind locks until the person proves themselves another
   * way (another method, a recovery code, the email reset link). Absent: the kind never locks.
   */
  readonly lockAt?: number;
  /**
   * Counted per person *and* client address. For answers that guess at nothing (a WebAuthn
   * signature cannot be guessed): a stranger's flood slows the stranger, not the owner's key.
   */
  readonly perSource?: boolean;
}

/** NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account. */
export const MAX_CONSECUTIVE_FAILURES = 100;

/**
 * Codes (TOTP, and push codes later): the first tries are free, then the wait doubles, and from 13
 * failures on the kind is held for 15 minutes at a time; at 100 it locks until another proof.
 */
export const BACKOFF_MS: readonly number[] = [0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000];
export const LOCK_MS = 900_000;
export const CODE_BUDGET: AttemptBudget = { ladder: BACKOFF_MS, holdMs: LOCK_MS, lockAt: MAX_CONSECUTIVE_FAILURES };

/**
 * Recovery codes (~59 bits each, ten of them): slower than codes — a minute after three typing
 * mistakes, doubling to an hour at a time — and never locked, so the way back in stays open.
 * Counted per person *and* client address: someone with the password who answers the moment each
 * wait ends would otherwise take every slot and keep the owner, elsewhere, out for as long as they
 * poll (found by the attacker's walk). At 24 tries a day per address an attacker's odds stay near
 * 10 · 24 · 365 / 2^59 ≈ 1.5·10⁻¹³ per address and year — a million addresses make it 10⁻⁷.
 */
export const RECOVERY_BUDGET: AttemptBudget = { ladder: [0, 0, 0, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000], holdMs: 3_600_000, perSource: true };

/**
 * WebAuthn answers: a signature cannot be guessed, so failures are no guesses at a code. They are
 * limited generously and per source (ten free, then up to 5 minutes at a time), never locked.
 */
export const WEBAUTHN_BUDGET: AttemptBudget = {
  ladder: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000],
  holdMs: 300_000,
  perSource: true,
};

/** Answers for a choice the flow does not offer: nothing is checked, so nothing to lock. */
export const UNOFFERED_BUDGET: AttemptBudget = { ladder: BACKOFF_MS, holdMs: LOCK_MS };

const BUDGETS: Partial<Record<AttemptKind, AttemptBudget>> = { recovery: RECOVERY_BUDGET, webauthn: WEBAUTHN_BUDGET, push_approval: WEBAUTHN_BUDGET, unoffered: UNOFFERED_BUDGET };

/** A kind's budget. A code method (TOTP, push when it comes) has the code budget unless listed above. */
export function budgetFor(kind: string): AttemptBudget {
  return BUDGETS[kind as AttemptKind] ?? CODE_BUDGET;
}

/** The wait after `failures` consecutive failures under `budget`. */
export function backoffAfter(failures: number, budget: AttemptBudget = CODE_BUDGET): number {
  return budget.ladder[failures] ?? budget.holdMs;
}

/** The row an attempt of `kind` counts in: `kind`, or `kind@address` for a per-source budget. */
function scopeOf(kind: AttemptKind, source: string | null | undefined): string {
  return budgetFor(kind).perSource ? `${kind}@${(source || 'unknown').slice(0, 64)}` : kind;
}

function kindOf(scope: string): string {
  const at = scope.indexOf('@');
  return at < 0 ? scope : scope.slice(0, at);
}

export type Reservation = { ok: true; failuresBefore: number } | { ok: false; retryAfterMs: number; locked: boolean };

/**
 * The statements of the attempt limits, built and compiled once per store and budget
 * (src/store/precompiled.ts): one runs before every second-factor answer, one after every success.
 */
const statements = perStore((db: Db) => {
  const reserveByBudget = new Map<AttemptBudget, ReturnType<typeof reserveStatement>>();
  return {
    reserve: (budget: AttemptBudget) => {
      let q = reserveByBudget.get(budget);
      if (!q) reserveByBudget.set(budget, (q = reserveStatement(db, budget)));
      return q;
    },
    read: precompile<{ consecutive_failures: number; next_allowed_at: number }, { userId: string; scope: string }>(db, () =>
      db.selectFrom('mfa_attempts').select(['consecutive_failures', 'next_allowed_at']).where('user_id', '=', param<string>('userId')).where('scope', '=', param<string>('scope')),
    ),
    clear: precompile<{ scope: string; consecutive_failures: number; next_allowed_at: number }, { userId: string }>(db, () =>
      db.deleteFrom('mfa_attempts').where('user_id', '=', param<string>('userId')).where('consecutive_failures', '>', 0).returning(['scope', 'consecutive_failures', 'next_allowed_at']),
    ),
  };
});

/**
 * One attempt counted up front, in one statement: the person's first attempt of a kind creates its
 * row (one failure, the ladder's wait after one), every later one is the conditional update — only
 * when the wait is over and the kind is not locked (otherwise nothing is returned).
 */
function reserveStatement(db: Db, budget: AttemptBudget) {
  const now = param<number>('now');
  // Typed values: PostgreSQL cannot infer a CASE of bare parameters and takes them as text; `now`
  // is cast before the step is added, so the sum is a bigint (epoch ms overflow an integer).
  const at = (ms: number) => (ms === 0 ? sql<number>`cast(0 as bigint)` : sql<number>`cast(${now} as bigint) + ${sql.lit(ms)}`);
  // A free step leaves no wait (0), not this request's own clock, which would refuse a parallel request that read the clock a moment earlier.
  const ladder = sql.join(
    budget.ladder.map((ms, i) => sql`when mfa_attempts.consecutive_failures + 1 = ${sql.lit(i)} then ${at(ms)}`),
    sql` `,
  );
  return precompile<{ consecutive_failures: number }, { userId: string; scope: string; now: number }>(db, () =>
    db
      .insertInto('mfa_attempts')
      .values({ user_id: param<string>('userId'), scope: param<string>('scope'), consecutive_failures: 1, next_allowed_at: at(backoffAfter(1, budget)) })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'scope'])
          .doUpdateSet({
            consecutive_failures: sql<number>`mfa_attempts.consecutive_failures + 1`,
            next_allowed_at: sql<number>`case ${ladder} else ${at(budget.holdMs)} end`,
          })
          .where(sql<boolean>`mfa_attempts.next_allowed_at <= ${now}${budget.lockAt === undefined ? sql`` : sql` and mfa_attempts.consecutive_failures < ${sql.lit(budget.lockAt)}`}`),
      )
      .returning('consecutive_failures'),
  );
}

/**
 * Reserves one attempt of `kind` before the answer is checked, in one conditional statement: the
 * attempt is counted as a failure up front and the next one pushed back. Parallel requests
 * therefore cannot all slip through on the same count — each is either counted or refused
 * unchecked — and a success afterwards clears the count ({@link clearFailuresAfterProof}).
 * `source` (the client address) matters for per-source budgets only.
 */
export async function reserveAttempt(db: Db, clock: Clock, userId: string, kind: AttemptKind, source?: string | null): Promise<Reservation> {
  const budget = budgetFor(kind);
  const scope = scopeOf(kind, source);
  const now = clock.now();
  const s = statements(db);
  const row = (await s.reserve(budget)({ userId, scope, now })).rows[0];
  if (row) return { ok: true, failuresBefore: Number(row.consecutive_failures) - 1 };
  // Refused: read why, only now (the wait, or the lock).
  const state = (await s.read({ userId, scope })).rows[0];
  const locked = budget.lockAt !== undefined && Number(state?.consecutive_failures ?? 0) >= budget.lockAt;
  return { ok: false, locked, retryAfterMs: locked ? Infinity : Math.max(0, Number(state?.next_allowed_at ?? now) - now) };
}

/** What a kind's count has just reached, when that starts a hold or the lock (audited once each). */
export function lockStartedAt(kind: AttemptKind, failures: number): 'hold' | 'until_proof' | undefined {
  const budget = budgetFor(kind);
  if (failures === budget.lockAt) return 'until_proof';
  if (failures === budget.ladder.length) return 'hold';
  return undefined;
}

/**
 * The person proved themselves — a second factor, a recovery code, or the email reset link — so
 * every consecutive-failure count of theirs starts again (NIST SP 800-63B: a successful
 * authentication disregards earlier failures), which lifts any hold or lock. One DELETE; each kind
 * that was held or locked at that moment is audited as `mfa.unlocked` with what lifted it.
 */
export async function clearFailuresAfterProof(
  db: Db,
  clock: Clock,
  userId: string,
  by: string,
  where: AuditContext,
  /** The kind of the answer that just succeeded: its own reservation pushed its wait, which is no hold. */
  answered?: AttemptKind,
): Promise<void> {
  const own = answered ? scopeOf(answered, where.ip) : undefined;
  // The answered kind's own row goes too: its reservation counted this success up front, and the
  // person's next attempt of that kind creates it again in the same one statement.
  const { rows } = await statements(db).clear({ userId });
  const now = clock.now();
  for (const r of rows) {
    if (r.scope === own) continue;
    const kind = kindOf(r.scope);
    const budget = budgetFor(kind);
    const failures = Number(r.consecutive_failures);
    const locked = budget.lockAt !== undefined && failures >= budget.lockAt;
    const held = failures >= budget.ladder.length && Number(r.next_allowed_at) > now;
    if (locked || held) await audit(db, clock, { ...where, event: 'mfa.unlocked', userId, details: { method: kind, failures, was: locked ? 'locked' : 'held', by } });
  }
}

/** Clears every attempt state of a person (2FA reset, admin action). */
export async function clearAttempts(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('mfa_attempts').where('user_id', '=', userId).execute();
}

/** Consecutive failures of `kind` (of a per-source kind: summed over its sources). */
export async function failureCount(db: Db, userId: string, kind: AttemptKind): Promise<number> {
  const rows = await db
    .selectFrom('mfa_attempts')
    .select('consecutive_failures')
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('scope', '=', kind), eb('scope', 'like', `${kind}@%`)]))
    .execute();
  return rows.reduce((n, r) => n + Number(r.consecutive_failures), 0);
}
