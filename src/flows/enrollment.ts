import type { CeremonyContext } from '../methods/types.ts';
import type { User } from '../store/users.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { methodFor } from '../methods/registry.ts';
import { findMethod, methodSecret } from '../methods/records.ts';
import { totpFor } from '../methods/totp/codes.ts';
import { regenerateRecoveryCodes, remainingRecoveryCodes } from '../methods/recovery/codes.ts';
import { notify } from './notify.ts';
import QRCode from 'qrcode';
import type { EmailCodeState } from './enrollment-email-code.ts';

export type EnrollKind = 'push' | 'totp' | 'passkey' | 'security-key';
/** The kinds in the order offered: Gatehouse Authenticator first, the recommended one. */
export const ENROLL_KINDS: readonly EnrollKind[] = ['push', 'totp', 'passkey', 'security-key'];

/** Where a person is in the wizard; stored server-side by the host (sign-in flow or account settings). */
export interface WizardState {
  step: 'intro' | 'choose' | 'email' | 'setup' | 'recovery' | 'done';
  kind?: EnrollKind;
  methodId?: string;
  methodName?: string;
  /** WebAuthn creation options (public) and their challenge. */
  options?: unknown;
  ceremony?: Record<string, unknown>;
  /** Recovery codes, sealed, kept only until the person confirms they stored them. */
  sealedCodes?: string;
  /** What confirming the new method proved (it counts as the second factor of this sign-in). */
  amr?: string[];
  /** Push: the enrollment link, sealed (it is shown again when the page is drawn again, never stored in clear). */
  sealedLink?: string;
  /** Push: when the link stops working. */
  linkExpiresAt?: number;
  /** Push: the test request the new device must approve. */
  challengeId?: string;
  /** The code sent to the person's email before a first method from a risky sign-in (src/flows/enrollment-email-code.ts). */
  emailCode?: EmailCodeState;
  /** That code was typed right: it holds for the rest of this wizard. */
  emailProven?: boolean;
}

/** Back to choosing a method, keeping what this wizard already proved (the email code). */
export const backToChoose = (state: WizardState): WizardState => ({ step: 'choose', ...(state.emailProven ? { emailProven: true } : {}) });

/** The method type a wizard kind enrolls (passkeys and security keys are both WebAuthn). */
export const typeOf = (kind: EnrollKind) => (kind === 'totp' || kind === 'push' ? kind : 'webauthn');
const codesContext = (userId: string) => `wizard:${userId}:recovery-codes`;
export const linkContext = (userId: string) => `wizard:${userId}:push-link`;

/** Step 3: creates the pending method and what its setup page needs. */
export async function beginSetup(ctx: CeremonyContext, user: User, kind: EnrollKind, name: string): Promise<WizardState> {
  const method = methodFor(typeOf(kind))!;
  const start = await method.startEnrollment(ctx, user, name, kind);
  if (kind === 'push') {
    const link = String(start.display.link);
    return { step: 'setup', kind, methodId: start.methodId, methodName: name, sealedLink: ctx.deps.box.seal(link, linkContext(user.id)), linkExpiresAt: Number(start.display.expiresAt) };
  }
  return { step: 'setup', kind, methodId: start.methodId, methodName: name, options: start.display.options, ceremony: start.state };
}

/** The TOTP setup page, rebuilt from the sealed seed of the pending method: the seed is never stored elsewhere. */
export async function totpSetupDisplay(ctx: CeremonyContext, user: User, state: WizardState): Promise<{ qr: string; manualKey: string; uri: string } | undefined> {
  if (state.kind !== 'totp' || !state.methodId) return undefined;
  const method = await findMethod(ctx.deps.db, user.id, state.methodId);
  const sealed = method?.status === 'pending' ? await methodSecret(ctx.deps.db, method.id) : null;
  if (!sealed) return undefined;
  const seed = ctx.deps.box.openString(sealed, `mfa_methods:${state.methodId}:totp`);
  const uri = totpFor(seed, process.env.GATEHOUSE_TOTP_ISSUER || 'Gatehouse', user.email).toString();
  return { uri, qr: await QRCode.toDataURL(uri, { margin: 1, width: 220 }), manualKey: seed.replace(/(.{4})/g, '$1 ').trim() };
}

export type ConfirmOutcome = { ok: true; state: WizardState } | { ok: false; reason: 'invalid' | 'malformed' };

/** Step 4: a correct code or a verified WebAuthn response activates the method. */
export async function confirmSetup(ctx: CeremonyContext, user: User, state: WizardState, input: unknown, where: AuditContext): Promise<ConfirmOutcome> {
  if (state.step !== 'setup' || !state.kind || !state.methodId) return { ok: false, reason: 'invalid' };
  const method = methodFor(typeOf(state.kind))!;
  const v = await method.confirmEnrollment(ctx, user, state.methodId, state.kind === 'push' ? state.challengeId : input, state.ceremony ?? {});
  const { db, clock } = ctx.deps;
  if (!v.ok) {
    await audit(db, clock, { ...where, event: 'mfa.enrollment.failed', userId: user.id, details: { type: method.type, reason: v.reason } });
    return { ok: false, reason: v.reason === 'malformed' ? 'malformed' : 'invalid' };
  }
  await audit(db, clock, { ...where, event: 'mfa.method.added', userId: user.id, details: { type: method.type, kind: state.kind, methodId: state.methodId, name: state.methodName } });
  await notify(ctx.deps, user, 'method_added', { name: state.methodName ?? '', type: method.type });
  const next: WizardState = { ...state, options: undefined, ceremony: undefined, sealedLink: undefined, challengeId: undefined, amr: v.amr };
  // Ten recovery codes at the first enrollment; later enrollments keep the existing set.
  if ((await remainingRecoveryCodes(ctx.deps, user.id)) === 0) {
    const codes = await regenerateRecoveryCodes(ctx.deps, user.id);
    await audit(db, clock, { ...where, event: 'mfa.recovery_codes.generated', userId: user.id });
    return { ok: true, state: { ...next, step: 'recovery', sealedCodes: ctx.deps.box.seal(JSON.stringify(codes), codesContext(user.id)) } };
  }
  return { ok: true, state: { ...next, step: 'done' } };
}

export function revealCodes(ctx: CeremonyContext, user: User, state: WizardState): string[] {
  return state.sealedCodes ? (JSON.parse(ctx.deps.box.openString(state.sealedCodes, codesContext(user.id))) as string[]) : [];
}
