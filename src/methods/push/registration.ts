import { verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import type { CeremonyContext } from '../types.ts';
import { findUserById } from '../../store/users.ts';
import { audit, type AuditContext } from '../../store/audit.ts';
import { methodName } from '../../security/untrusted-text.ts';
import { findMethod } from '../records.ts';
import { newTotpSeed, TOTP_PARAMS } from '../totp/codes.ts';
import { PushError } from './errors.ts';
import { readEnrollmentLink, useEnrollmentLink } from './enrollment-links.ts';
import { parsePublicKey, type DeviceData } from './device.ts';
import { parseSubscription, sealDeviceSecret } from './secret.ts';
import { vapidPublicKey } from './vapid.ts';
import { enrollChannel } from './channels.ts';

/** Issuer shown beside the codes in the app. @default "Gatehouse" (GATEHOUSE_TOTP_ISSUER, as for TOTP) */
const issuerName = () => process.env.GATEHOUSE_TOTP_ISSUER || 'Gatehouse';

function isRegistration(input: unknown): input is RegistrationResponseJSON {
  const r = input as RegistrationResponseJSON | null;
  return !!r && typeof r === 'object' && typeof r.id === 'string' && r.type === 'public-key' && !!r.response && typeof r.response.attestationObject === 'string' && typeof r.response.clientDataJSON === 'string';
}

/** `POST /enrollments/inspect`: what the app shows before the person registers; the link stays unused. */
export async function inspectEnrollment(ctx: CeremonyContext, body: unknown) {
  const link = await readEnrollmentLink(ctx.deps, (body as { token?: unknown } | null)?.token);
  const user = await findUserById(ctx.deps.db, link.userId);
  if (!user || user.disabled) throw new PushError('enrollment_link_invalid', 'This enrollment link is not valid.');
  return {
    issuer: ctx.deps.config.issuer,
    account: { email: user.email, name: user.name },
    expiresAt: link.expiresAt,
    // Public, and needed before registering: an app enrolling its first account subscribes to Web Push
    // with it and sends the subscription in `POST /enrollments`.
    vapidPublicKey: await vapidPublicKey(ctx.deps),
    // A platform credential with user verification: the phone's screen lock, proven at each approval.
    userVerification: {
      challenge: link.uvChallenge,
      rp: { name: 'Gatehouse', id: ctx.rpId },
      user: { id: Buffer.from(user.id, 'utf8').toString('base64url'), name: user.email, displayName: user.name || user.email },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -257 }],
      timeout: 120_000,
      attestation: 'none',
      authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'discouraged', userVerification: 'required' },
    },
  };
}

/**
 * `POST /enrollments`: registers the device's public key (and, when given, its Web Push subscription
 * and screen-lock credential) on the pending method the link was made for, and uses the link. The
 * device stays pending until it approves the wizard's test request.
 */
export async function registerDevice(ctx: CeremonyContext, body: unknown, where: AuditContext) {
  const { deps } = ctx;
  const b = (body ?? {}) as Record<string, unknown>;
  const link = await readEnrollmentLink(deps, b.token);
  const publicKey = parsePublicKey(b.publicKey);
  if (!publicKey) throw new PushError('invalid_request', 'publicKey must be a public P-256 JWK.');
  const name = methodName(b.name);
  if (!name) throw new PushError('invalid_request', 'name is required.');
  const subscription = b.pushSubscription === undefined || b.pushSubscription === null ? undefined : parseSubscription(b.pushSubscription);
  if (b.pushSubscription != null && !subscription) throw new PushError('invalid_request', 'pushSubscription must be an https endpoint with p256dh and auth keys.');

  const data: DeviceData = { publicKey, subscribed: !!subscription };
  if (b.userVerification !== undefined && b.userVerification !== null) {
    if (!isRegistration(b.userVerification)) throw new PushError('invalid_request', 'userVerification must be a WebAuthn registration response.');
    let verified;
    try {
      verified = await verifyRegistrationResponse({ response: b.userVerification, expectedChallenge: link.uvChallenge, expectedOrigin: ctx.origin, expectedRPID: ctx.rpId, requireUserVerification: true });
    } catch {
      verified = undefined;
    }
    if (!verified?.verified) throw new PushError('invalid_request', 'userVerification did not verify.');
    const c = verified.registrationInfo.credential;
    data.uv = { credentialId: c.id, publicKey: Buffer.from(c.publicKey).toString('base64url'), counter: c.counter };
  }

  const user = await findUserById(deps.db, link.userId);
  const method = await findMethod(deps.db, link.userId, link.methodId);
  if (!user || user.disabled || !method || method.type !== 'push' || method.status !== 'pending') throw new PushError('enrollment_link_invalid', 'This enrollment link is not valid.');
  const seed = newTotpSeed();
  const registered = await deps.db.transaction().execute(async (trx) => {
    if (!(await useEnrollmentLink(deps, trx, b.token as string))) return false;
    const r = await trx
      .updateTable('mfa_methods')
      .set({ name, data: JSON.stringify(data), secret: sealDeviceSecret(deps, method.id, { seed, subscription }) })
      .where('id', '=', method.id)
      .where('user_id', '=', user.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new PushError('enrollment_link_invalid', 'This enrollment link is not valid.');
    return true;
  });
  if (!registered) throw new PushError('enrollment_link_used', 'This enrollment link was used already. Start again in the browser to get a new one.');
  await audit(deps.db, deps.clock, { ...where, event: 'push.device.registered', userId: user.id, details: { methodId: method.id, name, subscribed: !!subscription, userVerification: !!data.uv } });
  await deps.events.publish(enrollChannel(method.id), { status: 'registered' }).catch(() => {});
  return {
    deviceId: method.id,
    status: 'pending' as const,
    account: { issuer: deps.config.issuer, email: user.email, name: user.name },
    // Given once, here: the app shows codes without a network ("Didn't get a notification?").
    totp: { secret: seed, algorithm: TOTP_PARAMS.algorithm, digits: TOTP_PARAMS.digits, period: TOTP_PARAMS.period, issuer: issuerName(), label: user.email },
    vapidPublicKey: await vapidPublicKey(deps),
  };
}
