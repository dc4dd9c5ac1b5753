import type { Deps } from '../../context.ts';
import type { Db } from '../../store/db.ts';
import { countryOf } from './geo/ip-country.ts';
import { riskDb } from './tables.ts';
import { param, perStore, precompile } from '../../store/precompiled.ts';

/**
 * How many completed sign-ins are kept per person: enough to know the countries someone signs in
 * from and where they last were, few enough that reading them is one small indexed query.
 * @default 20
 */
export const HISTORY_KEEP = 20;

/**
 * After this long a sign-in says nothing about where the person is or goes: the periodic purge
 * forgets it (src/store/purge.ts).
 * @default 365 days
 */
export const HISTORY_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

export interface SignIn {
  userId: string;
  /** The client address as resolved through trusted proxies; undefined when it could not be parsed. */
  ip: string | undefined;
  /** The browser showed a valid device cookie for this person. */
  deviceKnown: boolean;
  now: number;
}

/**
 * Records a completed sign-in (every factor the sign-in needed was given) for the risk checks, and
 * keeps only the person's latest {@link HISTORY_KEEP}. Called by the sign-in flow after it finishes;
 * never for a failed or abandoned one, so an attacker's attempts never become "a country this person
 * used before". Two statements.
 */
export async function recordSignIn(deps: Pick<Deps, 'db'>, s: SignIn): Promise<void> {
  const st = historyStatements(deps.db);
  await st.insert({ userId: s.userId, at: s.now, ip: s.ip ?? null, country: countryOf(s.ip) ?? null, deviceKnown: s.deviceKnown ? 1 : 0 });
  await st.keepLatest({ userId: s.userId });
}

/** Both run at the end of every sign-in that joins the history: compiled once per store. */
const historyStatements = perStore((base: Db) => {
  const db = riskDb(base);
  return {
    insert: precompile<unknown, { userId: string; at: number; ip: string | null; country: string | null; deviceKnown: number }>(base, () =>
      db.insertInto('sign_in_history').values({ user_id: param<string>('userId'), at: param<number>('at'), ip: param<string | null>('ip'), country: param<string | null>('country'), device_known: param<number>('deviceKnown') }),
    ),
    keepLatest: precompile<unknown, { userId: string }>(base, () =>
      db
        .deleteFrom('sign_in_history')
        .where('user_id', '=', param<string>('userId'))
        .where('id', 'not in', db.selectFrom('sign_in_history').select('id').where('user_id', '=', param<string>('userId')).orderBy('at', 'desc').orderBy('id', 'desc').limit(HISTORY_KEEP)),
    ),
  };
});

/** Forgets sign-ins older than {@link HISTORY_MAX_AGE_MS}; run by the periodic purge. */
export async function purgeSignInHistory(db: Db, now: number): Promise<void> {
  await riskDb(db).deleteFrom('sign_in_history').where('at', '<', now - HISTORY_MAX_AGE_MS).execute();
}
