import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import type { CeremonyContext, Verification } from '../types.ts';
import { advanceCounter, touchMethod, type MethodRecord } from '../records.ts';
import { audit } from '../../store/audit.ts';

/** What is kept of a credential besides its id and counter (all public). */
export interface CredentialData {
  publicKey: string;
  transports?: string[];
  aaguid?: string;
  backedUp?: boolean;
  deviceType?: string;
  /** Set when the signature counter went backwards: the key may have been cloned. Refused from then on. */
  cloned?: boolean;
}

export const CHALLENGE_TIMEOUT_MS = 120_000;

export async function requestOptions(ctx: CeremonyContext, methods: MethodRecord[], userVerification: 'required' | 'preferred') {
  return generateAuthenticationOptions({
    rpID: ctx.rpId,
    timeout: CHALLENGE_TIMEOUT_MS,
    userVerification,
    allowCredentials: methods.map((m) => ({ id: m.credentialId!, transports: (m.data as unknown as CredentialData).transports })),
  });
}

/** Whether the input looks like an AuthenticationResponseJSON at all (malformed input is a failure of its own). */
export function isAssertion(input: unknown): input is AuthenticationResponseJSON {
  const r = input as AuthenticationResponseJSON | null;
  return !!r && typeof r === 'object' && typeof r.id === 'string' && typeof r.rawId === 'string' && r.type === 'public-key' && !!r.response && typeof r.response.clientDataJSON === 'string' && typeof r.response.authenticatorData === 'string' && typeof r.response.signature === 'string';
}

/**
 * Verifies an assertion for one of `methods`: origin, RP ID, challenge, signature, and the
 * signature counter (WebAuthn §7.2 step 22): a counter that does not move forward marks the
 * credential as possibly cloned and refuses it — judged only once the signature verified.
 * Nothing about a credential (counter, last use, the cloned flag) changes on an answer whose
 * signature did not verify: anyone who read a credential id off a challenge page could otherwise
 * send an unsigned answer with a low counter and get the owner's key refused for good.
 */
export async function verifyAssertion(
  ctx: CeremonyContext,
  methods: MethodRecord[],
  input: unknown,
  expectedChallenge: unknown,
  requireUserVerification: boolean,
): Promise<Verification> {
  if (!isAssertion(input) || typeof expectedChallenge !== 'string') return { ok: false, reason: 'malformed' };
  const method = methods.find((m) => m.credentialId === input.id);
  if (!method) return { ok: false, reason: 'unknown_credential' };
  const data = method.data as unknown as CredentialData;
  if (data.cloned) return { ok: false, reason: 'cloned', method };
  const storedCounter = Math.max(method.counter, 0);
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response: input,
      expectedChallenge,
      expectedOrigin: ctx.origin,
      expectedRPID: ctx.rpId,
      // Counter 0: @simplewebauthn/server 14 compares counters before it checks the signature (and
      // throws on a regression), so it must never judge the counter; we do, after `verified`.
      credential: { id: method.credentialId!, publicKey: Buffer.from(data.publicKey, 'base64url'), counter: 0, transports: data.transports } satisfies WebAuthnCredential,
      requireUserVerification,
    });
  } catch {
    return { ok: false, reason: 'invalid', method };
  }
  if (!result.verified) return { ok: false, reason: 'invalid', method };
  // WebAuthn §7.2 step 22, on a validly signed assertion only.
  const { newCounter, userVerified } = result.authenticationInfo;
  if (newCounter > 0 || storedCounter > 0) {
    if (newCounter <= storedCounter) return markCloned(ctx, method, data);
    if (!(await advanceCounter(ctx.deps.db, ctx.deps.clock, method.id, newCounter))) return { ok: false, reason: 'replayed', method };
  } else {
    await touchMethod(ctx.deps.db, ctx.deps.clock, method.id);
  }
  return { ok: true, method, amr: userVerified ? ['hwk', 'user'] : ['hwk'], phishingResistant: true };
}

async function markCloned(ctx: CeremonyContext, method: MethodRecord, data: CredentialData): Promise<Verification> {
  await ctx.deps.db.updateTable('mfa_methods').set({ data: JSON.stringify({ ...data, cloned: true }) }).where('id', '=', method.id).execute();
  await audit(ctx.deps.db, ctx.deps.clock, { event: 'mfa.webauthn.cloned_suspected', userId: method.userId, details: { methodId: method.id, name: method.name } });
  return { ok: false, reason: 'cloned', method };
}
