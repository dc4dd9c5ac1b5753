import QRCode from 'qrcode';
import type { SecondFactorMethod, Verification } from '../types.ts';
import { activateMethod, findMethod, insertPendingMethod } from '../records.ts';
import { createEnrollmentLink } from './enrollment-links.ts';
import { consumeApproval, findChallenge, startPushChallenge, type ChallengeContext } from './challenges.ts';
import { verifyDeviceCode } from './device-code.ts';

/** Where a request's approval counts: the sign-in's interaction, or the wizard's pending device. */
export const signInRef = (uid: string) => `interaction:${uid}`;
export const enrollRef = (methodId: string) => `enroll:${methodId}`;

/** What the sign-in flow keeps between the challenge page and the answer (never the number). */
export interface PushChallengeState {
  challengeId?: string;
  flowRef?: string;
}

/** A form's answer for push: a code from the app, or "the device approved this flow's request". */
export type PushInput = { code: string } | { approval: true };

/**
 * Gatehouse Authenticator (push): the device approves with a signed answer carrying the number shown
 * in the browser (amr `swk`, plus `user` when the screen lock was verified); its own TOTP code is the
 * fallback (amr `otp`). See docs/authenticator-api.md and docs/decisions/0011-push-approvals.md.
 */
export const pushMethod: SecondFactorMethod = {
  type: 'push',
  labelKey: 'method.push',
  phishingResistant: false,

  async startEnrollment({ deps }, user, name) {
    const methodId = await insertPendingMethod(deps.db, deps.clock, deps.random, { userId: user.id, type: 'push', name });
    const { token, link, expiresAt } = await createEnrollmentLink(deps, user.id, methodId);
    return { methodId, display: { link, qr: await QRCode.toDataURL(link, { margin: 1, width: 220 }), expiresAt }, state: { token } };
  },

  /** Activates the pending device once it approved the wizard's test request (`input`: the request id). */
  async confirmEnrollment({ deps }, user, methodId, input) {
    const method = await findMethod(deps.db, user.id, methodId);
    if (!method || method.status !== 'pending' || method.type !== 'push') return { ok: false, reason: 'invalid' };
    const approval = await consumeApproval(deps, { id: input, userId: user.id, flowRef: enrollRef(methodId) });
    if (!approval || approval.methodId !== methodId) return { ok: false, reason: 'invalid' };
    if (!(await activateMethod(deps.db, deps.clock, user.id, methodId))) return { ok: false, reason: 'invalid' };
    return { ok: true, method: { ...method, status: 'active' }, amr: approval.amr, phishingResistant: false };
  },

  async startChallenge() {
    // Push requests are started with their context (app, browser, flow) by startPushSignIn.
    return { display: {}, state: {} };
  },

  async verify({ deps }, user, methods, input, state): Promise<Verification> {
    const devices = methods.filter((m) => m.type === 'push' && m.status === 'active');
    const i = input as PushInput | undefined;
    // A plain string is a code too ("Confirm it's you" in account settings asks for the app's code).
    if (typeof input === 'string') return verifyDeviceCode(deps, user.email, devices, input);
    if (i && typeof i === 'object' && 'code' in i) return verifyDeviceCode(deps, user.email, devices, i.code);
    if (!i || typeof i !== 'object' || !('approval' in i)) return { ok: false, reason: 'malformed' };
    const s = state as PushChallengeState;
    if (typeof s.challengeId !== 'string' || typeof s.flowRef !== 'string') return { ok: false, reason: 'invalid' };
    const approval = await consumeApproval(deps, { id: s.challengeId, userId: user.id, flowRef: s.flowRef });
    if (!approval) {
      const row = await findChallenge(deps, s.challengeId);
      return { ok: false, reason: row?.status === 'denied' || row?.status === 'reported' ? 'denied' : row?.status === 'pending' ? 'pending' : 'invalid' };
    }
    // Removed between approving and the browser going on: the approval of a removed device counts for nothing.
    const device = devices.find((m) => m.id === approval.methodId);
    if (!device) return { ok: false, reason: 'unknown_credential' };
    return { ok: true, method: device, amr: approval.amr, phishingResistant: false };
  },
};

export { startPushChallenge, type ChallengeContext };
