import type { Db } from '../store/db.ts';
import { emailDomain } from './domain-name.ts';
import { parseCompanyPolicy, POLICY_METHODS, type CompanyPolicy } from './company-policy.ts';

export interface Company {
  orgId: string;
  name: string;
  domain: string;
  policy: CompanyPolicy;
}

/**
 * The organization whose company policy applies to a person: the one holding their email's domain
 * verified. An unverified claim, or membership recorded any other way, gives no power over anyone.
 */
export async function companyOf(db: Db, email: string): Promise<Company | undefined> {
  const domain = emailDomain(email);
  if (!domain) return undefined;
  // One statement: it runs at every sign-in that reads a policy.
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
