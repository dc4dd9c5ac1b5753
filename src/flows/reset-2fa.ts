import type Provider from 'oidc-provider';
import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { removeAllMethods } from '../methods/records.ts';
import { deleteRecoveryCodes } from '../methods/recovery/codes.ts';
import { clearAttempts, clearFailuresAfterProof } from '../security/attempts.ts';
import { forgetAllDevices } from '../security/remembered-devices.ts';
import { signOutEverywhere } from './sign-out.ts';
import { notify } from './notify.ts';

/**
 * Resets two-step verification: every method, recovery code and remembered device is removed,
 * and the person is signed out of every app everywhere (but for `keepSessionId`), then told by email.
 */
export async function resetSecondFactors(deps: Deps, provider: Provider, user: User, opts: { keepSessionId?: string; where?: AuditContext }): Promise<void> {
  const removed = await removeAllMethods(deps.db, user.id);
  await deleteRecoveryCodes(deps, user.id);
  await forgetAllDevices(deps, user.id);
  // A hold or lock on a method ends with it (audited as lifted by the reset), and no count remains.
  await clearFailuresAfterProof(deps.db, deps.clock, user.id, 'mfa_reset', opts.where ?? {});
  await clearAttempts(deps.db, user.id);
  await audit(deps.db, deps.clock, { ...opts.where, event: 'mfa.reset', userId: user.id, details: { methodsRemoved: removed } });
  await signOutEverywhere(deps, provider, user.id, { keepSessionId: opts.keepSessionId, reason: 'mfa_reset', where: opts.where });
  await notify(deps, user, 'mfa_reset');
}
