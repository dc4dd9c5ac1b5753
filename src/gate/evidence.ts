/**
 * What a flow has proven, and when. The gate counts factors from this list only; pages and routes
 * add to it when a factor is verified, never otherwise.
 * - `password`, `passkey`: first factors given in this flow (a passkey with user verification is
 *   two factors at once).
 * - `second_factor`: an existing method (or a recovery code) answered in this flow.
 * - `enrollment`: a new method confirmed in the wizard — it proves possession of the new method,
 *   but counts only for a person who had no method when the flow started, or after a proof with
 *   one of their existing methods (SECURITY.md: no enrollment without first proving a factor).
 * - `session`: what the browser's session proved before this flow (single sign-on, step-up).
 * - `recheck`: "Confirm it's you" in Account settings (a password or a second factor).
 */
export type ProofSource = 'password' | 'passkey' | 'second_factor' | 'enrollment' | 'session' | 'recheck';

export interface Proof {
  source: ProofSource;
  /** RFC 8176 values this proof contributes. */
  amr: string[];
  /** When it was given, ms since the epoch. */
  at: number;
  methodId?: string;
}

export interface Evidence {
  proofs: Proof[];
  /** Whether the person had an active 2FA method when the flow started. */
  hadMethods: boolean;
}

/** RFC 8176 values of a second factor (possession). */
export const SECOND_FACTOR_AMR: ReadonlySet<string> = new Set(['otp', 'hwk', 'swk', 'recovery']);
const FIRST_FACTOR_SOURCES: ReadonlySet<ProofSource> = new Set(['password', 'passkey', 'session']);

/** The session's own proof: its `amr` as of its `auth_time` (seconds, oidc-provider's clock). */
export function sessionProof(amr: readonly string[] | undefined, authTimeSeconds: number | undefined): Proof[] {
  if (!amr?.length || authTimeSeconds === undefined) return [];
  return [{ source: 'session', amr: [...amr], at: authTimeSeconds * 1000 }];
}

export const isFirstFactor = (p: Proof) => FIRST_FACTOR_SOURCES.has(p.source);
export const hasSecondFactorAmr = (p: Proof) => p.amr.some((v) => SECOND_FACTOR_AMR.has(v));

/** Proofs given in this flow (not carried over from the session). */
export const provenNow = (proofs: readonly Proof[]) => proofs.filter((p) => p.source !== 'session');

/** The time of the newest factor proven in this flow, if any: the only thing that moves `auth_time`. */
export function latestProofAt(proofs: readonly Proof[]): number | undefined {
  const now = provenNow(proofs);
  return now.length ? Math.max(...now.map((p) => p.at)) : undefined;
}
