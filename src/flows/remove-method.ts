import type Provider from 'oidc-provider';
import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import { audit, type AuditContext } from '../store/audit.ts';
import { lockPerson } from '../store/person-lock.ts';
import { deleteMethod, listActiveMethods, type MethodRecord } from '../methods/records.ts';
import { cancelDeviceRequests } from '../methods/push/device-requests.ts';
import { removalBlocked } from '../policy/required-for.ts';
import { signOutEverywhere } from './sign-out.ts';
import { notify } from './notify.ts';

export interface RemovalBy {
  where: AuditContext;
  /** Who asked: the person in Account settings, or a push device removing itself (`DELETE /devices/self`). */
  by: 'person' | 'device';
  /** The Account settings session that asked stays signed in. */
  keepSessionId?: string;
}

export type Removal = { ok: true } | { ok: false; reason: 'last_method_required' | 'gone' };

/**
 * Removes one of the person's methods — the one way, from Account settings or from the device itself.
 * The policy check and the delete run in one transaction holding the person's row, so two removals at
 * once cannot each leave "one more" and together leave none (a company's last allowed method, or the
 * last method while an app is Required). An active method's removal is one change, every app: every
 * other session ends and the person is emailed; a device still pending in the wizard was never a
 * factor and just goes. Push requests only that device could answer end.
 */
export async function removeOwnMethod(deps: Deps, provider: Provider, user: User, method: MethodRecord, o: RemovalBy): Promise<Removal> {
  const active = method.status === 'active';
  const outcome = await deps.db.transaction().execute(async (trx) => {
    await lockPerson(trx, user.id);
    if (active && (await removalBlocked(deps, user, method.id, trx))) return 'last_method_required' as const;
    return (await deleteMethod(trx, user.id, method.id)) ? ('removed' as const) : ('gone' as const);
  });
  const base = { ...o.where, userId: user.id };
  const by = o.by === 'device' ? { by: 'device' } : {};
  if (outcome === 'last_method_required') {
    await audit(deps.db, deps.clock, { ...base, event: 'mfa.method.removal_refused', details: { methodId: method.id, type: method.type, reason: outcome, ...by } });
    return { ok: false, reason: outcome };
  }
  if (outcome === 'gone') return { ok: false, reason: 'gone' };
  if (method.type === 'push') await cancelDeviceRequests(deps, method, (await listActiveMethods(deps.db, user.id)).some((m) => m.type === 'push'));
  await audit(deps.db, deps.clock, { ...base, event: 'mfa.method.removed', details: { methodId: method.id, type: method.type, name: method.name, ...(o.by === 'device' ? { by: 'device', status: method.status } : {}) } });
  if (!active) return { ok: true };
  await signOutEverywhere(deps, provider, user.id, { keepSessionId: o.keepSessionId, reason: '2fa_method_removed', where: o.where });
  await notify(deps, user, 'method_removed', { name: method.name, type: method.type });
  return { ok: true };
}
