import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Deps } from '../context.ts';
import { cachedClientRow } from '../store/clients.ts';
import { findUserById } from '../store/users.ts';
import { listActiveMethods } from '../methods/records.ts';
import { deviceCookieName } from '../security/remembered-devices.ts';
import { signInRequirementFor, ACCOUNT_CLIENT_ID } from '../policy/requirement-for.ts';
import { clientAddress } from '../security/client-address.ts';
import { presentedDevice } from '../security/device-cookie.ts';
import { companyLimitsMethods } from '../policy/company-of.ts';
import { requestedAcrs, targetAcr, unknownEssentialAcr } from '../gate/requirement.ts';
import { ACR, acrRank } from '../oidc/acr.ts';
import { userOfAccount } from '../oidc/account.ts';
import { sessionProof } from '../gate/evidence.ts';
import { decide } from '../gate/decide.ts';

const { Check, base } = interactionPolicy;

/** Reasons Gatehouse adds to oidc-provider's login prompt; the interaction pages act on them. */
export const LOGIN_REASONS = {
  /** The session's account is disabled or gone. */
  accountUnavailable: 'account_unavailable',
  /** The gate (src/gate/decide.ts) finds the session short of what this app and request require. */
  requirementUnmet: 'authentication_requirement_unmet',
} as const;

/**
 * oidc-provider's default prompts with the gate as a login check, so that single sign-on and
 * step-up never carry a session into an app that needs more than the session proved.
 * oidc-provider's own `essential_acr(s)` checks compare ACR values for equality, so a session that
 * proved more than an essential acr asks for would be sent to log in again (and, before the gate,
 * get a new `auth_time` without any factor): the gate judges ACRs by rank instead.
 */
export function gatehouseInteractionPolicy(deps: Deps) {
  const policy = base();
  const login = policy.get('login')!;
  login.checks.remove('essential_acr');
  login.checks.remove('essential_acrs');

  // An essential acr Gatehouse never issues: no interaction can meet it (the interaction page ends it
  // at once in this error), so prompt=none says so too rather than login/interaction_required. First,
  // so that it is the error oidc-provider reports; an interactive request goes on to that page as before.
  login.checks.add(
    new Check('essential_acr_unknown', 'the requested essential acr is not supported', 'unmet_authentication_requirements', (ctx: KoaContextWithOIDC) =>
      unknownEssentialAcr((ctx.oidc.params ?? {}) as Record<string, unknown>) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
    0,
  );

  // A session whose account was disabled or deleted meanwhile: sign in again (findAccount finds nothing).
  login.checks.add(
    new Check(LOGIN_REASONS.accountUnavailable, 'the account of the session is not available', (ctx: KoaContextWithOIDC) =>
      ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );

  login.checks.add(
    new Check(LOGIN_REASONS.requirementUnmet, 'the session does not meet what this application requires', async (ctx: KoaContextWithOIDC) => {
      const { session, client, params } = ctx.oidc;
      if (!session?.accountId || !client) return Check.NO_NEED_TO_PROMPT;
      const acrs = requestedAcrs((params ?? {}) as Record<string, unknown>);
      const unknown = unknownEssentialAcr((params ?? {}) as Record<string, unknown>);
      const row = client.clientId === ACCOUNT_CLIENT_ID ? undefined : await cachedClientRow(deps.db, client.clientId);
      // Where the rule asks nobody for anything (a Bypass app, no step-up), nothing more is read — unless
      // the session claims a second factor that the person's company may no longer accept (below).
      const bypass = acrs.length === 0 && !unknown && row?.policy === 'bypass';
      const claimsSecondFactor = acrRank(session.acr) >= acrRank(ACR.multiFactor);
      if (bypass && !claimsSecondFactor) return Check.NO_NEED_TO_PROMPT;
      // The row oidc-provider's findAccount read for this session in this request (src/oidc/account.ts).
      const loaded = ctx.oidc.account?.accountId === session.accountId ? userOfAccount(ctx.oidc.account) : undefined;
      const user = loaded ?? (await findUserById(deps.db, session.accountId));
      if (!user) return Check.NO_NEED_TO_PROMPT;
      const limited = claimsSecondFactor && (await companyLimitsMethods(deps.db, user.email));
      if (bypass && !limited) return Check.NO_NEED_TO_PROMPT;
      // A session that proved two factors meets every rule and request it ranks at least as high as —
      // unless the app accepts only phishing-resistant methods or the person's company limits which
      // methods count: then the whole requirement is asked (issue 9; found by review).
      const target = targetAcr(acrs);
      const ranksHighEnough = !unknown && acrRank(session.acr) >= acrRank(ACR.multiFactor) && (target === undefined || acrRank(session.acr) >= acrRank(target));
      if (ranksHighEnough && !row?.phishing_resistant_only && !limited) return Check.NO_NEED_TO_PROMPT;
      const methods = await listActiveMethods(deps.db, user.id);
      const requirement = await signInRequirementFor(deps, {
        user,
        clientId: client.clientId,
        methodTypes: methods.map((m) => m.type),
        deviceToken: ctx.cookies.get(deviceCookieName(deps, user.id)) ?? undefined,
        ip: clientAddress(ctx.req.socket.remoteAddress, ctx.req.headers['x-forwarded-for'], deps.config.trustedProxies),
        deviceKnown: { nonce: presentedDevice(deps, user.id, (name) => ctx.cookies.get(name) ?? undefined), validAfter: user.sessions_valid_after },
        request: { acrs, reauthenticate: false, unknownEssentialAcr: unknown },
      });
      const evidence = { proofs: sessionProof(session.amr, session.authTime()), hadMethods: methods.length > 0 };
      const decision = decide({ requirement, evidence, methodTypes: methods.map((m) => m.type), methods, now: deps.clock.now() });
      if (decision.step !== 'satisfied') return Check.REQUEST_PROMPT;
      // Satisfied with less than the session claims — its second factor was a method the person's company
      // no longer accepts (the gate judges the session's proof by its amr): the login is given again with
      // what counts (the interaction's GET finishes it without asking anything, auth_time kept), so that
      // no app, a Bypass one included, is handed a token that claims a factor that does not count.
      return acrRank(decision.acr) < acrRank(session.acr) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );

  return policy;
}
