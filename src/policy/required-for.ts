import type { Deps } from '../context.ts';
import type { Db } from '../store/db.ts';
import type { User } from '../store/users.ts';
import { listActiveMethods } from '../methods/records.ts';
import { companyOf } from './company-of.ts';

/**
 * Whether a policy keeps this method: removing it would leave the person with no method the policy
 * accepts. A company that requires 2FA keeps the last method it allows (a method it no longer allows
 * may always go); without one, the last method stays while some application is Required. Reset stays
 * possible: it leads straight back into the wizard.
 */
export async function removalBlocked(deps: Deps, user: User, methodId: string, db: Db = deps.db): Promise<boolean> {
  const methods = await listActiveMethods(db, user.id);
  const removing = methods.find((m) => m.id === methodId);
  if (!removing) return false;
  const rest = methods.filter((m) => m.id !== methodId);
  const company = await companyOf(db, user.email);
  if (company?.policy.secondFactor === 'required') {
    const allowed: readonly string[] = company.policy.allowedMethods;
    return allowed.includes(removing.type) && !rest.some((m) => allowed.includes(m.type));
  }
  return rest.length === 0 && (await secondFactorRequiredFor(deps, user, db));
}

/** Whether a policy requires 2FA of this person: their company's, or some application marked Required. */
export async function secondFactorRequiredFor(deps: Deps, user: User, db: Db = deps.db): Promise<boolean> {
  if ((await companyOf(db, user.email))?.policy.secondFactor === 'required') return true;
  const row = await db.selectFrom('clients').select('client_id').where('policy', '=', 'required').executeTakeFirst();
  return !!row;
}
