import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Deps } from '../context.ts';
import { cachedClientRow, type AppPolicy } from '../store/clients.ts';
import { findUserById } from '../store/users.ts';
import { listActiveMethods } from '../methods/records.ts';
import { decidePrompt } from '../policy/prompt-rule.ts';
import { deviceCookieName, isRememberedDevice } from '../flows/remembered-devices.ts';
import { ACR, acrRank } from './acr.ts';

const { Check, base } = interactionPolicy;

/** Reasons Gatehouse adds to oidc-provider's login prompt; the interaction pages act on them. */
export const LOGIN_REASONS = {
  /** The session's account is disabled or gone. */
  accountUnavailable: 'account_unavailable',
  /** The app asks (acr_values) for more than the session proved: step-up. */
  acrUpgrade: 'acr_upgrade',
  /** Single sign-on into an app whose 2FA rule the session does not meet yet. */
  secondFactorRequired: 'second_factor_required',
} as const;

/**
 * oidc-provider's default prompts plus two login checks, so that single sign-on never carries a
 * session into an app that needs more than the session proved.
 */
export function gatehouseInteractionPolicy(deps: Deps) {
  const policy = base();
  const login = policy.get('login')!;

  // A session whose account was disabled or deleted meanwhile: sign in again (findAccount finds nothing).
  login.checks.add(
    new Check('account_unavailable', 'the account of the session is not available', (ctx: KoaContextWithOIDC) =>
      ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );

  login.checks.add(
    new Check(LOGIN_REASONS.acrUpgrade, 'requested ACR is stronger than the session', (ctx: KoaContextWithOIDC) => {
      const { session, params } = ctx.oidc;
      if (!session?.accountId || typeof params?.acr_values !== 'string') return Check.NO_NEED_TO_PROMPT;
      const wanted = params.acr_values.split(' ').filter((v) => acrRank(v) >= 0);
      if (wanted.length === 0) return Check.NO_NEED_TO_PROMPT;
      const have = acrRank(session.acr ?? ACR.singleFactor);
      return wanted.some((v) => acrRank(v) <= have) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );

  login.checks.add(
    new Check(LOGIN_REASONS.secondFactorRequired, "the application's 2FA rule is not met by the session", async (ctx: KoaContextWithOIDC) => {
      const { session, client } = ctx.oidc;
      if (!session?.accountId || !client || acrRank(session.acr) > acrRank(ACR.singleFactor)) return Check.NO_NEED_TO_PROMPT;
      const row = await cachedClientRow(deps.db, client.clientId);
      // The same rule as after the password; a suggestion never interrupts single sign-on.
      const rule = { appPolicy: (row?.policy ?? 'adaptive') as AppPolicy, stepUp: false, remindAfter: null, now: deps.clock.now() };
      const prompts = (hasSecondFactor: boolean, rememberedDevice: boolean) => {
        const { action } = decidePrompt({ ...rule, hasSecondFactor, rememberedDevice });
        return action === 'challenge' || action === 'enroll';
      };
      // Where the rule prompts nobody (a Bypass app), the person's methods are not read at all.
      if (!prompts(true, false) && !prompts(false, false)) return Check.NO_NEED_TO_PROMPT;
      const user = await findUserById(deps.db, session.accountId);
      if (!user) return Check.NO_NEED_TO_PROMPT;
      const methods = await listActiveMethods(deps.db, user.id);
      const remembered = methods.length > 0 && (await isRememberedDevice(deps, user, ctx.cookies.get(deviceCookieName(deps, user.id)) ?? undefined));
      return prompts(methods.length > 0, remembered) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );

  return policy;
}
