import type { CeremonyContext, FailureReason, MethodType } from '../methods/types.ts';
import type { User } from '../store/users.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { listActiveMethods, type MethodRecord } from '../methods/records.ts';
import { methodFor } from '../methods/registry.ts';
import { useRecoveryCode } from '../methods/recovery/codes.ts';
import { recordSuccess, reserveAttempt, backoffAfter, LOCK_MS, MAX_CONSECUTIVE_FAILURES } from '../security/attempts.ts';
import { notify } from './notify.ts';

export type FactorChoice = MethodType | 'recovery';

export type FactorResult =
  | { ok: true; amr: string[]; method?: MethodRecord }
  | { ok: false; reason: FailureReason | 'throttled' | 'locked'; retryAfterMs?: number };

/**
 * Checks one second-factor answer for a person, with the attempt limits in front: every answer
 * (wrong, malformed, replayed) is counted before it is checked, per person across sessions and
 * parallel requests; recovery codes count apart, so a locked authenticator never closes the way back in.
 */
export async function verifySecondFactor(
  ctx: CeremonyContext,
  user: User,
  choice: FactorChoice,
  input: unknown,
  state: Record<string, unknown>,
  where: AuditContext,
  /** The person's active methods, when the caller has just read them. */
  known?: MethodRecord[],
): Promise<FactorResult> {
  const { db, clock } = ctx.deps;
  const scope = choice === 'recovery' ? 'recovery' : 'factor';
  const reservation = await reserveAttempt(db, clock, user.id, scope);
  if (!reservation.ok) {
    await audit(db, clock, { ...where, event: reservation.locked ? 'mfa.locked' : 'mfa.throttled', userId: user.id, details: { method: choice } });
    return { ok: false, reason: reservation.locked ? 'locked' : 'throttled', retryAfterMs: reservation.retryAfterMs };
  }

  let result: FactorResult;
  if (choice === 'recovery') {
    const used = await useRecoveryCode(ctx.deps, user.id, input);
    result = used === 'ok' ? { ok: true, amr: ['recovery'] } : { ok: false, reason: used };
  } else {
    const method = methodFor(choice);
    if (!method) {
      result = { ok: false, reason: 'malformed' };
    } else {
      const v = await method.verify(ctx, user, known ?? (await listActiveMethods(db, user.id)), input, state);
      result = v.ok ? { ok: true, amr: v.amr, method: v.method } : { ok: false, reason: v.reason };
    }
  }

  if (result.ok) {
    await recordSuccess(db, user.id, scope);
    // A recovery code proves the person: it also lifts a lock on their other methods.
    if (scope === 'recovery') await recordSuccess(db, user.id, 'factor');
    await audit(db, clock, { ...where, event: 'mfa.succeeded', userId: user.id, details: { method: choice, methodId: result.method?.id } });
    if (choice === 'recovery') {
      await audit(db, clock, { ...where, event: 'mfa.recovery_code.used', userId: user.id });
      await notify(ctx.deps, user, 'recovery_code_used');
    }
    return result;
  }
  const failures = reservation.failuresBefore + 1;
  await audit(db, clock, { ...where, event: 'mfa.failed', userId: user.id, details: { method: choice, reason: result.reason, failures } });
  // Audited once when the 15-minute lock starts, and once at the 100-failure cap.
  if (failures === MAX_CONSECUTIVE_FAILURES || (backoffAfter(failures) === LOCK_MS && backoffAfter(failures - 1) < LOCK_MS)) {
    await audit(db, clock, { ...where, event: 'mfa.locked', userId: user.id, details: { method: choice, failures } });
  }
  return result;
}
