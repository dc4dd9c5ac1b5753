import type { Kysely } from 'kysely';

/**
 * A sign-in's flow gets a version, moved on by every save (ARCHITECTURE.md §2): a step stores its
 * flow only over the version it read, so two requests of one sign-in that race — "Not you?" during
 * the password's check, a second tab, an email posted while the password is checked — cannot undo
 * each other's change; the later one is told the flow moved on (decision 0025).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('login_flows').addColumn('version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('login_flows').dropColumn('version').execute();
}
