import type Provider from 'oidc-provider';
import type { Deps } from '../../context.ts';
import { audit, type AuditContext } from '../../store/audit.ts';
import { findUserById } from '../../store/users.ts';
import { notify } from '../../flows/notify.ts';
import { signOutEverywhere } from '../../flows/sign-out.ts';
import { removalBlocked } from '../../policy/required-for.ts';
import { listActiveMethods, removeMethod, type MethodRecord } from '../records.ts';
import { PushError } from './errors.ts';
import { cancelDeviceRequests } from './device-requests.ts';

/**
 * `DELETE /devices/self`: a device removes itself, signed with its own key — the factor itself, so
 * no other proof is asked. An active device goes the way of a removal in Account settings: the same
 * policy check (`removalBlocked`: a company that requires 2FA keeps the last method it allows; without
 * one, the last method stays while an application is Required), then the row goes (its next
 * signature is refused at once), `mfa.method.removed` is audited, the person is signed out of every
 * app and emailed. A pending device (the wizard still waits for its test approval) was never a
 * factor: it is dropped and audited, with no sign-out and no email. Either way the requests only this
 * device could answer end; the person's other devices are not touched.
 */
export async function removeSelf(deps: Deps, provider: Provider, device: MethodRecord, where: AuditContext): Promise<void> {
  const user = await findUserById(deps.db, device.userId);
  if (!user) throw new PushError('device_unknown', 'This device is not enrolled, or the request was not signed by it.');
  const base = { ...where, userId: user.id };
  const active = device.status === 'active';
  if (active && (await removalBlocked(deps, user, device.id))) {
    await audit(deps.db, deps.clock, { ...base, event: 'mfa.method.removal_refused', details: { methodId: device.id, type: device.type, by: 'device', reason: 'last_method_required' } });
    throw new PushError('last_method_required', 'This is the last two-step verification method a policy allows for this account, so it cannot be removed. Add another method in Account settings first.');
  }
  if (!(await removeMethod(deps.db, user.id, device.id))) throw new PushError('device_unknown', 'This device is not enrolled, or the request was not signed by it.');
  const othersAnswer = (await listActiveMethods(deps.db, user.id)).some((m) => m.type === 'push');
  await cancelDeviceRequests(deps, device, othersAnswer);
  await audit(deps.db, deps.clock, { ...base, event: 'mfa.method.removed', details: { methodId: device.id, type: device.type, name: device.name, by: 'device', status: device.status } });
  if (!active) return;
  // One change, every app (SECURITY.md): the device holds no session of its own to keep.
  await signOutEverywhere(deps, provider, user.id, { reason: '2fa_method_removed', where });
  await notify(deps, user, 'method_removed', { name: device.name, type: device.type });
}
