import type { Kysely } from 'kysely';

/**
 * Password attempts reserved before the hash is computed (docs/decisions/0008): one row per budget —
 * an account as typed (for browsers it has not vouched for), a client address, or a device cookie.
 * Replaces the `pwfail:*` rows of `counters`, which expire on their own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('password_attempts')
    // 'account' (canonical email, whether or not it has an account), 'address' (client IP), 'device' (cookie nonce).
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // Failures counted so far, each one up front, before its check; a success gives its own back.
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_allowed_at', 'bigint', (c) => c.notNull().defaultTo(0))
    // Forgotten a window after the last wait ends: the count starts over from there.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('password_attempts_pk', ['scope', 'subject'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('password_attempts').execute();
}
