import { sql, type Kysely } from 'kysely';

/**
 * Organizations own email domains, verified by a DNS TXT record or by a server admin; an
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
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('policy').execute();
  await db.schema.dropTable('org_domains').execute();
}
