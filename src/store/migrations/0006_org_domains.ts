import { sql, type Kysely } from 'kysely';

/**
 * The policy engine's data (issue 9). Organizations own email domains, verified by a DNS TXT record or by a server admin; an
 * organization's company policy (2FA off/required, grace date, allowed methods, trusted networks,
 * remembered-device lifetime, new-device mail) is one JSON document on the organization, read and
 * written through src/policy/company-policy.ts, which validates it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('org_domains')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    // Canonical: lower-case ASCII (IDNA), no trailing dot.
    .addColumn('domain', 'text', (c) => c.notNull())
    // The value the TXT record must carry; random per claim, so one organization cannot reuse another's.
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint')
    // 'dns' or 'admin'.
    .addColumn('verified_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('org_domains_pk', ['org_id', 'domain'])
    .execute();
  // Several organizations may claim a domain; only one can hold it verified.
  await sql`create unique index org_domains_verified on org_domains (domain) where verified_at is not null`.execute(db);
  await db.schema.alterTable('organizations').addColumn('policy', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  // An application's "phishing-resistant methods only" option, beside its Bypass/Adaptive/Required behaviour.
  await db.schema.alterTable('clients').addColumn('phishing_resistant_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // Browsers that completed a sign-in with a second factor, by the SHA-256 of their device cookie's nonce.
  await db.schema
    .createTable('known_devices')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('device_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('known_devices_pk', ['user_id', 'device_hash'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('known_devices').execute();
  await db.schema.alterTable('clients').dropColumn('phishing_resistant_only').execute();
  await db.schema.alterTable('organizations').dropColumn('policy').execute();
  await db.schema.dropTable('org_domains').execute();
}
