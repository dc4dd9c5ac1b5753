import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { MethodRecord } from './records.ts';

/** The 2FA methods kept in `mfa_methods`; each has a folder under src/methods/. */
export type MethodType = 'totp' | 'webauthn' | 'push';

/**
 * Why a verification failed. Shown as the same "not correct" message, except `clock_skew` (a code
 * valid minutes away from the server's time: the phone's clock is off) and `cloned`.
 */
export type FailureReason = 'invalid' | 'malformed' | 'replayed' | 'cloned' | 'unknown_credential' | 'clock_skew' | 'denied' | 'pending';

export type Verification =
  | {
      ok: true;
      method: MethodRecord;
      /** RFC 8176 values this factor contributes, e.g. ['otp'] or ['hwk', 'user']. */
      amr: string[];
      phishingResistant: boolean;
    }
  | { ok: false; reason: FailureReason; method?: MethodRecord };

/** Where the ceremony happens: the relying party identity WebAuthn checks against. */
export interface CeremonyContext {
  deps: Deps;
  /** The issuer's origin, e.g. http://localhost:3000 */
  origin: string;
  /** WebAuthn RP ID: the issuer's host name. */
  rpId: string;
  /**
   * Mails the person about a change a method made on its own (a push device's "This wasn't me"): the
   * flows' notices, handed in by the layer that builds the context (src/http/ceremony-context.ts).
   */
  notifyFraud(user: User, device: { name: string }): Promise<void>;
}

export interface EnrollmentStart {
  /** The pending method row (inactive until confirmed). */
  methodId: string;
  /** What the page needs: a QR code and manual key for TOTP, creation options for WebAuthn. */
  display: Record<string, unknown>;
  /** Server-side state for confirmation (WebAuthn challenge); stored by the flow, never sent to the browser. */
  state: Record<string, unknown>;
}

export interface ChallengeStart {
  /** Sent to the browser (WebAuthn request options); empty for code methods. */
  display: Record<string, unknown>;
  state: Record<string, unknown>;
}

/**
 * One 2FA method. The enrollment wizard, the sign-in challenge and account settings talk to every
 * method through this interface only, and dispatch on `type` — the push authenticator plugs in the
 * same way.
 */
export interface SecondFactorMethod {
  readonly type: MethodType;
  readonly labelKey: MessageKey;
  /** Phishing-resistant methods give the phishing-resistant ACR. */
  readonly phishingResistant: boolean;
  /** `variant` refines the method where it has kinds (WebAuthn: 'passkey' or 'security-key'). */
  startEnrollment(ctx: CeremonyContext, user: User, name: string, variant?: string): Promise<EnrollmentStart>;
  /** Confirms a pending method with a first correct code / verified response, and activates it. */
  confirmEnrollment(ctx: CeremonyContext, user: User, methodId: string, input: unknown, state: Record<string, unknown>): Promise<Verification>;
  startChallenge(ctx: CeremonyContext, user: User, methods: MethodRecord[]): Promise<ChallengeStart>;
  verify(ctx: CeremonyContext, user: User, methods: MethodRecord[], input: unknown, state: Record<string, unknown>): Promise<Verification>;
}
