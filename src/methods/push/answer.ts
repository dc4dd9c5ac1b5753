import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { CeremonyContext } from '../types.ts';
import { findUserById } from '../../store/users.ts';
import { audit, type AuditContext } from '../../store/audit.ts';
import { reserveAttempt, lockStartedAt } from '../../security/attempts.ts';
import { isAssertion } from '../webauthn/ceremony.ts';
import { touchMethod, type MethodRecord } from '../records.ts';
import { PushError } from './errors.ts';
import { deviceData } from './device.ts';
import { iatFresh, verifyDeviceJws } from './request-auth.ts';
import { findChallenge, findDeviceWithChallenge, isTarget, settleChallenge } from './challenges.ts';
import { recordApproval, recordRefusal } from './limits.ts';
import { reportFraud } from './fraud.ts';

export type AnswerStatus = 'approved' | 'denied' | 'reported';

const refused = () => new PushError('answer_refused', 'This answer was not accepted.');

/**
 * `POST /challenges/{id}/answer`. The checks run in the order of docs/authenticator-api.md — the
 * signature with the key of `kid`; the device not removed and the person's; `aud`; `cid` is this
 * request and it is pending and unexpired; `iat`; the number — and every failure a stranger could
 * learn from is the same `answer_refused`. The request moves out of `pending` in one conditional
 * UPDATE, so of two answers (or two instances) exactly one applies.
 */
export async function answerChallenge(ctx: CeremonyContext, challengeId: string, body: unknown, where: AuditContext): Promise<AnswerStatus> {
  const { deps } = ctx;
  // The device and the request are read in one statement; nothing about the request is used unless
  // the answer's signature verifies with that device's key.
  let row: Awaited<ReturnType<typeof findChallenge>>;
  let refusals = 0;
  const lookup = async (kid: unknown) => {
    const found = await findDeviceWithChallenge(deps, kid, challengeId);
    row = found?.challenge;
    refusals = found?.refusals ?? 0;
    return found?.device;
  };
  const signed = await verifyDeviceJws(deps, (body as { answer?: unknown } | null)?.answer, 'gh-push-answer+jwt', lookup);
  if (!signed) throw refused();
  const { device, payload } = signed;
  if (!row || !isTarget(row, device)) throw refused();
  if (payload.aud !== deps.config.issuer) throw refused();
  const now = deps.clock.now();
  if (payload.cid !== row.id || row.status !== 'pending' || row.expires_at <= now) throw refused();
  if (!iatFresh(deps, payload.iat)) throw refused();
  const decision = payload.decision;
  if (decision !== 'approve' && decision !== 'deny' && decision !== 'fraud') throw refused();
  // The person is the device's (isTarget): its row exists only while theirs does (ON DELETE CASCADE),
  // so their row is read only where it is used — the fraud report's email.
  const userId = row.user_id;
  const base = { ...where, userId };

  if (decision === 'approve') {
    if (payload.number !== row.number) {
      await failNumber(ctx, row.id, userId, device, base, payload.number === undefined ? 'missing' : 'wrong');
      throw refused();
    }
    const amr = ['swk'];
    if (payload.userVerification !== undefined) {
      if (!(await verifyScreenLock(ctx, device, payload.userVerification, row.uv_challenge))) throw refused();
      amr.push('user');
    }
    if (!(await settleChallenge(deps, row.id, 'approved', device.id, amr))) throw refused();
    // The run of denials and time-outs ends; with none counted (read with the device) nothing is written.
    if (refusals > 0) await recordApproval(deps, userId);
    await touchMethod(deps.db, deps.clock, device.id);
    await audit(deps.db, deps.clock, { ...base, event: 'push.approved', details: { challengeId: row.id, methodId: device.id, amr } });
    return 'approved';
  }
  const user = decision === 'fraud' ? await findUserById(deps.db, userId) : undefined;
  if (decision === 'fraud' && !user) throw refused();
  if (!(await settleChallenge(deps, row.id, decision === 'deny' ? 'denied' : 'reported', device.id, null))) throw refused();
  if (user) {
    await reportFraud(ctx, user, row.id, device, base);
    return 'reported';
  }
  await audit(deps.db, deps.clock, { ...base, event: 'push.denied', details: { challengeId: row.id, methodId: device.id } });
  if (row.kind === 'sign_in' && (await recordRefusal(deps, userId))) await audit(deps.db, deps.clock, { ...base, event: 'push.paused', details: { after: 'refusals' } });
  return 'denied';
}

/**
 * A wrong or missing number: the request ends (a guess gets one try) and it counts as a failed
 * attempt of kind `push` under the attempt limits, like a wrong code.
 */
async function failNumber(ctx: CeremonyContext, id: string, userId: string, device: MethodRecord, where: AuditContext & { userId: string }, reason: 'missing' | 'wrong') {
  const { deps } = ctx;
  if (!(await settleChallenge(deps, id, 'failed', device.id, null))) return;
  const reservation = await reserveAttempt(deps.db, deps.clock, userId, 'push', where.ip);
  const failures = reservation.ok ? reservation.failuresBefore + 1 : undefined;
  await audit(deps.db, deps.clock, { ...where, event: 'mfa.failed', details: { method: 'push', reason: `number_${reason}`, challengeId: id, failures } });
  const lock = failures ? lockStartedAt('push', failures) : undefined;
  if (lock) await audit(deps.db, deps.clock, { ...where, event: 'mfa.locked', details: { method: 'push', failures, lock } });
}

/** The phone's screen lock: a WebAuthn assertion with user verification over the request's challenge. */
async function verifyScreenLock(ctx: CeremonyContext, device: MethodRecord, response: unknown, challenge: string): Promise<boolean> {
  const uv = deviceData(device).uv;
  if (!uv || !isAssertion(response) || response.id !== uv.credentialId) return false;
  try {
    const r = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: ctx.origin,
      expectedRPID: ctx.rpId,
      requireUserVerification: true,
      credential: { id: uv.credentialId, publicKey: new Uint8Array(Buffer.from(uv.publicKey, 'base64url')), counter: uv.counter },
    });
    if (!r.verified) return false;
    await touchMethod(ctx.deps.db, ctx.deps.clock, device.id, { ...device.data, uv: { ...uv, counter: r.authenticationInfo.newCounter } });
    return true;
  } catch {
    return false;
  }
}
