import { sql } from 'kysely';
import type { Db } from '../../store/db.ts';
import { param, perStore, precompile } from '../../store/precompiled.ts';
import type { CountedEvent, PersonFacts, RiskContext } from './types.ts';
import { countryOf } from './geo/ip-country.ts';
import { deviceHash, knownDeviceCount } from '../../store/known-devices.ts';

export const HOUR_MS = 3600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Failures the checks count over the last hour: a run of them says someone is guessing. */
export const HOURLY_EVENTS = ['login.password.failed', 'mfa.failed'] as const satisfies readonly CountedEvent[];
/** Push answers the checks count over the last 24 h: someone else may have the password. */
export const DAILY_EVENTS = ['push.denied', 'push.fraud_reported'] as const satisfies readonly CountedEvent[];

const facts = new WeakMap<RiskContext, Promise<PersonFacts>>();
const countries = new WeakMap<RiskContext, string | null>();

/** The country of this sign-in's address (offline GeoIP), looked up once per assessment however many checks ask. */
export function addressCountry(ctx: RiskContext): string | undefined {
  let c = countries.get(ctx);
  if (c === undefined) {
    c = countryOf(ctx.ip) ?? null;
    countries.set(ctx, c);
  }
  return c ?? undefined;
}

/** The person's facts for this assessment: read once, shared by every check. */
export function personFacts(ctx: RiskContext): Promise<PersonFacts> {
  let p = facts.get(ctx);
  if (!p) {
    p = readFacts(ctx);
    facts.set(ctx, p);
  }
  return p;
}

/** Whether this browser is known to the person: said outright, or read with the other facts. */
export function browserKnown(ctx: RiskContext, facts: PersonFacts): boolean {
  if (typeof ctx.deviceKnown === 'boolean') return ctx.deviceKnown;
  return ctx.deviceKnown.nonce !== undefined && facts.deviceKnown;
}

interface FactRow {
  /** `p`: the person's row; `c`: one country of the sign-in history; `e`: one counted event; `d`: the browser known (n = 1) or not. */
  kind: 'p' | 'c' | 'e' | 'd';
  name: string | null;
  n: number;
  last: number | null;
}

/**
 * The statement, compiled once per store (src/store/precompiled.ts): a decision is on every sign-in's
 * path. Four indexed reads in one round trip — the user's row, the sign-in history grouped by
 * country, the audit log's counted events, each over its own window (both over covering indexes,
 * migration 0009: only the entries inside the window are read), and the browser's row in
 * known_devices — each returning a handful of rows however long the history (a row per country,
 * per event kind).
 * Only what happened up to `now`, so the simulator replays a past instant as it was.
 */
const factsStatement = perStore((db: Db) =>
  precompile<FactRow, { userId: string; now: number; hourAgo: number; dayAgo: number; deviceHash: string; validAfter: number }>(db, () => {
    const userId = param<string>('userId');
    const now = param<number>('now');
    const counted = (events: readonly string[], since: unknown) =>
      sql`select 'e', event, count(*), max(at) from audit_events
        where user_id = ${userId} and event in (${sql.join([...events])}) and at > ${since} and at <= ${now} group by event`;
    const q = sql<FactRow>`select 'p' as kind, cast(null as text) as name, cast(password_common as bigint) as n, cast(null as bigint) as last
        from users where id = ${userId}
      union all
      select 'c', country, count(*), max(at)
        from sign_in_history where user_id = ${userId} and at <= ${now} group by country
      union all
      ${counted(HOURLY_EVENTS, param<number>('hourAgo'))}
      union all
      ${counted(DAILY_EVENTS, param<number>('dayAgo'))}
      union all
      select 'd', null, (${knownDeviceCount(userId, param<string>('deviceHash'), param<number>('validAfter'))}), null`;
    return { compile: () => q.compile(db) };
  }),
);

async function readFacts(ctx: RiskContext): Promise<PersonFacts> {
  // No cookie: a hash no browser has, so the statement keeps one shape.
  const browser = typeof ctx.deviceKnown === 'object' && ctx.deviceKnown.nonce !== undefined ? ctx.deviceKnown : undefined;
  const { rows } = await factsStatement(ctx.deps.db)({
    userId: ctx.userId,
    now: ctx.now,
    hourAgo: ctx.now - HOUR_MS,
    dayAgo: ctx.now - DAY_MS,
    deviceHash: browser ? deviceHash(browser.nonce!) : '',
    validAfter: browser?.validAfter ?? 0,
  });
  const out: PersonFacts = { passwordCommon: false, countries: new Map(), last: undefined, events: {}, deviceKnown: false };
  const countries = out.countries as Map<string, number>;
  for (const r of rows) {
    if (r.kind === 'p') out.passwordCommon = Number(r.n) === 1;
    else if (r.kind === 'd') out.deviceKnown = Number(r.n) > 0;
    else if (r.kind === 'e') out.events[r.name as CountedEvent] = { count: Number(r.n), last: Number(r.last) };
    else {
      const at = Number(r.last);
      if (r.name !== null) countries.set(r.name, at);
      if (!out.last || at > out.last.at) out.last = { at, country: r.name };
    }
  }
  return out;
}
