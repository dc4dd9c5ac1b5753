import type { User } from '../../store/users.ts';
import { audit, type AuditContext } from '../../store/audit.ts';
import type { MethodRecord } from '../records.ts';
import type { CeremonyContext } from '../types.ts';
import { recordFraud } from './limits.ts';

/**
 * "This wasn't me": someone has the person's password. Audited, the person is emailed, push pauses
 * for the cooling period (their other methods still work), and the signal is kept for the policies.
 */
export async function reportFraud(ctx: CeremonyContext, user: User, challengeId: string, device: MethodRecord, where: AuditContext): Promise<void> {
  const { deps } = ctx;
  await recordFraud(deps, user.id, deps.config.pushFraudPauseSeconds * 1000);
  await audit(deps.db, deps.clock, { ...where, event: 'push.fraud_reported', userId: user.id, details: { challengeId, methodId: device.id, pausedForMs: deps.config.pushFraudPauseSeconds * 1000 } });
  await ctx.notifyFraud(user, device);
}
