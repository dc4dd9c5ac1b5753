import QRCode from 'qrcode';
import type { FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.ts';
import type { User } from '../store/users.ts';
import type { WizardState } from '../flows/enrollment.ts';
import { linkContext } from '../flows/enrollment.ts';
import { findMethod } from '../methods/records.ts';
import { deviceData } from '../methods/push/device.ts';
import { createEnrollmentLink } from '../methods/push/enrollment-links.ts';
import { findChallenge } from '../methods/push/challenges.ts';
import { enrollRef } from '../methods/push/index.ts';
import { pushRequestFor, requestContext } from './push-flow.ts';

export interface PushSetupView {
  link?: { url: string; qr: string };
  number?: string;
  notice?: string;
  state: WizardState;
}

/**
 * The wizard's push step as it stands: before the device registered, the link (a fresh one once the
 * old one expired); after, the test request for that device alone (`enroll:<methodId>`), started once
 * and shown again until it ends. Undefined when the pending device is gone (the wizard starts over).
 */
export async function pushSetupView(deps: HttpDeps, req: FastifyRequest, user: User, state: WizardState, appName: string | undefined): Promise<PushSetupView | undefined> {
  if (state.kind !== 'push' || !state.methodId) return undefined;
  const method = await findMethod(deps.db, user.id, state.methodId);
  if (!method || method.type !== 'push' || method.status !== 'pending') return undefined;
  const now = deps.clock.now();
  if (!deviceData(method).publicKey) {
    let next = state;
    let url = state.sealedLink ? deps.box.openString(state.sealedLink, linkContext(user.id)) : undefined;
    let notice: string | undefined;
    if (!url || (state.linkExpiresAt ?? 0) <= now) {
      const made = await createEnrollmentLink(deps, user.id, method.id);
      url = made.link;
      next = { ...state, sealedLink: deps.box.seal(made.link, linkContext(user.id)), linkExpiresAt: made.expiresAt };
      if (state.sealedLink) notice = deps.t('wizard.push.expired');
    }
    return { link: { url, qr: await QRCode.toDataURL(url, { margin: 1, width: 220 }) }, notice, state: next };
  }
  const existing = state.challengeId ? await findChallenge(deps, state.challengeId) : undefined;
  const ended = existing && !(existing.status === 'approved' || (existing.status === 'pending' && existing.expires_at > now));
  const started = await pushRequestFor(
    deps,
    req,
    user,
    [method],
    { kind: 'enroll', flowRef: enrollRef(method.id), targets: [method.id], context: requestContext(req, appName ?? 'Gatehouse', deps.t('wizard.push.test_title')) },
    // The wizard's page has a stream of its own (it also waits for the device to register).
    () => '',
  );
  return {
    number: started.view.number,
    notice: started.view.unavailable ?? (ended ? deps.t('wizard.push.expired') : undefined),
    state: { ...state, sealedLink: undefined, challengeId: started.state.challengeId },
  };
}
