import { PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Holds the person's row until the transaction ends, so two changes to their methods that each
 * check "what would be left" run one after the other (PostgreSQL `FOR UPDATE`). SQLite needs nothing:
 * its one connection runs one transaction at a time.
 */
export async function lockPerson(trx: Transaction<Database>, userId: string): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`select id from users where id = ${userId} for update`.execute(trx);
}
