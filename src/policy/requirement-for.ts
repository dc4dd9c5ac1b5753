import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import { cachedClientRow, type AppPolicy } from '../store/clients.ts';
import { isRememberedDevice } from '../security/remembered-devices.ts';
import { withRequest, type AuthenticationRequest, type Requirement } from '../gate/requirement.ts';
import { companyOf } from './company-of.ts';
import { readsReminder, signInPolicy, type RiskView } from './engine.ts';
import { assessRisk } from './risk/assess.ts';
import type { DeviceEvidence } from './risk/types.ts';

/** The client id of Account settings (docs/decisions/0002-account-sign-in.md). */
export const ACCOUNT_CLIENT_ID = 'gatehouse-account';

export interface SignInContext {
  user: User;
  clientId: string;
  /** The person's active method types, one entry per method. */
  methodTypes: readonly string[];
  /** This person's "remember this device" cookie, if the browser sent one. */
  deviceToken: string | undefined;
  /** Whether the browser is a remembered device, said outright (the simulator's): then no cookie is looked up. */
  remembered?: boolean;
  /** The client address through trusted proxies; undefined when it could not be parsed. */
  ip: string | undefined;
  /** Whether this browser completed a sign-in of this person with a second factor (src/store/known-devices.ts); read only when the risk is assessed. */
  deviceKnown: DeviceEvidence;
  request: AuthenticationRequest;
}

/** The risk of this sign-in (src/policy/risk/), as the engine reads it: the decision and its named reasons. */
async function assess(deps: Deps, c: SignInContext, trustedNetworks: readonly string[]): Promise<RiskView> {
  const { decision, signals } = await assessRisk({ deps, userId: c.user.id, ip: c.ip, deviceKnown: c.deviceKnown, trustedNetworks, now: deps.clock.now() });
  return { decision, reasons: signals.map((s) => s.reason) };
}

/**
 * What signing in to this app requires of this person now: the policy engine (src/policy/engine.ts)
 * on the company policy, the app's behaviour and the risk, plus what the request itself asks for
 * (step-up, re-authentication). The store is read only where the answer depends on it.
 */
export async function signInRequirementFor(deps: Deps, c: SignInContext): Promise<Requirement> {
  const accountConsole = c.clientId === ACCOUNT_CLIENT_ID;
  const row = accountConsole ? undefined : await cachedClientRow(deps.db, c.clientId);
  const behaviour = (row?.policy ?? 'adaptive') as AppPolicy;
  const hasSecondFactor = c.methodTypes.length > 0;
  const now = deps.clock.now();
  // Bypass asks for nothing at sign-in, but the company's allowed methods still say which proofs count
  // (a session's second factor the company no longer accepts is not one: src/flows/login-check.ts).
  const company = await companyOf(deps.db, c.user.email);
  if (behaviour === 'bypass' && !accountConsole) return withRequest(signInPolicy({ accountConsole, app: { behaviour, phishingResistantOnly: false }, company, person: { methodTypes: c.methodTypes, remindAfter: null }, rememberedDevice: false, risk: undefined, now }), c.request);
  // The risk decides when an Adaptive app asks a person with 2FA, whether or not their company requires 2FA
  // (the engine: a compliant person of such a company is asked by the risk like everyone else).
  const adaptive = !accountConsole && behaviour === 'adaptive';
  const [rememberedDevice, snooze, risk] = await Promise.all([
    hasSecondFactor && !accountConsole ? (c.remembered ?? isRememberedDevice(deps, c.user, c.deviceToken, company ? company.policy.rememberDeviceDays * 24 * 3600 * 1000 : undefined)) : false,
    !accountConsole && readsReminder(company, c.methodTypes) ? deps.db.selectFrom('mfa_state').select('remind_after').where('user_id', '=', c.user.id).executeTakeFirst() : undefined,
    adaptive && hasSecondFactor ? assess(deps, c, company?.policy.trustedNetworks ?? []) : undefined,
  ]);
  const base = signInPolicy({
    accountConsole,
    app: { behaviour, phishingResistantOnly: !!row?.phishing_resistant_only },
    company,
    person: { methodTypes: c.methodTypes, remindAfter: snooze?.remind_after ?? null },
    rememberedDevice,
    risk,
    now,
  });
  return withRequest(base, c.request);
}
