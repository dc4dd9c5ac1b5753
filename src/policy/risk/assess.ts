import { isIP } from 'node:net';
import type { RiskAssessment, RiskCheck, RiskContext, RiskDecision, RiskSignal } from './types.ts';
import { ALL_CHECKS } from './checks/index.ts';
import { HOUR_MS, personFacts } from './facts.ts';

/**
 * Thresholds on the summed weights (docs/decisions/0012-adaptive-risk.md):
 * below {@link ASK_FROM} skip, from it ask, from {@link PHISHING_RESISTANT_FROM} ask for a
 * phishing-resistant method. With the weights of the checks: a known device (−10) skips, alone or
 * with one mild signal (a common password +20, a few failures +20); a new device (+30) asks,
 * unless it is inside a trusted network (−30); a new country (+40) asks even on a known device;
 * impossible travel (+70) or a "This wasn't me" report (+70) on a new device asks for a
 * phishing-resistant method.
 */
export const ASK_FROM = 30;
export const PHISHING_RESISTANT_FROM = 80;
/** An address that cannot be parsed: counts like a new device and never lets the decision skip. */
export const UNKNOWN_ADDRESS_WEIGHT = 30;

const order: Record<RiskDecision, number> = { skip: 0, ask: 1, ask_phishing_resistant: 2, deny: 3 };
const atLeast = (d: RiskDecision, floor: RiskDecision): RiskDecision => (order[d] >= order[floor] ? d : floor);

/**
 * Deny is kept for what a stolen password looks like at its worst: the person said "This wasn't
 * me" to a push within the last hour, and this sign-in comes from a country they never used or
 * could not have reached. Anything less asks, so the owner can still prove themselves.
 */
function strongestEvidence(signals: readonly RiskSignal[]): boolean {
  const fraud = signals.find((s) => s.reason === 'push_fraud_reported');
  const recentFraud = fraud !== undefined && Number(fraud.detail?.minutesAgo ?? Infinity) * 60_000 < HOUR_MS;
  return recentFraud && signals.some((s) => s.reason === 'new_country' || s.reason === 'impossible_travel');
}

/** The decision for a score (and the signals, for deny), before the unknown-address floor. */
export function decide(score: number, signals: readonly RiskSignal[]): RiskDecision {
  if (strongestEvidence(signals)) return 'deny';
  if (score >= PHISHING_RESISTANT_FROM) return 'ask_phishing_resistant';
  if (score >= ASK_FROM) return 'ask';
  return 'skip';
}

/**
 * Runs the named checks for one sign-in and maps their summed weights to a decision with its
 * reasons. The person's facts are read first, in one indexed statement (src/policy/risk/facts.ts);
 * the checks then read them and the GeoIP data from memory. Deterministic for a given store and
 * `ctx.now`: no clock, no randomness of its own, so the simulator replays a real sign-in exactly.
 *
 * An address that cannot be parsed fails closed: the signal `unknown_address` and at least `ask`,
 * whatever the checks say (issue 9; authentik CVE-2024-47070).
 * @example
 * const { decision, signals } = await assessRisk({ deps, userId, ip: req.ip, deviceKnown, trustedNetworks: policy.trustedNetworks, now: deps.clock.now() });
 */
export async function assessRisk(ctx: RiskContext, checks: readonly RiskCheck[] = ALL_CHECKS): Promise<RiskAssessment> {
  const facts = await personFacts(ctx);
  // The built-in checks answer at once: the decision awaits the store and nothing more. A check that
  // answers a promise makes them run together, still listed in check order.
  let results: (RiskSignal | null | Promise<RiskSignal | null>)[] = checks.map((check) => check(ctx, facts));
  if (results.some((r) => r instanceof Promise)) results = await Promise.all(results);
  const signals = (results as (RiskSignal | null)[]).filter((s): s is RiskSignal => s !== null);
  const unparsable = !ctx.ip || isIP(ctx.ip) === 0;
  if (unparsable) signals.push({ check: 'address', reason: 'unknown_address', weight: UNKNOWN_ADDRESS_WEIGHT });
  const score = signals.reduce((sum, s) => sum + s.weight, 0);
  const decision = decide(score, signals);
  return { decision: unparsable ? atLeast(decision, 'ask') : decision, score, signals };
}
