import type { AppPolicy } from '../store/clients.ts';

/**
 * When the 2FA prompt appears — the interim rule of the 2FA-methods issue, kept in this one
 * place until the policy engine (ROADMAP §2) replaces it. Each decision carries named reasons
 * for the audit log.
 */
export type PromptAction = 'none' | 'challenge' | 'enroll' | 'suggest_enroll';

export interface PromptInput {
  appPolicy: AppPolicy;
  hasSecondFactor: boolean;
  /** A valid "remember this device" cookie for this person. */
  rememberedDevice: boolean;
  /** The app itself asked for more (acr_values above single-factor): always honoured, never skipped. */
  stepUp: boolean;
  /** "Remind me later" holds the suggested wizard back until then (ms). */
  remindAfter: number | null;
  /** False where enrolling is one click away anyway (the account console). @default true */
  suggestEnrollment?: boolean;
  now: number;
}

export interface PromptDecision {
  action: PromptAction;
  reasons: string[];
}

export function decidePrompt(i: PromptInput): PromptDecision {
  if (i.stepUp) {
    return i.hasSecondFactor ? { action: 'challenge', reasons: ['step_up_requested'] } : { action: 'enroll', reasons: ['step_up_requested', 'no_second_factor'] };
  }
  if (i.appPolicy === 'bypass') return { action: 'none', reasons: ['app_policy_bypass'] };
  if (i.hasSecondFactor) {
    return i.rememberedDevice ? { action: 'none', reasons: ['remembered_device'] } : { action: 'challenge', reasons: ['user_has_second_factor'] };
  }
  if (i.appPolicy === 'required') return { action: 'enroll', reasons: ['app_policy_required', 'no_second_factor'] };
  if (i.suggestEnrollment === false) return { action: 'none', reasons: ['app_policy_adaptive', 'no_second_factor', 'suggestion_not_offered_here'] };
  if (i.remindAfter !== null && i.remindAfter > i.now) return { action: 'none', reasons: ['enrollment_reminder_snoozed'] };
  return { action: 'suggest_enroll', reasons: ['app_policy_adaptive', 'no_second_factor'] };
}
