import type { RiskCheck } from '../types.ts';

export const COMMON_PASSWORD_WEIGHT = 20;

/**
 * A password found in the common-password list: `users.password_common`, written whenever
 * Gatehouse has the password in clear (src/policy/risk/password-common.ts). New passwords on the
 * list are refused, so this flags passwords older than the rule or than the list's latest entries.
 */
export const commonPasswordCheck: RiskCheck = (_ctx, facts) =>
  facts.passwordCommon ? { check: 'common_password', reason: 'common_password', weight: COMMON_PASSWORD_WEIGHT } : null;
