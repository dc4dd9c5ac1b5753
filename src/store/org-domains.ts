import type { Db } from './db.ts';
import type { Clock, Random } from '../clock.ts';
import { randomId } from '../clock.ts';

export interface OrgDomain {
  orgId: string;
  domain: string;
  /** The value of the TXT record that proves control of the domain. */
  token: string;
  verifiedAt: number | null;
  verifiedBy: 'dns' | 'admin' | null;
  createdAt: number;
}

type Row = { org_id: string; domain: string; token: string; verified_at: number | null; verified_by: 'dns' | 'admin' | null; created_at: number };

const toDomain = (r: Row): OrgDomain => ({
  orgId: r.org_id,
  domain: r.domain,
  token: r.token,
  verifiedAt: r.verified_at === null ? null : Number(r.verified_at),
  verifiedBy: r.verified_by,
  createdAt: Number(r.created_at),
});

/** Claims a domain for an organization, unverified: a claim gives no power over anyone. */
export async function claimDomain(db: Db, clock: Clock, random: Random, orgId: string, domain: string): Promise<OrgDomain> {
  const row = { org_id: orgId, domain, token: `gatehouse-domain-verification=${randomId(random, 24)}`, verified_at: null, verified_by: null, created_at: clock.now() };
  await db.insertInto('org_domains').values(row).execute();
  return toDomain(row);
}

export async function findDomainClaim(db: Db, orgId: string, domain: string): Promise<OrgDomain | undefined> {
  const r = await db.selectFrom('org_domains').selectAll().where('org_id', '=', orgId).where('domain', '=', domain).executeTakeFirst();
  return r ? toDomain(r) : undefined;
}

export async function listDomains(db: Db, orgId?: string): Promise<OrgDomain[]> {
  let q = db.selectFrom('org_domains').selectAll();
  if (orgId) q = q.where('org_id', '=', orgId);
  return (await q.orderBy('created_at').execute()).map(toDomain);
}

/** The organization holding `domain` verified, if any. */
export async function verifiedOwnerOf(db: Db, domain: string): Promise<string | undefined> {
  const r = await db.selectFrom('org_domains').select('org_id').where('domain', '=', domain).where('verified_at', 'is not', null).executeTakeFirst();
  return r?.org_id;
}

/**
 * Marks a claim verified. False when another organization already holds the domain verified (the
 * partial unique index refuses the second one, whatever the race).
 */
export async function markVerified(db: Db, clock: Clock, orgId: string, domain: string, by: 'dns' | 'admin'): Promise<boolean> {
  try {
    await db.updateTable('org_domains').set({ verified_at: clock.now(), verified_by: by }).where('org_id', '=', orgId).where('domain', '=', domain).where('verified_at', 'is', null).execute();
    return (await findDomainClaim(db, orgId, domain))?.verifiedAt != null;
  } catch (e) {
    if (/unique|duplicate/i.test(String((e as Error).message))) return false;
    throw e;
  }
}

export async function removeDomain(db: Db, orgId: string, domain: string): Promise<boolean> {
  const r = await db.deleteFrom('org_domains').where('org_id', '=', orgId).where('domain', '=', domain).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
