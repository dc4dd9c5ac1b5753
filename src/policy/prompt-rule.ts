import type { AppPolicy } from '../store/clients.ts';
import type { Requirement } from '../gate/requirement.ts';

/**
 * When a second factor is needed at sign-in — the interim rule of the 2FA-methods issue, kept in
 * this one place until the policy engine replaces it. It only builds the {@link Requirement}; the
 * gate (src/gate/decide.ts) decides what a flow still needs to meet it. Each rule carries named
 * reasons for the audit log.
 */
export interface RuleInput {
  appPolicy: AppPolicy;
  /** Account settings: an app with a Required rule for people who have 2FA (SECURITY.md). */
  accountConsole: boolean;
  hasSecondFactor: boolean;
  /** A valid "remember this device" cookie for this person (never counts for Account settings). */
  rememberedDevice: boolean;
  /** "Remind me later" holds the suggested wizard back until then (ms). */
  remindAfter: number | null;
  now: number;
}

export function signInRequirement(i: RuleInput): Requirement {
  const base = { phishingResistant: false, freshFactors: false, stepUp: false };
  const need = (secondFactor: Requirement['secondFactor'], ...reasons: string[]): Requirement => ({ way: i.accountConsole ? 'account' : 'app', secondFactor, reasons, ...base });
  if (i.accountConsole) {
    return i.hasSecondFactor ? need('required', 'account_console', 'user_has_second_factor') : need('none', 'account_console', 'no_second_factor');
  }
  if (i.appPolicy === 'bypass') return need('none', 'app_policy_bypass');
  if (i.hasSecondFactor) return i.rememberedDevice ? need('none', 'remembered_device') : need('required', 'user_has_second_factor');
  if (i.appPolicy === 'required') return need('required', 'app_policy_required', 'no_second_factor');
  if (i.remindAfter !== null && i.remindAfter > i.now) return need('none', 'enrollment_reminder_snoozed');
  return need('suggested', 'app_policy_adaptive', 'no_second_factor');
}
