import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { HttpDeps } from './server.ts';
import type { User } from '../store/users.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { errorPage } from './pages/error.ts';
import { deleteLoginFlow, loadLoginFlow, saveLoginFlow, type LoginFlow } from '../store/login-flows.ts';
import { cachedClientRow, type AppPolicy } from '../store/clients.ts';
import { listActiveMethods } from '../methods/records.ts';
import { decidePrompt } from '../policy/prompt-rule.ts';
import { assuranceOf } from '../flows/assurance.ts';
import { deviceCookieName, isRememberedDevice } from '../flows/remembered-devices.ts';
import { ACR, acrRank } from '../oidc/acr.ts';
import { TTL } from '../oidc/provider.ts';
import { ACCOUNT_CLIENT_ID } from './account-sign-in.ts';

export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
export type Req = FastifyRequest<{ Params: { uid: string } }>;

const FLOW_TTL_MS = TTL.Interaction * 1000;

/** The ACR values an authorization request asks for: `acr_values` and an essential `claims` acr. */
export function requestedAcrs(params: Details['params']): string[] {
  const out: string[] = typeof params.acr_values === 'string' ? params.acr_values.split(' ') : [];
  try {
    const claims = typeof params.claims === 'string' ? JSON.parse(params.claims) : undefined;
    const acr = claims?.id_token?.acr;
    if (acr?.value) out.push(acr.value);
    if (Array.isArray(acr?.values)) out.push(...acr.values);
  } catch {
    // oidc-provider already rejected malformed `claims`; nothing to add.
  }
  return out.filter((v) => acrRank(v) >= 0);
}

/** A step-up: the app asks for more than a single factor. */
export function isStepUp(params: Details['params']): boolean {
  const wanted = requestedAcrs(params);
  return wanted.length > 0 && wanted.every((v) => acrRank(v) > acrRank(ACR.singleFactor));
}

export function wantsPhishingResistant(params: Details['params']): boolean {
  const wanted = requestedAcrs(params);
  return wanted.length > 0 && wanted.every((v) => v === ACR.phishingResistant);
}

/** What every interaction route needs: the interaction, its stored flow, and how to finish it. */
export function interactionSupport(deps: HttpDeps) {
  const { provider, t, db, clock, csrf } = deps;

  return {
    async details(req: Req, reply: FastifyReply): Promise<Details | undefined> {
      try {
        const d = await provider.interactionDetails(req.raw, reply.raw);
        if (d.uid !== req.params.uid) throw new Error('uid mismatch');
        return d;
      } catch {
        reply.code(400).type('text/html').send(errorPage(t, t('error.interaction_expired'), 'interaction_expired'));
        return undefined;
      }
    },

    guard(req: FastifyRequest, reply: FastifyReply): boolean {
      if (csrf.verify(req)) return true;
      reply.code(403).type('text/html').send(errorPage(t, t('error.csrf'), 'csrf_failed'));
      return false;
    },

    async appName(clientId: unknown): Promise<string> {
      const row = typeof clientId === 'string' ? await cachedClientRow(db, clientId) : undefined;
      return row?.name ?? t('app.name');
    },

    async flowFor(d: Details): Promise<LoginFlow> {
      return (await loadLoginFlow(db, clock, d.uid)) ?? { uid: d.uid, email: null, userId: null, step: 'email', amr: [], data: {} };
    },

    saveFlow(flow: LoginFlow): Promise<void> {
      return saveLoginFlow(db, clock, flow, FLOW_TTL_MS);
    },

    async finish(req: FastifyRequest, reply: FastifyReply, result: InteractionResults) {
      const url = await provider.interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: false });
      return reply.redirect(url, 303);
    },

    /** Ends the login step with exactly what was proven: `amr` and the `acr` that follows from it. */
    async completeLogin(req: FastifyRequest, reply: FastifyReply, d: Details, user: User, amr: string[], where: AuditContext) {
      const { acr, amr: finalAmr } = assuranceOf(amr);
      await deleteLoginFlow(db, d.uid);
      await audit(db, clock, { ...where, event: 'login.succeeded', userId: user.id, details: { acr, amr: finalAmr } });
      return this.finish(req, reply, { login: { accountId: user.id, acr, amr: finalAmr, remember: true } });
    },

    /**
     * After the first factor (password, or a passkey): the interim prompt rule decides whether a
     * second factor is asked for, the wizard is required or suggested, or the sign-in is complete.
     */
    async afterFirstFactor(req: FastifyRequest, reply: FastifyReply, d: Details, user: User, amr: string[], where: AuditContext) {
      const row = await cachedClientRow(db, String(d.params.client_id));
      const appPolicy = (row?.policy ?? 'adaptive') as AppPolicy;
      const methods = await listActiveMethods(db, user.id);
      const stepUp = isStepUp(d.params);
      const already = assuranceOf(amr);
      if (already.acr !== ACR.singleFactor && (!wantsPhishingResistant(d.params) || already.acr === ACR.phishingResistant)) {
        return this.completeLogin(req, reply, d, user, amr, where);
      }
      const remembered = !stepUp && (await isRememberedDevice(deps, user, (req.cookies as Record<string, string | undefined>)[deviceCookieName(deps, user.id)]));
      const snooze = await db.selectFrom('mfa_state').select('remind_after').where('user_id', '=', user.id).executeTakeFirst();
      const decision = decidePrompt({ appPolicy, hasSecondFactor: methods.length > 0, rememberedDevice: remembered, stepUp, remindAfter: snooze?.remind_after ?? null, suggestEnrollment: d.params.client_id !== ACCOUNT_CLIENT_ID, now: clock.now() });
      await audit(db, clock, { ...where, event: 'policy.decision', userId: user.id, details: { action: decision.action, reasons: decision.reasons, appPolicy } });
      if (decision.action === 'none') return this.completeLogin(req, reply, d, user, amr, where);
      const step = decision.action === 'challenge' ? 'mfa' : decision.action === 'enroll' ? 'enroll' : 'suggest';
      await this.saveFlow({ uid: d.uid, email: user.email, userId: user.id, step, amr, data: { stepUp } });
      return reply.redirect(`/interaction/${d.uid}`, 303);
    },
  };
}

export type InteractionSupport = ReturnType<typeof interactionSupport>;
