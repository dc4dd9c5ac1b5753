import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import { cachedClientRow, type AppPolicy } from '../store/clients.ts';
import { isRememberedDevice } from '../flows/remembered-devices.ts';
import { withRequest, type AuthenticationRequest, type Requirement } from '../gate/requirement.ts';
import { signInRequirement } from './prompt-rule.ts';

/** The client id of Account settings (docs/decisions/0002-account-sign-in.md). */
export const ACCOUNT_CLIENT_ID = 'gatehouse-account';

export interface SignInContext {
  user: User;
  clientId: string;
  /** Whether the person has an active 2FA method. */
  hasSecondFactor: boolean;
  /** This person's "remember this device" cookie, if the browser sent one. */
  deviceToken: string | undefined;
  request: AuthenticationRequest;
}

/**
 * What signing in to this app requires of this person now: the app's rule (src/policy/prompt-rule.ts)
 * plus what the request itself asks for (step-up, re-authentication). Reads the app's policy, the
 * "Remind me later" date and the remembered device; the store is read only where the rule needs it.
 */
export async function signInRequirementFor(deps: Deps, c: SignInContext): Promise<Requirement> {
  const accountConsole = c.clientId === ACCOUNT_CLIENT_ID;
  const row = accountConsole ? undefined : await cachedClientRow(deps.db, c.clientId);
  const appPolicy = (row?.policy ?? 'adaptive') as AppPolicy;
  const asksForDevice = c.hasSecondFactor && !accountConsole && appPolicy !== 'bypass';
  const rememberedDevice = asksForDevice && (await isRememberedDevice(deps, c.user, c.deviceToken));
  const needsSnooze = !c.hasSecondFactor && !accountConsole && appPolicy === 'adaptive';
  const snooze = needsSnooze ? await deps.db.selectFrom('mfa_state').select('remind_after').where('user_id', '=', c.user.id).executeTakeFirst() : undefined;
  const base = signInRequirement({ appPolicy, accountConsole, hasSecondFactor: c.hasSecondFactor, rememberedDevice, remindAfter: snooze?.remind_after ?? null, now: deps.clock.now() });
  return withRequest(base, c.request);
}
