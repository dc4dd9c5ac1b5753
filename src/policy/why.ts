import type { T } from '../i18n/index.ts';
import type { RiskReason } from './risk/types.ts';
import { reasonText } from './risk/reason-text.ts';

/** Risk reasons that explain a question; the others (a known device, the office network) lower the risk. */
const ASKING: readonly RiskReason[] = ['impossible_travel', 'push_fraud_reported', 'new_country', 'recent_failures', 'push_denied', 'new_device', 'unknown_address', 'common_password'];

/**
 * Why the challenge page asks, in one plain sentence, from the requirement's named reasons (the same
 * names the audit log and the simulator show): the strongest risk reason first, then the company's or
 * the app's rule. Undefined when there is nothing to say beyond the page itself (a step-up says its
 * own purpose).
 */
export function whyAsked(t: T, reasons: readonly string[], names: { app: string; org?: string }): string | undefined {
  const risk = ASKING.find((r) => reasons.includes(`risk_${r}`));
  if (risk) return reasonText(risk, t);
  if (reasons.includes('company_policy_required') && names.org) return t('policy.why.company_policy_required', { org: names.org });
  if (reasons.includes('phishing_resistant_only')) return t('policy.why.phishing_resistant_only', { app: names.app });
  if (reasons.includes('app_policy_required')) return t('policy.why.app_policy_required', { app: names.app });
  return undefined;
}
