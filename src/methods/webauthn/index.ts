import { generateRegistrationOptions, verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import type { SecondFactorMethod } from '../types.ts';
import { activateMethod, findMethod, insertPendingMethod, listActiveMethods } from '../records.ts';
import { CHALLENGE_TIMEOUT_MS, requestOptions, verifyAssertion, type CredentialData } from './ceremony.ts';

function isRegistration(input: unknown): input is RegistrationResponseJSON {
  const r = input as RegistrationResponseJSON | null;
  return !!r && typeof r === 'object' && typeof r.id === 'string' && r.type === 'public-key' && !!r.response && typeof r.response.attestationObject === 'string' && typeof r.response.clientDataJSON === 'string';
}

/** Security keys and passkeys (WebAuthn) — amr `hwk`, plus `user` when the authenticator verified the person. */
export const webauthnMethod: SecondFactorMethod = {
  type: 'webauthn',
  labelKey: 'method.webauthn',
  phishingResistant: true,

  async startEnrollment(ctx, user, name, variant) {
    // A passkey must be discoverable and verify the person (it signs in alone); a security key is
    // a second factor and should not spend one of the key's few resident-credential slots.
    const passkey = variant === 'passkey';
    const existing = (await listActiveMethods(ctx.deps.db, user.id)).filter((m) => m.type === 'webauthn');
    const options = await generateRegistrationOptions({
      rpName: 'Gatehouse',
      rpID: ctx.rpId,
      userName: user.email,
      userDisplayName: user.name || user.email,
      // The user handle is stable per person, so a passkey names its owner at usernameless sign-in.
      userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
      attestationType: 'none',
      timeout: CHALLENGE_TIMEOUT_MS,
      excludeCredentials: existing.map((m) => ({ id: m.credentialId!, transports: (m.data as unknown as CredentialData).transports })),
      authenticatorSelection: passkey
        ? { residentKey: 'required', requireResidentKey: true, userVerification: 'required' }
        : { residentKey: 'discouraged', requireResidentKey: false, userVerification: 'discouraged' },
    });
    const methodId = await insertPendingMethod(ctx.deps.db, ctx.deps.clock, ctx.deps.random, { userId: user.id, type: 'webauthn', name });
    return { methodId, display: { options }, state: { challenge: options.challenge, passkey } };
  },

  async confirmEnrollment(ctx, user, methodId, input, state) {
    const method = await findMethod(ctx.deps.db, user.id, methodId);
    if (!method || method.status !== 'pending' || method.type !== 'webauthn') return { ok: false, reason: 'invalid' };
    if (!isRegistration(input) || typeof state.challenge !== 'string') return { ok: false, reason: 'malformed' };
    let result;
    try {
      result = await verifyRegistrationResponse({
        response: input,
        expectedChallenge: state.challenge,
        expectedOrigin: ctx.origin,
        expectedRPID: ctx.rpId,
        requireUserVerification: state.passkey === true,
      });
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (!result.verified) return { ok: false, reason: 'invalid' };
    const { credential, aaguid, credentialBackedUp, credentialDeviceType, userVerified } = result.registrationInfo;
    const data: CredentialData = {
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      transports: credential.transports,
      aaguid,
      backedUp: credentialBackedUp,
      deviceType: credentialDeviceType,
    };
    try {
      const ok = await activateMethod(ctx.deps.db, ctx.deps.clock, user.id, methodId, { credentialId: credential.id, data: data as unknown as Record<string, unknown>, counter: credential.counter });
      if (!ok) return { ok: false, reason: 'invalid' };
    } catch {
      // The unique credential_id: this authenticator is already registered.
      return { ok: false, reason: 'invalid' };
    }
    return {
      ok: true,
      method: { ...method, status: 'active', credentialId: credential.id, data: data as unknown as Record<string, unknown> },
      amr: userVerified ? ['hwk', 'user'] : ['hwk'],
      phishingResistant: true,
    };
  },

  async startChallenge(ctx, _user, methods) {
    const options = await requestOptions(ctx, methods.filter((m) => m.type === 'webauthn'), 'preferred');
    return { display: { options }, state: { challenge: options.challenge } };
  },

  async verify(ctx, _user, methods, input, state) {
    return verifyAssertion(ctx, methods.filter((m) => m.type === 'webauthn'), input, state.challenge, false);
  },
};
