import type { CeremonyContext, FailureReason, MethodType } from '../methods/types.ts';
import type { User } from '../store/users.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { listActiveMethods, type MethodRecord } from '../methods/records.ts';
import { methodFor } from '../methods/registry.ts';
import { useRecoveryCode } from '../methods/recovery/codes.ts';
import { clearFailuresAfterProof, lockStartedAt, reserveAttempt, type AttemptKind, type Reservation } from '../security/attempts.ts';
import { notify } from './notify.ts';

export type FactorChoice = MethodType | 'recovery';

/**
 * What the interaction route passes when the answer is for a choice the flow does not offer: it is
 * refused unchecked and counted apart, never against a method the person has (decision 0007).
 */
export const NOT_OFFERED = 'unoffered';

export type FactorResult =
  | { ok: true; amr: string[]; method?: MethodRecord }
  | { ok: false; reason: FailureReason | 'throttled' | 'locked'; retryAfterMs?: number };

/**
 * Checks one second-factor answer for a person, with the attempt limits in front: every answer
 * (wrong, malformed, replayed) is counted before it is checked — a push approval, which guesses at
 * nothing, only when it fails (decision 0021) — per person across sessions and
 * parallel requests, and per kind (decision 0007): each method type, recovery codes and answers
 * for choices not offered count apart, so a flood of one kind never locks another, and recovery
 * codes never lock. Any success clears every count of the person.
 */
export async function verifySecondFactor(
  ctx: CeremonyContext,
  user: User,
  choice: FactorChoice | typeof NOT_OFFERED,
  input: unknown,
  state: Record<string, unknown>,
  where: AuditContext,
  /** The person's active methods, when the caller has just read them. */
  known?: MethodRecord[],
): Promise<FactorResult> {
  const { db, clock } = ctx.deps;
  const method = choice === 'recovery' ? undefined : methodFor(choice);
  // A name that is no method at all counts with the choices not offered, never as some method.
  const approval = choice === 'push' && typeof input === 'object' && input !== null && 'approval' in input;
  const kind: AttemptKind = choice === 'recovery' ? 'recovery' : approval ? 'push_approval' : method ? method.type : NOT_OFFERED;
  // A push approval guesses at nothing (the device signed it; it is used once, for this flow only): it is
  // checked first and counted only when it fails (decision 0021). Every other answer is counted up front.
  const checkFirst = kind === 'push_approval';
  const reservation = checkFirst ? undefined : await reserveAttempt(db, clock, user.id, kind, where.ip);
  if (reservation && !reservation.ok) return refusedUnchecked(ctx, user, kind, reservation, where);

  let result: FactorResult;
  if (kind === 'recovery') {
    const used = await useRecoveryCode(ctx.deps, user.id, input);
    result = used === 'ok' ? { ok: true, amr: ['recovery'] } : { ok: false, reason: used };
  } else if (!method) {
    result = { ok: false, reason: 'malformed' };
  } else {
    const v = await method.verify(ctx, user, known ?? (await listActiveMethods(db, user.id)), input, state);
    result = v.ok ? { ok: true, amr: v.amr, method: v.method } : { ok: false, reason: v.reason };
  }

  if (result.ok) {
    // The person proved themselves: every count starts again, a lock on another kind included.
    // Its own count, when there was one, was this answer's reservation (a checked-first kind made none).
    await clearFailuresAfterProof(db, clock, user.id, kind, where, checkFirst ? undefined : kind);
    await audit(db, clock, { ...where, event: 'mfa.succeeded', userId: user.id, details: { method: kind, methodId: result.method?.id } });
    if (kind === 'recovery') {
      await audit(db, clock, { ...where, event: 'mfa.recovery_code.used', userId: user.id });
      await notify(ctx.deps, user, 'recovery_code_used');
    }
    return result;
  }
  const counted = reservation ?? (await reserveAttempt(db, clock, user.id, kind, where.ip));
  if (!counted.ok) return refusedUnchecked(ctx, user, kind, counted, where);
  const failures = counted.failuresBefore + 1;
  await audit(db, clock, { ...where, event: 'mfa.failed', userId: user.id, details: { method: kind, reason: result.reason, failures } });
  // Audited once when a hold starts, and once when the kind locks until another proof.
  const lock = lockStartedAt(kind, failures);
  if (lock) await audit(db, clock, { ...where, event: 'mfa.locked', userId: user.id, details: { method: kind, failures, lock } });
  return result;
}

/** An answer the limits refuse (the kind waits, or is locked): audited, and nothing more is said. */
async function refusedUnchecked(ctx: CeremonyContext, user: User, kind: AttemptKind, r: Extract<Reservation, { ok: false }>, where: AuditContext): Promise<FactorResult> {
  const { db, clock } = ctx.deps;
  await audit(db, clock, { ...where, event: r.locked ? 'mfa.locked' : 'mfa.throttled', userId: user.id, details: { method: kind } });
  return { ok: false, reason: r.locked ? 'locked' : 'throttled', retryAfterMs: r.retryAfterMs };
}
