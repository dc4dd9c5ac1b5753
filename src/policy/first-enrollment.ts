import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import { companyOf } from './company-of.ts';
import { assessRisk } from './risk/assess.ts';
import type { DeviceEvidence } from './risk/types.ts';

export interface FirstEnrollment {
  user: User;
  /** The person's active methods now: only a first method is guarded. */
  methodCount: number;
  /** The client address through trusted proxies; undefined when it could not be parsed (fails closed). */
  ip: string | undefined;
  /** Whether this browser completed a two-factor sign-in of this person (src/store/known-devices.ts). */
  deviceKnown: DeviceEvidence;
}

/**
 * Whether adding a first method must also prove the person's email (issue 9, docs/decisions/0014):
 * someone holding only a stolen password must not be able to register their own authenticator and
 * so own the account's second factor. The same risk checks as a sign-in decide (src/policy/risk/); at
 * any decision above skip — a browser that never completed a two-factor sign-in, an address outside
 * the company's trusted networks, a new country… — a code sent to the email is needed as well.
 * Returns the risk's named reasons when it is needed, undefined when it is not (a person who already
 * has a method, a low risk, or `GATEHOUSE_ENROLLMENT_EMAIL_CODE=0` on a server that sends no mail).
 */
export async function emailCodeNeeded(deps: Deps, f: FirstEnrollment): Promise<string[] | undefined> {
  if (!deps.config.enrollmentEmailCode || f.methodCount > 0) return undefined;
  const company = await companyOf(deps.db, f.user.email);
  const risk = await assessRisk({ deps, userId: f.user.id, ip: f.ip, deviceKnown: f.deviceKnown, trustedNetworks: company?.policy.trustedNetworks ?? [], now: deps.clock.now() });
  return risk.decision === 'skip' ? undefined : risk.signals.filter((s) => s.weight > 0).map((s) => s.reason);
}
