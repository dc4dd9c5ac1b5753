import type { RiskCheck } from '../types.ts';

export const PUSH_FRAUD_WEIGHT = 70;

/**
 * Recent "This wasn't me": the person reported a push approval as fraud (audit event
 * `push.fraud_reported`, written by the push method) in the last 24 h — their password is in
 * someone else's hands. `detail.minutesAgo` lets the decision tell a report of the last hour apart.
 */
export const pushFraudCheck: RiskCheck = (ctx, facts) => {
  const fraud = facts.events['push.fraud_reported'];
  if (!fraud) return null;
  return { check: 'push_fraud', reason: 'push_fraud_reported', weight: PUSH_FRAUD_WEIGHT, detail: { count: fraud.count, minutesAgo: Math.floor((ctx.now - fraud.last) / 60_000) } };
};
