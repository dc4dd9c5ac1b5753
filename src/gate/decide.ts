import { ACR, acrRank } from '../oidc/acr.ts';
import { assuranceOf } from './assurance.ts';
import { methodFor } from '../methods/registry.ts';
import type { Requirement } from './requirement.ts';
import { hasSecondFactorAmr, isFirstFactor, type Evidence, type Proof } from './evidence.ts';

/** A way to answer the second-factor step: one of the person's method types, or a recovery code. */
export type Choice = string;

/**
 * The gate's answer for a flow: it is met, or the one step that is missing. Every way into a
 * session asks this one function (SECURITY.md "Flows and sessions"); pages only show the answer.
 */
export type Decision =
  | { step: 'satisfied'; amr: string[]; acr: string; reasons: string[] }
  | { step: 'first_factor'; reasons: string[] }
  | { step: 'second_factor'; choices: Choice[]; reasons: string[] }
  | {
      step: 'enroll';
      /** "Remind me later" is offered (a suggestion, not a requirement). */
      optional: boolean;
      /** Only WebAuthn kinds may be enrolled (the app asked for phishing resistance). */
      phishingResistantOnly: boolean;
      /** The method types that may be enrolled, when the company policy limits them. */
      allowed?: readonly string[];
      /** The person already proved one of their methods in this flow; cancelling tells the app the requirement is unmet. */
      afterProof: boolean;
      reasons: string[];
    }
  | { step: 'deny'; code: 'unmet_authentication_requirements' | 'access_denied'; reasons: string[] };

export interface GateInput {
  requirement: Requirement;
  evidence: Evidence;
  /** The person's active method types (one entry per method). */
  methodTypes: readonly string[];
  /** The person's active methods by id, so that a proof from a method the company no longer allows does not count. */
  methods?: readonly { id: string; type: string }[];
  now: number;
}

/** Whether a proof from an existing method was given in this flow (a second factor or a recovery code). */
export function provedExistingFactor(evidence: Evidence): boolean {
  return evidence.proofs.some((p) => p.source === 'second_factor');
}

/**
 * Whether the person may enroll a method in this flow: someone without 2FA at the start may; someone
 * with 2FA only after proving one of their methods here (issue 6, bypass 1).
 */
export function mayEnroll(evidence: Evidence): boolean {
  return !evidence.hadMethods || provedExistingFactor(evidence);
}

/** The proofs that count for this requirement. */
export function countedProofs(requirement: Requirement, evidence: Evidence, now: number, methods?: GateInput['methods']): Proof[] {
  const allowed = requirement.allowedMethods;
  return evidence.proofs.filter((p) => {
    if (allowed && p.methodId && methods) {
      const type = methods.find((m) => m.id === p.methodId)?.type;
      if (type && !allowed.includes(type)) return false;
    }
    if (requirement.freshFactors && p.source === 'session') return false;
    if (p.source === 'enrollment' && !mayEnroll(evidence)) return false;
    if (requirement.maxProofAgeMs !== undefined && now - p.at > requirement.maxProofAgeMs) return false;
    // A fresh proof for a change: a sign-in with a password alone never counts by itself, so a
    // browser left signed in cannot change what protects the account.
    if (requirement.way === 'account.sensitive' && p.source === 'session' && !hasSecondFactorAmr(p)) return false;
    return true;
  }).map((p) => (allowed && !p.methodId && hasSecondFactorAmr(p) && !p.amr.some((v) => (AMR_TYPES[v] ?? []).some((t) => allowed.includes(t))) ? firstFactorOnly(p) : p));
}

/** The method types an amr value can come from (a code: an authenticator app or the Gatehouse Authenticator's). */
const AMR_TYPES: Record<string, readonly string[]> = { otp: ['totp', 'push'], swk: ['push'], hwk: ['webauthn'] };

/**
 * A proof that names no method (the session's) whose second factor the company no longer allows,
 * judged by its amr: its first factor still counts, its second does not.
 */
function firstFactorOnly(p: Proof): Proof {
  return { ...p, amr: p.amr.filter((v) => v === 'pwd' || v === 'recovery') };
}

const named = (requirement: Requirement, ...more: string[]) => [...requirement.reasons, ...more];

export function decide({ requirement, evidence, methodTypes, methods, now }: GateInput): Decision {
  // OpenID Connect Core §5.5.1.1: an essential acr that cannot be obtained is an error, not a lower acr.
  if (requirement.unmeetable) return { step: 'deny', code: 'unmet_authentication_requirements', reasons: named(requirement, 'requirement_unmeetable') };
  const proofs = countedProofs(requirement, evidence, now, methods);
  const firstFactor = proofs.some((p) => isFirstFactor(p) || p.source === 'recheck');
  if (!firstFactor) return { step: 'first_factor', reasons: named(requirement, 'first_factor_missing') };
  // Only after the first factor: a denial says nothing to someone who does not know the password.
  if (requirement.blocked) return { step: 'deny', code: 'access_denied', reasons: named(requirement, 'risk_denied') };

  const { amr, acr } = assuranceOf(proofs.flatMap((p) => p.amr));
  const met =
    requirement.way === 'account.sensitive'
      ? // A change needs a recent second factor by itself (the session's password may be hours old).
        proofs.some((p) => hasSecondFactorAmr(p) && (!requirement.phishingResistant || p.amr.includes('hwk')))
      : requirement.phishingResistant
        ? acr === ACR.phishingResistant
        : acrRank(acr) >= acrRank(ACR.multiFactor);
  if (requirement.secondFactor === 'none' || met) return { step: 'satisfied', amr, acr, reasons: named(requirement, met ? 'requirement_met' : 'no_second_factor_needed') };

  const allowed = requirement.allowedMethods;
  const types = [...new Set(methodTypes)].filter((t) => !allowed || allowed.includes(t));
  const others = [...new Set(methodTypes)].filter((t) => !types.includes(t));
  const limits = allowed ? { allowed } : {};
  if (requirement.secondFactor === 'suggested' && types.length === 0 && !evidence.hadMethods) {
    return { step: 'enroll', optional: true, phishingResistantOnly: requirement.phishingResistant, afterProof: false, ...limits, reasons: named(requirement, 'enrollment_suggested') };
  }

  const meeting = types.filter((t) => !requirement.phishingResistant || methodFor(t)?.phishingResistant);
  const withRecovery = (list: string[]) => (requirement.phishingResistant ? list : [...list, 'recovery']);
  if (evidence.hadMethods) {
    if (provedExistingFactor(evidence)) {
      // A factor was proven here but cannot meet what was asked: enrolling a stronger method is the
      // person's choice, cancelling tells the app (unmet_authentication_requirements).
      return { step: 'enroll', optional: requirement.secondFactor === 'suggested', phishingResistantOnly: requirement.phishingResistant, afterProof: true, ...limits, reasons: named(requirement, 'no_method_meets_requirement') };
    }
    if (types.length === 0 && others.length === 0) return { step: 'deny', code: 'unmet_authentication_requirements', reasons: named(requirement, 'methods_gone') };
    // Prove a method that meets the requirement; when none can, prove any of them first (a method
    // the company no longer allows included: it proves the person before they enroll an allowed one).
    const choices = meeting.length ? withRecovery(meeting) : [...types, ...others, 'recovery'];
    return { step: 'second_factor', choices, reasons: named(requirement, meeting.length ? 'second_factor_missing' : 'prove_before_enrolling') };
  }
  if (types.length > 0) return { step: 'second_factor', choices: withRecovery(meeting.length ? meeting : types), reasons: named(requirement, 'second_factor_missing') };
  return { step: 'enroll', optional: false, phishingResistantOnly: requirement.phishingResistant, afterProof: false, ...limits, reasons: named(requirement, 'enrollment_required') };
}
