import { sql } from 'kysely';
import type { Db } from '../../store/db.ts';
import { param, precompile } from '../../store/precompiled.ts';
import type { RiskContext } from './types.ts';
import { HISTORY_KEEP } from './history.ts';
import { riskDb } from './tables.ts';

/**
 * What the checks read from the store, in two indexed queries per assessment however many checks
 * ask: the checks run in parallel and each asks for the facts it needs; the first ask starts the
 * query and the others share its promise (kept per context object, forgotten with it).
 */
export interface PersonFacts {
  /** The password was in the common-password list when last seen in clear. */
  passwordCommon: boolean;
  /** Completed sign-ins up to `now`, newest first, at most {@link HISTORY_KEEP}. */
  signIns: Array<{ at: number; ip: string | null; country: string | null; deviceKnown: boolean }>;
}

export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Events the checks count, each with how often it happened in the last 24 h and the last hour. */
export const COUNTED_EVENTS = ['login.password.failed', 'mfa.failed', 'push.denied', 'push.fraud_reported'] as const;
export type CountedEvent = (typeof COUNTED_EVENTS)[number];
export interface EventCount {
  day: number;
  hour: number;
  /** When it last happened (ms). */
  last: number;
}
export type RecentEvents = Partial<Record<CountedEvent, EventCount>>;

const people = new WeakMap<RiskContext, Promise<PersonFacts>>();
const events = new WeakMap<RiskContext, Promise<RecentEvents>>();

/** The person's password flag and latest sign-ins: one query (the user's row joined with the history). */
export function personFacts(ctx: RiskContext): Promise<PersonFacts> {
  let p = people.get(ctx);
  if (!p) {
    p = readPerson(ctx);
    people.set(ctx, p);
  }
  return p;
}

/** The two queries, built and compiled once per store (src/store/precompiled.ts): a decision is on every sign-in's path. */
function queries(db: Db) {
  const rdb = riskDb(db);
  return {
    person: precompile<{ password_common: number; at: number | null; ip: string | null; country: string | null; device_known: number | null }, { userId: string; now: number }>(db, () =>
      rdb
        .selectFrom('users')
        // Only sign-ins up to `now`, so the simulator replays a past instant as it was.
        .leftJoin('sign_in_history as h', (j) => j.onRef('h.user_id', '=', 'users.id').on('h.at', '<=', param<number>('now')))
        .select(['users.password_common', 'h.at', 'h.ip', 'h.country', 'h.device_known'])
        .where('users.id', '=', param<string>('userId'))
        .orderBy('h.at', 'desc')
        .orderBy('h.id', 'desc')
        .limit(HISTORY_KEEP),
    ),
    events: precompile<{ event: string; day: number; hour: number; last: number }, { userId: string; now: number; hourAgo: number; dayAgo: number }>(db, () =>
      db
        .selectFrom('audit_events')
        .select((eb) => [
          'event',
          eb.fn.countAll<number>().as('day'),
          sql<number>`sum(case when at > ${param<number>('hourAgo')} then 1 else 0 end)`.as('hour'),
          eb.fn.max<number>('at').as('last'),
        ])
        .where('user_id', '=', param<string>('userId'))
        .where('at', '>', param<number>('dayAgo'))
        .where('at', '<=', param<number>('now'))
        .where('event', 'in', [...COUNTED_EVENTS])
        .groupBy('event'),
    ),
  };
}
const compiled = new WeakMap<Db, ReturnType<typeof queries>>();
function queriesFor(db: Db) {
  let q = compiled.get(db);
  if (!q) {
    q = queries(db);
    compiled.set(db, q);
  }
  return q;
}

async function readPerson(ctx: RiskContext): Promise<PersonFacts> {
  const { rows } = await queriesFor(ctx.deps.db).person({ userId: ctx.userId, now: ctx.now });
  return {
    passwordCommon: rows.length > 0 && Number(rows[0]!.password_common) === 1,
    signIns: rows
      .filter((r) => r.at !== null)
      .map((r) => ({ at: Number(r.at), ip: r.ip ?? null, country: r.country ?? null, deviceKnown: Number(r.device_known) === 1 })),
  };
}

/** Failures and push answers of the last 24 h, counted per event: one aggregate over the (user_id, at) index. */
export function recentEvents(ctx: RiskContext): Promise<RecentEvents> {
  let p = events.get(ctx);
  if (!p) {
    p = readEvents(ctx);
    events.set(ctx, p);
  }
  return p;
}

async function readEvents(ctx: RiskContext): Promise<RecentEvents> {
  const { rows } = await queriesFor(ctx.deps.db).events({ userId: ctx.userId, now: ctx.now, hourAgo: ctx.now - HOUR_MS, dayAgo: ctx.now - DAY_MS });
  const out: RecentEvents = {};
  for (const r of rows) out[r.event as CountedEvent] = { day: Number(r.day), hour: Number(r.hour), last: Number(r.last) };
  return out;
}
