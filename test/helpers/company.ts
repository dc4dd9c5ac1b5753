import type { TestGatehouse } from './gatehouse.ts';
import { createOrganization } from '../../src/store/organizations.ts';
import { claimDomain, markVerified } from '../../src/store/org-domains.ts';
import { saveCompanyPolicy } from '../../src/policy/company-of.ts';
import { parseCompanyPolicy, type CompanyPolicy } from '../../src/policy/company-policy.ts';

/**
 * An organization that owns `domain`, verified by the server admin, with this company policy (the
 * rest default) — what `gatehouse org create`, `org domain add|verify --admin` and `org policy set` store.
 */
export async function verifiedCompany(t: TestGatehouse, name: string, domain: string, policy: Partial<CompanyPolicy> = {}): Promise<{ id: string; setPolicy(p: Partial<CompanyPolicy>): Promise<void> }> {
  const { db, clock, random } = t.gh.deps;
  const org = await createOrganization(db, clock, random, name);
  await claimDomain(db, clock, random, org.id, domain);
  if (!(await markVerified(db, clock, org.id, domain, 'admin'))) throw new Error(`${domain} could not be verified for ${name}`);
  const setPolicy = (p: Partial<CompanyPolicy>) => saveCompanyPolicy(db, org.id, parseCompanyPolicy(p));
  await setPolicy(policy);
  return { id: org.id, setPolicy };
}
