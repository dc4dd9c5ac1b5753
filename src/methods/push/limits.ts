import { sql } from 'kysely';
import type { Deps } from '../../context.ts';
import { param, perStore, precompile } from '../../store/precompiled.ts';

/** Push-bombing limits (SECURITY.md "Push approvals"); all counted in the store, per person. */
export const PUSH_LIMITS = {
  /** Requests a person may get in one window. */
  perWindow: 5,
  windowMs: 15 * 60_000,
  /** Denials or time-outs in a row that pause push. */
  refusalsBeforePause: 3,
  /** How long push pauses after those. */
  pauseMs: 15 * 60_000,
} as const;

export type StartVerdict = { ok: true } | { ok: false; reason: 'paused' | 'throttled'; retryAfterMs: number };

/** Run on every push sign-in: built and compiled once per store (src/store/precompiled.ts). */
const statements = perStore((db: Deps['db']) => ({
  take: precompile<{ window_count: number }, { userId: string; now: number; windowFrom: number }>(db, () => {
    // Typed parameters: PostgreSQL cannot infer a parameter's type from a CASE.
    const at = (name: string) => sql<number>`cast(${param<number>(name)} as bigint)`;
    const passed = sql<boolean>`push_state.window_start <= ${at('windowFrom')}`;
    return db
      .insertInto('push_state')
      .values({ user_id: param<string>('userId'), paused_until: 0, consecutive_refusals: 0, window_start: param<number>('now'), window_count: 1, last_fraud_at: null })
      .onConflict((oc) =>
        oc
          .column('user_id')
          .doUpdateSet({
            window_start: sql<number>`case when ${passed} then ${at('now')} else push_state.window_start end`,
            window_count: sql<number>`case when ${passed} then 1 else push_state.window_count + 1 end`,
          })
          .where('push_state.paused_until', '<=', param<number>('now'))
          .where((eb) => eb.or([eb('push_state.window_start', '<=', param<number>('windowFrom')), eb('push_state.window_count', '<', PUSH_LIMITS.perWindow)])),
      )
      .returning('window_count');
  }),
  approval: precompile<unknown, { userId: string }>(db, () =>
    db.updateTable('push_state').set({ consecutive_refusals: 0 }).where('user_id', '=', param<string>('userId')).where('consecutive_refusals', '>', 0),
  ),
}));

async function ensureRow(deps: Deps, userId: string) {
  await deps.db.insertInto('push_state').values({ user_id: userId, paused_until: 0, consecutive_refusals: 0, window_start: 0, window_count: 0, last_fraud_at: null }).onConflict((oc) => oc.column('user_id').doNothing()).execute();
}

/**
 * Takes one request from the person's budget, in one statement (two instances cannot both take the
 * last one): an upsert that creates the person's row with this request counted, or — unless push is
 * paused or the window's budget is spent — starts a window that has passed again with this request,
 * or counts it in the current one. Refused, the row is read to say how long to wait.
 */
export async function takeRequest(deps: Deps, userId: string): Promise<StartVerdict> {
  const now = deps.clock.now();
  const taken = (await statements(deps.db).take({ userId, now, windowFrom: now - PUSH_LIMITS.windowMs })).rows[0];
  if (taken) return { ok: true };
  const row = await deps.db.selectFrom('push_state').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
  if (row.paused_until > now) return { ok: false, reason: 'paused', retryAfterMs: row.paused_until - now };
  return { ok: false, reason: 'throttled', retryAfterMs: Math.max(0, row.window_start + PUSH_LIMITS.windowMs - now) };
}

/** Whether push is paused for the person now (the challenge page then offers the other ways). */
export async function pausedUntil(deps: Deps, userId: string): Promise<number | undefined> {
  const row = await deps.db.selectFrom('push_state').select('paused_until').where('user_id', '=', userId).executeTakeFirst();
  return row && row.paused_until > deps.clock.now() ? row.paused_until : undefined;
}

/** A denial or a time-out: counted in a row; the third pauses push. Returns whether this one paused it. */
export async function recordRefusal(deps: Deps, userId: string): Promise<boolean> {
  await ensureRow(deps, userId);
  const row = await deps.db
    .updateTable('push_state')
    .set({ consecutive_refusals: sql<number>`consecutive_refusals + 1` })
    .where('user_id', '=', userId)
    .returning('consecutive_refusals')
    .executeTakeFirst();
  if (Number(row?.consecutive_refusals ?? 0) < PUSH_LIMITS.refusalsBeforePause) return false;
  await deps.db.updateTable('push_state').set({ paused_until: deps.clock.now() + PUSH_LIMITS.pauseMs, consecutive_refusals: 0 }).where('user_id', '=', userId).execute();
  return true;
}

/** An approval: the run of refusals ends (a row with no refusals counted is left unwritten). */
export async function recordApproval(deps: Deps, userId: string): Promise<void> {
  await statements(deps.db).approval({ userId });
}

/** "This wasn't me": push pauses for the cooling period and the signal is kept for the policies. */
export async function recordFraud(deps: Deps, userId: string, pauseMs: number): Promise<void> {
  await ensureRow(deps, userId);
  const now = deps.clock.now();
  await deps.db.updateTable('push_state').set({ paused_until: now + pauseMs, consecutive_refusals: 0, last_fraud_at: now }).where('user_id', '=', userId).execute();
}

/** When the person last reported a push as fraud — a risk signal for adaptive policies (issue 9). */
export async function lastFraudReportAt(deps: Deps, userId: string): Promise<number | undefined> {
  const row = await deps.db.selectFrom('push_state').select('last_fraud_at').where('user_id', '=', userId).executeTakeFirst();
  return row?.last_fraud_at ?? undefined;
}
