import type { Deps } from '../context.ts';
import { findUserByEmail } from '../store/users.ts';
import { listActiveMethods } from '../methods/records.ts';
import { decide, type Decision } from '../gate/decide.ts';
import { requestedAcrs } from '../gate/requirement.ts';
import { clientAddress } from '../security/client-address.ts';
import { signInRequirementFor } from './requirement-for.ts';
import { emailCodeNeeded } from './first-enrollment.ts';

export interface SimulationInput {
  email: string;
  clientId: string;
  /** The address as the sign-in would see it (after trusted proxies). */
  ip: string;
  /** Whether the browser is one this person completed a two-factor sign-in from. */
  deviceKnown: boolean;
  /** Whether the browser holds a valid "remember this device" cookie of this person (it is then known too). */
  deviceRemembered?: boolean;
  /** Space-separated `acr_values`, for a step-up. */
  acrValues?: string;
}

export type Simulation =
  | { found: false }
  | {
      found: true;
      decision: Decision;
      reasons: string[];
      methods: string[];
      /** Where the decision is enrollment: whether a first method also needs the email code, and the risk's reasons (decision 0014). */
      emailCode?: { needed: boolean; reasons: string[] };
    };

/**
 * "What would happen for this person, this app, this address, this device" — without signing anyone
 * in: the same requirement function and the same gate as a real sign-in, asked right after a correct
 * password. Reads only; writes nothing but what the caller audits.
 */
export async function simulateSignIn(deps: Deps, i: SimulationInput): Promise<Simulation> {
  const user = await findUserByEmail(deps.db, i.email);
  if (!user) return { found: false };
  const methods = await listActiveMethods(deps.db, user.id);
  const now = deps.clock.now();
  const requirement = await signInRequirementFor(deps, {
    user,
    clientId: i.clientId,
    methodTypes: methods.map((m) => m.type),
    deviceToken: undefined,
    remembered: i.deviceRemembered ?? false,
    ip: clientAddress(i.ip, undefined, []),
    deviceKnown: i.deviceKnown || !!i.deviceRemembered,
    request: { acrs: requestedAcrs({ acr_values: i.acrValues }), reauthenticate: false },
  });
  const decision = decide({ requirement, evidence: { proofs: [{ source: 'password', amr: ['pwd'], at: now }], hadMethods: methods.length > 0 }, methodTypes: methods.map((m) => m.type), methods, now });
  const enrolling = decision.step === 'enroll' && methods.length === 0;
  const emailReasons = enrolling ? await emailCodeNeeded(deps, { user, methodCount: 0, ip: clientAddress(i.ip, undefined, []), deviceKnown: i.deviceKnown }) : undefined;
  return {
    found: true,
    decision,
    reasons: decision.reasons,
    methods: methods.map((m) => m.type),
    ...(enrolling ? { emailCode: { needed: emailReasons !== undefined, reasons: emailReasons ?? [] } } : {}),
  };
}
