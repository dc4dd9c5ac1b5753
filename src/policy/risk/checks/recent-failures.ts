import type { RiskCheck } from '../types.ts';

/** Failed passwords and second factors in the last hour: from {@link SOME_FAILURES} it counts, from {@link MANY_FAILURES} it counts double. */
export const SOME_FAILURES = 3;
export const MANY_FAILURES = 10;
export const SOME_FAILURES_WEIGHT = 20;
export const MANY_FAILURES_WEIGHT = 40;

/**
 * Recent failed attempts: wrong passwords (`login.password.failed`, audited with the account's id
 * when the account exists) and wrong second factors (`mfa.failed`) for this person in the last
 * hour, read from the audit log — one aggregate over its (user_id, at) index, shared with the push
 * checks. A typo or two says nothing; a run of them says someone is guessing.
 */
export const recentFailuresCheck: RiskCheck = (_ctx, facts) => {
  const e = facts.events;
  const failures = (e['login.password.failed']?.count ?? 0) + (e['mfa.failed']?.count ?? 0);
  if (failures < SOME_FAILURES) return null;
  return {
    check: 'recent_failures',
    reason: 'recent_failures',
    weight: failures >= MANY_FAILURES ? MANY_FAILURES_WEIGHT : SOME_FAILURES_WEIGHT,
    detail: { failures },
  };
};
