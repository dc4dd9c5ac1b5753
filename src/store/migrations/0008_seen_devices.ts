import type { Kysely } from 'kysely';

/**
 * `known_devices.two_factor`: a browser row is either *known* (1: it completed a sign-in with a
 * second factor — what the adaptive risk trusts) or only *seen* (0: it completed a sign-in with the
 * person's password alone, at a Bypass app or before they had 2FA). Seen browsers never lower a risk;
 * they only keep the company policy's "new device" email from repeating at every sign-in.
 * Existing rows were all written at two-factor sign-ins: they default to 1.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('known_devices').addColumn('two_factor', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('known_devices').dropColumn('two_factor').execute();
}
