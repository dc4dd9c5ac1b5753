import { command, need, CliError, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { table, isoTime } from '../output.ts';
import { audit } from '../../store/audit.ts';
import { createOrganization, findOrganizationByName, listOrganizations } from '../../store/organizations.ts';
import { claimDomain, findDomainClaim, listDomains, markVerified, verifiedOwnerOf, type OrgDomain } from '../../store/org-domains.ts';
import { canonicalDomain } from '../../policy/domain-name.ts';
import { checkDomainTxt, dnsResolver, verificationName } from '../../policy/domain-verification.ts';
import { orgPolicyCommands } from './org-policy.ts';
import { orgNamed } from './org-named.ts';

const create = command({
  path: ['org', 'create'],
  summary: 'Create an organization',
  usage: '--name N',
  options: { name: { type: 'string' } },
  async run({ values, out }) {
    const name = need(values.name, '--name').trim();
    if (!name) throw new CliError('invalid_value', '--name must not be blank');
    const org = await withStore(async (deps) => {
      // Names are how operators and scripts refer to organizations: two with one name would be ambiguous.
      if (await findOrganizationByName(deps.db, name)) throw new CliError('conflict', `an organization named "${name}" already exists`);
      const o = await createOrganization(deps.db, deps.clock, deps.random, name);
      await audit(deps.db, deps.clock, { event: 'org.created', details: { via: 'cli', orgId: o.id } });
      return o;
    });
    out.result(org, `Created organization "${org.name}" (id ${org.id}).`);
  },
});

const list = command({
  path: ['org', 'list'],
  summary: 'List organizations',
  usage: '',
  options: {},
  async run({ out }) {
    const orgs = (await withStore((deps) => listOrganizations(deps.db))).map((o) => ({ id: o.id, name: o.name, createdAt: isoTime(o.created_at) }));
    out.result(orgs, () => table(orgs.map((o) => ({ ...o, createdAt: o.createdAt ?? '' })), [['name', 'NAME'], ['id', 'ID'], ['createdAt', 'CREATED']], 'No organizations.'));
  },
});

function domainArg(value: string | undefined): string {
  const domain = canonicalDomain(need(value, '--domain'));
  if (!domain) throw new CliError('invalid_value', `--domain must be a domain name such as example.com, got "${value}"`);
  return domain;
}

const view = (d: OrgDomain) => ({
  domain: d.domain,
  verified: d.verifiedAt !== null,
  verifiedAt: isoTime(d.verifiedAt),
  verifiedBy: d.verifiedBy,
  record: { name: verificationName(d.domain), type: 'TXT', value: d.token },
});

const domainAdd = command({
  path: ['org', 'domain', 'add'],
  summary: 'Claim an email domain for an organization (verify it next)',
  usage: '--org NAME --domain D',
  options: { org: { type: 'string' }, domain: { type: 'string' } },
  async run({ values, out }) {
    const domain = domainArg(values.domain);
    const claim = await withStore(async (deps) => {
      const org = await orgNamed(deps, values.org);
      if (await findDomainClaim(deps.db, org.id, domain)) throw new CliError('conflict', `${domain} is already claimed by "${org.name}"`);
      const c = await claimDomain(deps.db, deps.clock, deps.random, org.id, domain);
      await audit(deps.db, deps.clock, { event: 'org.domain.claimed', details: { via: 'cli', orgId: org.id, domain } });
      return c;
    });
    const v = view(claim);
    out.result(v, `Claimed ${domain}. It gives no power over anyone until it is verified. Publish this DNS record, then run "gatehouse org domain verify":\n  ${v.record.name}  TXT  "${v.record.value}"`);
  },
});

const domainVerify = command({
  path: ['org', 'domain', 'verify'],
  summary: 'Verify a claimed domain by its DNS TXT record (or --admin: mark it verified)',
  usage: '--org NAME --domain D [--admin]',
  options: { org: { type: 'string' }, domain: { type: 'string' }, admin: { type: 'boolean' } },
  async run({ values, out }) {
    const domain = domainArg(values.domain);
    const result = await withStore(async (deps) => {
      const org = await orgNamed(deps, values.org);
      const claim = await findDomainClaim(deps.db, org.id, domain);
      if (!claim) throw new CliError('not_found', `"${org.name}" has not claimed ${domain}; run "gatehouse org domain add" first`);
      if (claim.verifiedAt !== null) return claim;
      const owner = await verifiedOwnerOf(deps.db, domain);
      if (owner && owner !== org.id) throw new CliError('conflict', `${domain} is verified by another organization`);
      if (!values.admin) {
        const check = await checkDomainTxt(dnsResolver(deps.config.dnsServers), domain, claim.token);
        if (!check.ok) {
          await audit(deps.db, deps.clock, { event: 'org.domain.verification_failed', details: { via: 'cli', orgId: org.id, domain, reason: check.reason } });
          const why = check.reason === 'mismatch' ? 'has no TXT record with the expected value' : check.reason === 'not_found' ? 'does not exist yet' : `could not be looked up (${check.detail ?? 'DNS error'})`;
          throw new CliError('conflict', `${verificationName(domain)} ${why}; publish TXT "${claim.token}" and try again (DNS changes can take a while to appear)`);
        }
      }
      if (!(await markVerified(deps.db, deps.clock, org.id, domain, values.admin ? 'admin' : 'dns'))) throw new CliError('conflict', `${domain} is verified by another organization`);
      await audit(deps.db, deps.clock, { event: 'org.domain.verified', details: { via: 'cli', orgId: org.id, domain, by: values.admin ? 'admin' : 'dns' } });
      return (await findDomainClaim(deps.db, org.id, domain))!;
    });
    out.result(view(result), `${domain} is verified (${result.verifiedBy}). The company policy of this organization now applies to every address @${domain}.`);
  },
});

const domainList = command({
  path: ['org', 'domain', 'list'],
  summary: 'List the domains an organization claims, and the DNS record each needs',
  usage: '--org NAME',
  options: { org: { type: 'string' } },
  async run({ values, out }) {
    const rows = await withStore(async (deps) => (await listDomains(deps.db, (await orgNamed(deps, values.org)).id)).map(view));
    out.result(rows, () => table(rows.map((r) => ({ domain: r.domain, status: r.verified ? `verified (${r.verifiedBy})` : 'not verified', record: `${r.record.name} TXT "${r.record.value}"` })), [['domain', 'DOMAIN'], ['status', 'STATUS'], ['record', 'DNS RECORD']], 'No domains.'));
  },
});

export const orgCommands: AnyCommand[] = [create, list, domainAdd, domainVerify, domainList, ...orgPolicyCommands];
