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

/**
 * Whether the browser is known to this person (src/store/known-devices.ts): said outright (the
 * simulator's "known device", tests), or the browser's device cookie, looked up in the risk's one
 * statement with the other facts (src/policy/risk/facts.ts).
 */
export type DeviceEvidence = boolean | PresentedBrowser;

/** A browser as it presented itself: its device cookie for this person, if valid. */
export interface PresentedBrowser {
  /** The nonce of the person's valid device cookie; undefined when the browser showed none. */
  nonce: string | undefined;
  /** The person's "sessions valid after": browsers recorded before it are forgotten. */
  validAfter: number;
}

export interface RiskContext {
  deps: Deps;
  userId: string;
  /** The client address as resolved through trusted proxies; undefined when it could not be parsed (fails closed: ask). */
  ip: string | undefined;
  /** Whether this browser completed a two-factor sign-in of this person. */
  deviceKnown: DeviceEvidence;
  /** The company policy's CIDR list, [] without one. */
  trustedNetworks: readonly string[];
  /** Milliseconds since the epoch: the instant the decision is made for (a real sign-in's clock, or the simulator's). */
  now: number;
}

/**
 * What the checks read from the store (src/policy/risk/facts.ts), in one indexed statement per
 * assessment however many checks there are: read before the checks run and given to each.
 */
export interface PersonFacts {
  /** The password was in the common-password list when last seen in clear. */
  passwordCommon: boolean;
  /** The countries of the person's completed sign-ins up to `now` (the latest are kept: src/policy/risk/history.ts), each with when it was last used (ms). */
  countries: ReadonlyMap<string, number>;
  /** The latest completed sign-in up to `now`, with its country when it was known. */
  last: { at: number; country: string | null } | undefined;
  /** Failures of the last hour and push answers of the last 24 h, counted per event. */
  events: RecentEvents;
  /** The browser's device cookie names a browser known to the person (false when none was presented). */
  deviceKnown: boolean;
}

/** The audit events the checks count: failures over the last hour, push answers over the last 24 h (facts.ts `HOURLY_EVENTS`, `DAILY_EVENTS`). */
export type CountedEvent = 'login.password.failed' | 'mfa.failed' | 'push.denied' | 'push.fraud_reported';
export interface EventCount {
  /** How often it happened within its window (the last hour for failures, the last 24 h for push answers). */
  count: number;
  /** When it last happened (ms). */
  last: number;
}
export type RecentEvents = Partial<Record<CountedEvent, EventCount>>;

/**
 * A named check: from the sign-in's context and the person's facts (read once per assessment, in one
 * statement, before any check runs: src/policy/risk/facts.ts), a signal or null (nothing to say).
 * The built-in checks answer synchronously, so a decision awaits the store once and nothing else; a
 * check that must read elsewhere may answer a promise, and the checks then run together.
 */
export type RiskCheck = (ctx: RiskContext, facts: PersonFacts) => RiskSignal | null | Promise<RiskSignal | null>;
