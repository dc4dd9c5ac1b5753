import type { CeremonyContext, Verification } from '../types.ts';
import { findMethodByCredentialId } from '../records.ts';
import { isAssertion, requestOptions, verifyAssertion } from './ceremony.ts';

/**
 * Sign-in with a passkey, without typing the email: the browser offers the discoverable
 * credentials for this RP (also through autofill, "conditional mediation"). User verification is
 * required, so the passkey is two factors by itself (possession + PIN/biometric) and phishing-resistant.
 */
export async function passkeyLoginOptions(ctx: CeremonyContext) {
  const options = await requestOptions(ctx, [], 'required');
  return { display: { options }, state: { challenge: options.challenge } };
}

export async function verifyPasskeyLogin(ctx: CeremonyContext, input: unknown, state: Record<string, unknown>): Promise<Verification> {
  if (!isAssertion(input)) return { ok: false, reason: 'malformed' };
  const method = await findMethodByCredentialId(ctx.deps.db, input.id);
  if (!method || method.type !== 'webauthn') return { ok: false, reason: 'unknown_credential' };
  // The user handle the authenticator returns must name the credential's owner.
  const handle = input.response.userHandle ? Buffer.from(input.response.userHandle, 'base64url').toString('utf8') : undefined;
  if (handle !== undefined && handle !== method.userId) return { ok: false, reason: 'invalid', method };
  return verifyAssertion(ctx, [method], input, state.challenge, true);
}
