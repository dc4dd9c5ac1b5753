import type { RiskCheck } from '../types.ts';

export const PUSH_DENIED_WEIGHT = 20;

/**
 * Recent denied pushes: the person answered "Deny" to a push approval (audit event `push.denied`,
 * written by the push method) in the last 24 h — someone else may have had the password.
 */
export const pushDeniedCheck: RiskCheck = (ctx, facts) => {
  const denied = facts.events['push.denied'];
  if (!denied) return null;
  return { check: 'push_denied', reason: 'push_denied', weight: PUSH_DENIED_WEIGHT, detail: { count: denied.count, minutesAgo: Math.floor((ctx.now - denied.last) / 60_000) } };
};
