import type { Kysely } from 'kysely';
import { autoId } from './helpers.ts';

/**
 * The adaptive risk checks' memory (docs/decisions/0012-adaptive-risk.md):
 * - `sign_in_history`: a person's latest completed sign-ins (when, from which address and country,
 *   on a known browser or not), kept to the last few per person by src/policy/risk/history.ts and
 *   forgotten after a year by the periodic purge — what "a new country" and "impossible travel"
 *   compare against;
 * - `users.password_common`: 1 when the password was found in the common-password list the last
 *   time Gatehouse saw it in clear (set, changed, reset or proven at sign-in).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_history')
    .$call(autoId(db))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'text')
    // ISO 3166-1 alpha-2 from the offline GeoIP data, null for private or unknown addresses.
    .addColumn('country', 'text')
    .addColumn('device_known', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('sign_in_history_user').on('sign_in_history').columns(['user_id', 'at']).execute();
  await db.schema.createIndex('sign_in_history_at').on('sign_in_history').column('at').execute();
  await db.schema.alterTable('users').addColumn('password_common', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('password_common').execute();
  await db.schema.dropTable('sign_in_history').execute();
}
