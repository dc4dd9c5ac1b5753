import type { Db } from '../store/db.ts';
import { readCache } from '../store/read-cache.ts';
import { canonicalDomain } from './domain-name.ts';
import { parseCompanyPolicy, POLICY_METHODS, type CompanyPolicy } from './company-policy.ts';

export interface Company {
  orgId: string;
  name: string;
  domain: string;
  policy: CompanyPolicy;
}

/**
 * How long this process reuses a domain's company (or its absence) once read, milliseconds: every
 * sign-in reads it, admins rarely change it. A change written by this process (the admin API, the
 * tests) applies at once; one written by another process (the `gatehouse` command line, another
 * instance on the same PostgreSQL) within this time, as for apps (src/store/clients.ts).
 * @default 2000
 */
export const COMPANY_CACHE_TTL_MS = 2000;

/** Per email domain; misses are kept (most people have no company) — domains come from accounts, bounded anyway. */
const cachedCompany = readCache<string, Company>({
  tables: ['organizations', 'org_domains'],
  ttlMs: COMPANY_CACHE_TTL_MS,
  max: 10_000,
  keepMisses: true,
  load: readCompany,
});

/**
 * The organization whose company policy applies to a person: the one holding their email's domain
 * verified. An unverified claim, or membership recorded any other way, gives no power over anyone.
 * From a short-lived per-process cache ({@link COMPANY_CACHE_TTL_MS}); the value is shared: do not modify it.
 */
export async function companyOf(db: Db, email: string): Promise<Company | undefined> {
  const at = email.lastIndexOf('@');
  // Keyed by the domain as written, so a cached answer skips making it canonical too.
  return at > 0 ? cachedCompany(db, email.slice(at + 1)) : undefined;
}

async function readCompany(db: Db, written: string): Promise<Company | undefined> {
  const domain = canonicalDomain(written);
  if (!domain) return undefined;
  const org = await db
    .selectFrom('org_domains')
    .innerJoin('organizations', 'organizations.id', 'org_domains.org_id')
    .select(['organizations.id', 'organizations.name', 'organizations.policy'])
    .where('org_domains.domain', '=', domain)
    .where('org_domains.verified_at', 'is not', null)
    .executeTakeFirst();
  if (!org) return undefined;
  return { orgId: org.id, name: org.name, domain, policy: readStoredPolicy(org.policy) };
}

/** A stored policy; one that no longer parses (written by an older version) is the strictest reading: required. */
export function readStoredPolicy(json: string): CompanyPolicy {
  try {
    return parseCompanyPolicy(JSON.parse(json));
  } catch {
    return parseCompanyPolicy({ secondFactor: 'required' });
  }
}

export async function saveCompanyPolicy(db: Db, orgId: string, policy: CompanyPolicy): Promise<void> {
  await db.updateTable('organizations').set({ policy: JSON.stringify(policy) }).where('id', '=', orgId).execute();
}

/** Whether the person's company leaves some method out (then a two-factor session is not enough by its rank alone). */
export async function companyLimitsMethods(db: Db, email: string): Promise<boolean> {
  const company = await companyOf(db, email);
  return !!company && POLICY_METHODS.some((m) => !company.policy.allowedMethods.includes(m));
}
