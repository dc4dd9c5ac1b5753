import type { Deps } from '../context.ts';
import { loadLoginFlow, saveLoginFlow } from '../store/login-flows.ts';
import type { SignedIn } from '../http/session.ts';

/** Changing 2FA needs a proof at most this old (issue 3: "a code or touch at most 5 minutes old"). */
export const FRESH_PROOF_MS = 5 * 60 * 1000;

const key = (sessionUid: string) => `proof:${sessionUid}`;
const SECOND_FACTORS = new Set(['otp', 'hwk', 'swk', 'recovery']);

/**
 * Whether this browser's session proved itself recently: a re-check on the settings page, or a
 * sign-in with a second factor (a recovery code included: the "lost my phone" path) within the window.
 * A password sign-in never counts by itself: "Enable two-step verification" asks for the password
 * again (DESIGN.md, issue 3), so a browser left signed in cannot enroll someone else's phone.
 */
export async function hasFreshProof(deps: Deps, s: SignedIn, hasMethods: boolean): Promise<boolean> {
  const now = deps.clock.now();
  const signedInRecently = s.authTime !== undefined && now - s.authTime * 1000 <= FRESH_PROOF_MS;
  if (hasMethods && signedInRecently && (s.amr ?? []).some((v) => SECOND_FACTORS.has(v))) return true;
  const proof = await loadLoginFlow(deps.db, deps.clock, key(s.sessionUid));
  return !!proof && proof.userId === s.user.id && (hasMethods ? proof.step === 'second-factor' : true);
}

/** Records a proof for this session; it expires by itself after {@link FRESH_PROOF_MS}. */
export async function recordProof(deps: Deps, s: SignedIn, kind: 'second-factor' | 'password'): Promise<void> {
  await saveLoginFlow(deps.db, deps.clock, { uid: key(s.sessionUid), email: null, userId: s.user.id, step: kind, amr: [], data: {} }, FRESH_PROOF_MS);
}
