import type { Deps } from '../../context.ts';

/** Why a check spoke; each reason has a plain-words sentence (src/policy/risk/reason-text.ts). */
export type RiskReason =
  | 'new_device'
  | 'known_device'
  | 'trusted_network'
  | 'new_country'
  | 'impossible_travel'
  | 'recent_failures'
  | 'push_fraud_reported'
  | 'push_denied'
  | 'common_password'
  | 'unknown_address';

/**
 * What one named check found: a weight (positive raises the risk, negative lowers it) and the
 * reason to show the person, log in the audit trail and replay in the simulator. `detail` holds
 * facts for the audit log (a country code, a count, a speed), never a secret.
 */
export interface RiskSignal {
  check: string;
  reason: RiskReason;
  weight: number;
  detail?: Record<string, string | number>;
}

export type RiskDecision = 'skip' | 'ask' | 'ask_phishing_resistant' | 'deny';

export interface RiskAssessment {
  decision: RiskDecision;
  /** The sum of the signals' weights. */
  score: number;
  /** Every signal that spoke, in the order of the checks. */
  signals: RiskSignal[];
}

export interface RiskContext {
  deps: Deps;
  userId: string;
  /** The client address as resolved through trusted proxies; undefined when it could not be parsed (fails closed: ask). */
  ip: string | undefined;
  /** This browser showed a valid device cookie for this person. */
  deviceKnown: boolean;
  /** The company policy's CIDR list, [] without one. */
  trustedNetworks: readonly string[];
  /** Milliseconds since the epoch: the instant the decision is made for (a real sign-in's clock, or the simulator's). */
  now: number;
}

/** A named check: reads what it needs for `ctx`, and answers a signal or null (nothing to say). */
export type RiskCheck = (ctx: RiskContext) => Promise<RiskSignal | null>;
