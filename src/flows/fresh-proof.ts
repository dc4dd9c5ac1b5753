import type { Deps } from '../context.ts';
import { loadLoginFlow, saveLoginFlow } from '../store/login-flows.ts';
import { sessionProof, type Proof } from '../gate/evidence.ts';
import { decide } from '../gate/decide.ts';
import type { Requirement } from '../gate/requirement.ts';

/** Changing 2FA needs a proof at most this old (issue 3: "a code or touch at most 5 minutes old"). */
export const FRESH_PROOF_MS = 5 * 60 * 1000;

const key = (sessionUid: string) => `proof:${sessionUid}`;

/** What a flow needs of a browser's session (the HTTP layer's SignedIn is one). */
export interface SessionView {
  user: { id: string };
  sessionUid: string;
  amr: string[] | undefined;
  /** `auth_time`, seconds. */
  authTime: number | undefined;
}
type SignedIn = SessionView;

/** What a change in Account settings requires: a second factor (or, without 2FA, the password) at most 5 minutes old. */
export function sensitiveRequirement(hasMethods: boolean): Requirement {
  return { way: 'account.sensitive', secondFactor: hasMethods ? 'required' : 'none', phishingResistant: false, freshFactors: false, maxProofAgeMs: FRESH_PROOF_MS, stepUp: false, reasons: ['sensitive_change'] };
}

/**
 * Whether this browser's session proved itself recently, as the gate judges it: a re-check on the
 * settings page ("Confirm it's you"), or a sign-in with a second factor (a recovery code included:
 * the "lost my phone" path) within the window. A password sign-in never counts by itself: "Enable
 * two-step verification" asks for the password again (DESIGN.md, issue 3), so a browser left signed
 * in cannot enroll someone else's phone. Only a factor proven at sign-in moves `auth_time`, so a
 * request that merely met the session's level renews nothing here.
 */
export async function hasFreshProof(deps: Deps, s: SignedIn, hasMethods: boolean): Promise<boolean> {
  const proofs = await sessionEvidence(deps, s);
  const decision = decide({ requirement: sensitiveRequirement(hasMethods), evidence: { proofs, hadMethods: hasMethods }, methodTypes: [], now: deps.clock.now() });
  return decision.step === 'satisfied';
}

/** What this browser's session proved: its sign-in (`amr` at `auth_time`) and a re-check on the settings page, if one is recent. */
export async function sessionEvidence(deps: Deps, s: SignedIn): Promise<Proof[]> {
  const proofs: Proof[] = sessionProof(s.amr, s.authTime);
  const recorded = await loadLoginFlow(deps.db, deps.clock, key(s.sessionUid));
  if (recorded && recorded.userId === s.user.id) {
    proofs.push({ source: 'recheck', amr: recorded.amr.length ? recorded.amr : recorded.step === 'second-factor' ? ['otp'] : ['pwd'], at: Number(recorded.data.at ?? 0) });
  }
  return proofs;
}

const enrolledKey = (sessionUid: string) => `enrolled:${sessionUid}`;
const ENROLLED_TTL_MS = 14 * 24 * 3600 * 1000;

/**
 * A first method confirmed in Account settings by a session that had no second factor: possession
 * of it is proven in this browser, so the console (Required for people with 2FA) stays open. It is
 * enrollment evidence only — never a fresh proof for a later change.
 */
export async function recordEnrollment(deps: Deps, s: SignedIn, amr: string[], methodId: string): Promise<void> {
  await saveLoginFlow(deps.db, deps.clock, { uid: enrolledKey(s.sessionUid), email: null, userId: s.user.id, step: 'enrolled', amr, data: { at: deps.clock.now(), methodId } }, ENROLLED_TTL_MS);
}

/**
 * Evidence for the console's own requirement: the sign-in, and a method this session enrolled as its
 * first — only while that method is still one of the person's active methods (a reset or its removal
 * ends it, whoever made the change).
 */
export async function consoleEvidence(deps: Deps, s: SignedIn, activeMethodIds: readonly string[]): Promise<Proof[]> {
  const proofs: Proof[] = sessionProof(s.amr, s.authTime);
  const enrolled = await loadLoginFlow(deps.db, deps.clock, enrolledKey(s.sessionUid));
  const methodId = enrolled?.data.methodId;
  if (enrolled && enrolled.userId === s.user.id && typeof methodId === 'string' && activeMethodIds.includes(methodId)) {
    proofs.push({ source: 'enrollment', amr: enrolled.amr, at: Number(enrolled.data.at ?? 0), methodId });
  }
  return proofs;
}

/** Records a proof for this session; it expires by itself after {@link FRESH_PROOF_MS}. */
export async function recordProof(deps: Deps, s: SignedIn, kind: 'second-factor' | 'password', amr: string[] = kind === 'password' ? ['pwd'] : ['otp']): Promise<void> {
  await saveLoginFlow(deps.db, deps.clock, { uid: key(s.sessionUid), email: null, userId: s.user.id, step: kind, amr, data: { at: deps.clock.now() } }, FRESH_PROOF_MS);
}
