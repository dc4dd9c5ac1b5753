import type { Generated, Kysely } from 'kysely';
import type { Db } from '../../store/db.ts';
import type { Database } from '../../store/schema.ts';

/** One completed sign-in (migration 0007). */
export interface SignInHistoryTable {
  id: Generated<number>;
  user_id: string;
  at: number;
  ip: string | null;
  country: string | null;
  device_known: number;
}

/**
 * The tables migration 0007 adds, typed here so the risk library stays in files of its own; they
 * can move into src/store/schema.ts when it is next edited.
 */
export type RiskTables = {
  sign_in_history: SignInHistoryTable;
  users: { password_common: number };
};

export type RiskDb = Kysely<Database & RiskTables>;

/** The store, seen with the risk tables. */
export const riskDb = (db: Db): RiskDb => db.withTables<RiskTables>();
