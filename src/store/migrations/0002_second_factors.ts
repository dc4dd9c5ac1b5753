import type { Kysely } from 'kysely';

/** Second factors on the profile: methods, recovery codes, remembered devices, attempt state, fresh proofs. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('mfa_methods')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // pending until confirmed (a correct code, a verified WebAuthn response); only active methods count.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    // AES-256-GCM sealed JSON (TOTP seed); never returned after enrollment.
    .addColumn('secret', 'text')
    // WebAuthn credential id (base64url), unique across users: a passkey names its owner.
    .addColumn('credential_id', 'text', (c) => c.unique())
    // Public, non-secret state: WebAuthn public key, counter, transports, flags; TOTP last step.
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    // TOTP: last accepted time step; WebAuthn: signature counter. Compared and set in one UPDATE.
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(-1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('mfa_methods_user').on('mfa_methods').column('user_id').execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
    .execute();

  await db.schema
    .createTable('remembered_devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('remembered_devices_user').on('remembered_devices').column('user_id').execute();

  await db.schema
    .createTable('mfa_attempts')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // 'factor' (codes, keys) and 'recovery' count apart, so locking one never closes the other.
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_allowed_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('mfa_attempts_pk', ['user_id', 'scope'])
    .execute();

  await db.schema
    .createTable('mfa_state')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // "Remind me later" for the suggested enrollment wizard holds it back until then.
    .addColumn('remind_after', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['mfa_state', 'mfa_attempts', 'remembered_devices', 'recovery_codes', 'mfa_methods']) await db.schema.dropTable(t).execute();
}
