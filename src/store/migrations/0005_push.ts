import { sql, type Kysely } from 'kysely';

/**
 * Gatehouse Authenticator (push), issue 8. A device is an `mfa_methods` row of type `push`: its public
 * JWK (and an optional WebAuthn user-verification credential) in `data`, its TOTP seed and Web Push
 * subscription in the sealed `secret`. Beside it: single-use enrollment links, the requests waiting for
 * a device, each person's push limits, and the server's VAPID key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('push_enrollments')
    // SHA-256 of the link's token (base64url); the token itself is only in the QR code and the link.
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The pending method of the wizard that made the link: the only one this link can fill.
    .addColumn('method_id', 'text', (c) => c.notNull().references('mfa_methods.id').onDelete('cascade'))
    // WebAuthn challenge for the optional screen-lock credential made at registration.
    .addColumn('uv_challenge', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('push_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // sign_in | enroll
    .addColumn('kind', 'text', (c) => c.notNull())
    // JSON array of method ids (the pending device of an enrollment), or null: every active device.
    .addColumn('target_method_ids', 'text')
    // What the request answers: `interaction:<uid>`, `enroll:<methodId>`; an approval counts only there.
    .addColumn('flow_ref', 'text', (c) => c.notNull())
    // The two-digit number shown in the browser; never sent to a device (number transfer).
    .addColumn('number', 'text', (c) => c.notNull())
    // JSON: app, action, browser, os, ip — what the device shows.
    .addColumn('display', 'text', (c) => c.notNull())
    .addColumn('uv_challenge', 'text', (c) => c.notNull())
    // pending | approved | denied | reported | expired | failed | consumed; moved by conditional UPDATEs only.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('answered_method_id', 'text')
    .addColumn('amr', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('answered_at', 'bigint')
    .execute();
  // At most one pending request per person, enforced by the store (two instances cannot both start one).
  await db.schema.createIndex('push_challenges_one_pending').on('push_challenges').column('user_id').unique().where(sql.ref('status'), '=', 'pending').execute();
  await db.schema.createIndex('push_challenges_user').on('push_challenges').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('push_state')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // No request starts before this instant (after denials or time-outs in a row, or a fraud report).
    .addColumn('paused_until', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('consecutive_refusals', 'integer', (c) => c.notNull().defaultTo(0))
    // Requests started in the current window (5 per 15 minutes).
    .addColumn('window_start', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('window_count', 'integer', (c) => c.notNull().defaultTo(0))
    // "This wasn't me": a risk signal for the policies (issue 9).
    .addColumn('last_fraud_at', 'bigint')
    .execute();

  await db.schema
    .createTable('vapid_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('public_key', 'text', (c) => c.notNull())
    // AES-256-GCM sealed private key (base64url, as web-push takes it).
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['vapid_keys', 'push_state', 'push_challenges', 'push_enrollments']) await db.schema.dropTable(t).execute();
}
