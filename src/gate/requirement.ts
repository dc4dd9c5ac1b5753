import { ACR, acrRank } from '../oidc/acr.ts';

/**
 * The ways into a signed-in session (or a change of one) that the gate guards. Each builds a
 * {@link Requirement}; the gate ({@link decide}) answers every one of them the same way.
 * - `app`: an authorization request of an application (sign-in, single sign-on, step-up).
 * - `account`: Account settings, an application with a Required rule for people who have 2FA.
 * - `account.sensitive`: a change of password or 2FA in Account settings (a fresh proof).
 */
export type Way = 'app' | 'account' | 'account.sensitive';

/** Whether a second factor is needed: not at all, offered (with "Remind me later"), or required. */
export type SecondFactorNeed = 'none' | 'suggested' | 'required';

export interface Requirement {
  way: Way;
  secondFactor: SecondFactorNeed;
  /** Only a phishing-resistant method (WebAuthn) meets the second factor. */
  phishingResistant: boolean;
  /**
   * Factors the session proved earlier do not count: each must be proven in this flow
   * (prompt=login, max_age exceeded, or a session that is too old for a fresh proof).
   */
  freshFactors: boolean;
  /** For `account.sensitive`: how old a proof may be (ms). */
  maxProofAgeMs?: number;
  /** The app itself asked for more: a remembered device never satisfies it. */
  stepUp: boolean;
  /** The app demanded (essential) an ACR that Gatehouse never issues: nothing can meet it. */
  unmeetable?: boolean;
  /** The method types the company policy allows (undefined: all); others neither count nor enroll. */
  allowedMethods?: readonly string[];
  /** The risk assessment denies this sign-in outright, after the first factor. */
  blocked?: boolean;
  /** The organization whose company policy applies, to name it where the page says why. */
  orgName?: string;
  /** How long "Remember this device" lasts under the company policy (0: not offered); undefined: the default. */
  rememberDeviceDays?: number;
  /** Named reasons, for the audit log and the pages. */
  reasons: string[];
}

/** What an authorization request asks for, read once from its parameters. */
export interface AuthenticationRequest {
  /** ACR values asked for (`acr_values` and an essential `claims` acr), known values only. */
  acrs: string[];
  /** The login prompt was requested or max_age passed: the person authenticates again. */
  reauthenticate: boolean;
  /** An essential `claims` acr names only values Gatehouse does not know. */
  unknownEssentialAcr?: boolean;
}

/** Whether the `claims` parameter demands an essential acr of which no value is one of ours. */
export function unknownEssentialAcr(params: Record<string, unknown>): boolean {
  try {
    const claims = typeof params.claims === 'string' ? JSON.parse(params.claims) : params.claims;
    const acr = claims?.id_token?.acr;
    if (!acr?.essential) return false;
    const values: unknown[] = [acr.value, ...(Array.isArray(acr.values) ? acr.values : [])].filter((v) => v !== undefined);
    return values.length > 0 && values.every((v) => typeof v !== 'string' || acrRank(v) < 0);
  } catch {
    return false;
  }
}

/**
 * The ACR values an authorization request asks for: `acr_values` and the `claims` parameter's
 * `id_token.acr` (`value` / `values`). Unknown values are ignored (oidc-provider checks syntax).
 */
export function requestedAcrs(params: Record<string, unknown>): string[] {
  const out: string[] = typeof params.acr_values === 'string' ? params.acr_values.split(' ') : [];
  try {
    const claims = typeof params.claims === 'string' ? JSON.parse(params.claims) : params.claims;
    const acr = claims?.id_token?.acr;
    if (typeof acr?.value === 'string') out.push(acr.value);
    if (Array.isArray(acr?.values)) out.push(...acr.values.filter((v: unknown): v is string => typeof v === 'string'));
  } catch {
    // oidc-provider already rejected malformed `claims`.
  }
  return out.filter((v) => acrRank(v) >= 0);
}

/**
 * The weakest of the requested ACRs (any one of them is acceptable, OpenID Connect Core §3.1.2.1),
 * or undefined when none was asked for.
 */
export function targetAcr(acrs: readonly string[]): string | undefined {
  if (acrs.length === 0) return undefined;
  return [...acrs].sort((a, b) => acrRank(a) - acrRank(b))[0];
}

/** Adds what the app asked for (a step-up) to the rule's requirement: the higher demand wins. */
export function withRequest(base: Requirement, request: AuthenticationRequest): Requirement {
  const target = targetAcr(request.acrs);
  const stepUp = target !== undefined && acrRank(target) >= acrRank(ACR.multiFactor);
  const phishing = target === ACR.phishingResistant;
  const reasons = [...base.reasons];
  if (stepUp) reasons.push(phishing ? 'step_up_phishing_resistant' : 'step_up_requested');
  if (request.reauthenticate) reasons.push('reauthentication_requested');
  if (request.unknownEssentialAcr) reasons.push('essential_acr_unknown');
  // Only properties `base` already has follow the spread: on Node 20 (V8 11.3) a spread followed by a
  // property its source lacks costs microseconds a call (docs/decisions/0016-object-spread-cliff.md).
  const out: Requirement = {
    ...base,
    secondFactor: stepUp ? 'required' : base.secondFactor,
    phishingResistant: base.phishingResistant || phishing,
    freshFactors: base.freshFactors || request.reauthenticate,
    stepUp: base.stepUp || stepUp,
    reasons,
  };
  if (request.unknownEssentialAcr) out.unmeetable = true;
  return out;
}
