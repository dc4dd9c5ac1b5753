import type { AppPolicy } from '../store/clients.ts';
import type { Requirement } from '../gate/requirement.ts';
import type { CompanyPolicy } from './company-policy.ts';
import { inGracePeriod, phishingResistantOnly, POLICY_METHODS } from './company-policy.ts';

/** The risk assessment as the engine reads it (src/policy/risk/ builds it). */
export interface RiskView {
  decision: 'skip' | 'ask' | 'ask_phishing_resistant' | 'deny';
  /** Named reasons, e.g. 'new_device', 'trusted_network'. */
  reasons: readonly string[];
}

export interface PolicyInput {
  /** Account settings: an application with a Required rule for people who have 2FA (SECURITY.md). */
  accountConsole: boolean;
  app: { behaviour: AppPolicy; phishingResistantOnly: boolean };
  /** The company policy of the organization holding the person's email domain verified. */
  company: { name: string; policy: CompanyPolicy } | undefined;
  person: {
    /** Active method types, one entry per method. */
    methodTypes: readonly string[];
    /** "Remind me later" holds the suggested wizard back until then (ms). */
    remindAfter: number | null;
  };
  /** A valid "remember this device" cookie for this person (never counts for Account settings nor a step-up). */
  rememberedDevice: boolean;
  /** Asked only where the answer matters: an Adaptive app and a person with 2FA. Missing: ask (fail closed). */
  risk: RiskView | undefined;
  now: number;
}

/** The methods a company allows, when it leaves some out (only then does it limit anything). */
function allowedMethods(company: PolicyInput['company']): CompanyPolicy['allowedMethods'] | undefined {
  return company && POLICY_METHODS.some((m) => !company.policy.allowedMethods.includes(m)) ? company.policy.allowedMethods : undefined;
}

/** Compliant: the person has at least one method, and one the company allows. */
export function isCompliant(company: PolicyInput['company'], methodTypes: readonly string[]): boolean {
  const allowed = allowedMethods(company);
  return methodTypes.length > 0 && (!allowed || methodTypes.some((t) => allowed.includes(t as never)));
}

/**
 * Whether the engine reads the person's "Remind me later" for them: only a person without a method
 * the company allows is offered (or spared) the wizard, so the store is not read for anyone else.
 */
export const readsReminder = (company: PolicyInput['company'], methodTypes: readonly string[]): boolean => !isCompliant(company, methodTypes);

/**
 * One {@link Requirement} of the engine's, with what the company adds to every one. A function of its
 * own rather than a closure per call: the engine runs on every sign-in (issue 9's p99 < 0.2 ms).
 */
function requirement(i: PolicyInput, allowed: readonly string[] | undefined, secondFactor: Requirement['secondFactor'], reasons: string[], o?: { phishingResistant?: boolean; blocked?: boolean }): Requirement {
  // Built whole, never spread into: see docs/decisions/0016-object-spread-cliff.md.
  const r: Requirement = {
    way: i.accountConsole ? 'account' : 'app',
    secondFactor,
    reasons,
    phishingResistant: o?.phishingResistant ?? false,
    freshFactors: false,
    stepUp: false,
  };
  if (allowed) r.allowedMethods = [...allowed];
  if (i.company) {
    r.rememberDeviceDays = i.company.policy.rememberDeviceDays;
    r.orgName = i.company.name;
  }
  if (o?.blocked) r.blocked = true;
  return r;
}

/**
 * The policy engine: what signing in requires of this person for this app, from the company policy,
 * the application's behaviour and, for Adaptive, the risk — with named reasons for the audit log, the
 * challenge page and the simulator, which all run this same function. It only builds the
 * {@link Requirement}; the gate (src/gate/decide.ts) decides what a flow still needs. A step-up the
 * app asks for is added afterwards (`withRequest`), so it is honoured whatever is decided here.
 *
 * A company that requires 2FA makes people enroll (with its grace date and allowed methods); when a
 * compliant person is asked is the application's behaviour. Between company and application the higher
 * demand wins (methods, phishing resistance, remembered devices), except that **Bypass wins at sign-in**.
 */
export function signInPolicy(i: PolicyInput): Requirement {
  const company = i.company?.policy.secondFactor === 'required' ? i.company : undefined;
  const allowed = allowedMethods(i.company);
  const hasSecondFactor = i.person.methodTypes.length > 0;
  const compliant = isCompliant(i.company, i.person.methodTypes);
  const phishing = (!!i.company && phishingResistantOnly(i.company.policy)) || i.app.phishingResistantOnly;

  if (i.accountConsole) {
    if (hasSecondFactor) return requirement(i, allowed, 'required', ['account_console', 'user_has_second_factor']);
    if (company && !inGracePeriod(company.policy, i.now)) return requirement(i, allowed, 'required', ['account_console', 'company_policy_required', 'no_second_factor']);
    return requirement(i, allowed, 'none', ['account_console', 'no_second_factor']);
  }
  if (i.app.behaviour === 'bypass') return requirement(i, allowed, 'none', ['app_policy_bypass']);

  const remembered = i.rememberedDevice && (!i.company || i.company.policy.rememberDeviceDays > 0);
  const strong = phishing ? { phishingResistant: true } : {};
  const why = [company ? 'company_policy_required' : undefined, i.app.behaviour === 'required' ? 'app_policy_required' : undefined, phishing ? 'phishing_resistant_only' : undefined].filter(
    (r): r is string => r !== undefined,
  );

  // Compliance: a company that requires 2FA, or a Required app, needs a method it accepts first.
  if ((company || i.app.behaviour === 'required') && !compliant) {
    // The wizard, with "Remind me later" only while the company's grace lasts and only where the
    // application itself does not require 2FA.
    const grace = company && inGracePeriod(company.policy, i.now) && i.app.behaviour !== 'required';
    const missing = hasSecondFactor ? 'methods_not_allowed' : 'no_second_factor';
    if (grace && !(i.person.remindAfter !== null && i.person.remindAfter > i.now)) return requirement(i, allowed, 'suggested', [...why, 'company_grace_period', missing], strong);
    if (grace && hasSecondFactor) {
      // Snoozed with methods the company will stop accepting: until its grace date they still count,
      // and the app's rule (the risk, at Adaptive) says when they are asked. "Remind me later" puts
      // off enrolling; it never turns off a second factor the person has.
      const untilGraceEnds = signInPolicy({ ...i, company: { ...i.company!, policy: { ...i.company!.policy, allowedMethods: [...POLICY_METHODS] } } });
      return { ...untilGraceEnds, reasons: [...untilGraceEnds.reasons, 'company_grace_period', 'enrollment_reminder_snoozed'] };
    }
    if (grace) return requirement(i, allowed, 'none', [...why, 'company_grace_period', 'enrollment_reminder_snoozed']);
    return requirement(i, allowed, 'required', [...why, missing], strong);
  }
  // When a compliant person is asked is the application's behaviour.
  if (i.app.behaviour === 'required') {
    if (remembered && !phishing) return requirement(i, allowed, 'none', [...why, 'remembered_device']);
    return requirement(i, allowed, 'required', [...why, 'user_has_second_factor'], strong);
  }

  // Adaptive.
  if (!hasSecondFactor) {
    if (i.person.remindAfter !== null && i.person.remindAfter > i.now) return requirement(i, allowed, 'none', ['app_policy_adaptive', 'enrollment_reminder_snoozed']);
    return requirement(i, allowed, 'suggested', ['app_policy_adaptive', 'no_second_factor'], strong);
  }
  // A compliant person of a company that requires 2FA is asked by the risk like everyone else.
  const adaptive = company ? ['company_policy_required', 'app_policy_adaptive'] : ['app_policy_adaptive'];
  const risk = i.risk ?? { decision: 'ask', reasons: ['not_assessed'] };
  const riskReasons = risk.reasons.map((r) => `risk_${r}`);
  if (risk.decision === 'deny') return requirement(i, allowed, 'required', [...adaptive, 'risk_deny', ...riskReasons], { blocked: true });
  if (risk.decision === 'ask_phishing_resistant' && i.person.methodTypes.includes('webauthn')) {
    return requirement(i, allowed, 'required', [...adaptive, 'risk_ask_phishing_resistant', ...riskReasons], { phishingResistant: true });
  }
  if (!phishing && (risk.decision === 'skip' || (remembered && risk.decision === 'ask'))) {
    return requirement(i, allowed, 'none', [...adaptive, remembered && risk.decision !== 'skip' ? 'remembered_device' : 'risk_skip', ...riskReasons]);
  }
  return requirement(i, allowed, 'required', [...adaptive, 'risk_ask', ...riskReasons], strong);
}
