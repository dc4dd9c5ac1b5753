import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { HttpDeps } from '../server.ts';
import { field, auditContext } from '../request-context.ts';
import { emailPage, passwordPage, consentPage } from '../pages/login.ts';
import { errorPage } from '../pages/error.ts';
import { deleteLoginFlow, loadLoginFlow, saveLoginFlow, type LoginFlow } from '../../store/login-flows.ts';
import { canonicalEmail, isPlausibleEmail } from '../../store/users.ts';
import { findClientRow } from '../../store/clients.ts';
import { checkPassword } from '../../flows/password-login.ts';
import { sendVerificationEmail } from '../../flows/signup.ts';
import { ACR } from '../../oidc/acr.ts';
import { TTL } from '../../oidc/provider.ts';
import type { FieldError } from '../pages/layout.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
type Req = FastifyRequest<{ Params: { uid: string } }>;

/**
 * The sign-in interaction: the pages oidc-provider sends the browser to when it needs a login or
 * consent. Each step's state is a row in `login_flows`, so a restart mid-sign-in loses nothing, and
 * each POST checks that the flow is at that step: posting to a later step skips nothing.
 */
export function registerInteractionRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { provider, csrf, t, config, db, clock } = deps;
  const flowTtl = TTL.Interaction * 1000;

  async function details(req: Req, reply: FastifyReply): Promise<Details | undefined> {
    try {
      const d = await provider.interactionDetails(req.raw, reply.raw);
      if (d.uid !== req.params.uid) throw new Error('uid mismatch');
      return d;
    } catch {
      reply.code(400).type('text/html').send(errorPage(t, t('error.interaction_expired'), 'interaction_expired'));
      return undefined;
    }
  }

  async function appName(clientId: unknown): Promise<string> {
    const row = typeof clientId === 'string' ? await findClientRow(db, clientId) : undefined;
    return row?.name ?? t('app.name');
  }

  async function flowFor(d: Details): Promise<LoginFlow> {
    return (await loadLoginFlow(db, clock, d.uid)) ?? { uid: d.uid, email: null, userId: null, step: 'email', amr: [], data: {} };
  }

  async function finish(req: Req, reply: FastifyReply, result: InteractionResults) {
    const url = await provider.interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: false });
    return reply.redirect(url, 303);
  }

  async function renderLogin(req: Req, reply: FastifyReply, d: Details, flow: LoginFlow, errors: FieldError[] = [], status = 200) {
    const input = {
      t,
      uid: d.uid,
      csrf: csrf.token(req, reply),
      appName: await appName(d.params.client_id),
      email: flow.email ?? (typeof d.params.login_hint === 'string' ? d.params.login_hint : undefined),
      errors,
      signupEnabled: config.signupEnabled,
    };
    return reply.code(status).type('text/html').send(flow.step === 'password' ? passwordPage(input) : emailPage(input));
  }

  function guard(req: Req, reply: FastifyReply): boolean {
    if (csrf.verify(req)) return true;
    reply.code(403).type('text/html').send(errorPage(t, t('error.csrf'), 'csrf_failed'));
    return false;
  }

  app.get<{ Params: { uid: string } }>('/interaction/:uid', async (req, reply) => {
    const d = await details(req, reply);
    if (!d) return reply;
    if (d.prompt.name === 'login') return renderLogin(req, reply, d, await flowFor(d));
    if (d.prompt.name === 'consent') {
      const row = await findClientRow(db, String(d.params.client_id));
      if (row?.first_party) return finish(req, reply, { consent: { grantId: await grantFor(provider, d, true) } });
      const scopes = [...new Set([...(d.prompt.details.missingOIDCScope as string[] | undefined ?? []), ...Object.values((d.prompt.details.missingResourceScopes as Record<string, string[]> | undefined) ?? {}).flat()])];
      return reply.type('text/html').send(consentPage({ t, uid: d.uid, csrf: csrf.token(req, reply), appName: row?.name ?? String(d.params.client_id), scopes }));
    }
    return reply.code(400).type('text/html').send(errorPage(t, t('error.generic'), 'unsupported_prompt'));
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/email', async (req, reply) => {
    const d = await details(req, reply);
    if (!d || !guard(req, reply)) return reply;
    if (d.prompt.name !== 'login') return reply.redirect(`/interaction/${d.uid}`, 303);
    const flow = await flowFor(d);
    const email = (field(req, 'email') ?? '').trim();
    if (!email) return renderLogin(req, reply, d, { ...flow, step: 'email', email: '' }, [{ field: 'email', message: t('login.email_required') }], 400);
    if (!isPlausibleEmail(email)) return renderLogin(req, reply, d, { ...flow, step: 'email', email }, [{ field: 'email', message: t('login.email_invalid') }], 400);
    await saveLoginFlow(db, clock, { ...flow, email: canonicalEmail(email), step: 'password', userId: null, amr: [] }, flowTtl);
    return reply.redirect(`/interaction/${d.uid}`, 303);
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/restart', async (req, reply) => {
    const d = await details(req, reply);
    if (!d || !guard(req, reply)) return reply;
    await deleteLoginFlow(db, d.uid);
    return reply.redirect(`/interaction/${d.uid}`, 303);
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/password', async (req, reply) => {
    const d = await details(req, reply);
    if (!d || !guard(req, reply)) return reply;
    const flow = await flowFor(d);
    if (d.prompt.name !== 'login' || flow.step !== 'password' || !flow.email) return reply.redirect(`/interaction/${d.uid}`, 303);
    const password = field(req, 'password');
    if (!password) return renderLogin(req, reply, d, flow, [{ field: 'password', message: t('login.password_required') }], 400);

    const where = auditContext(req, String(d.params.client_id));
    const result = await checkPassword(deps, flow.email, password, where);
    if (!result.ok) {
      if (result.reason === 'unverified' && result.user) {
        await sendVerificationEmail(deps, result.user, d.uid);
        return renderLogin(req, reply, d, flow, [{ field: 'password', message: t('login.unverified') }], 400);
      }
      const message = result.reason === 'throttled' ? t('login.throttled') : t('login.invalid');
      return renderLogin(req, reply, d, flow, [{ field: 'password', message }], result.reason === 'throttled' ? 429 : 400);
    }
    await deleteLoginFlow(db, d.uid);
    return finish(req, reply, {
      login: { accountId: result.user.id, acr: ACR.singleFactor, amr: ['pwd'], remember: true },
    });
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/consent', async (req, reply) => {
    const d = await details(req, reply);
    if (!d || !guard(req, reply)) return reply;
    if (d.prompt.name !== 'consent') return reply.redirect(`/interaction/${d.uid}`, 303);
    if (field(req, 'decision') !== 'allow') {
      return finish(req, reply, { error: 'access_denied', error_description: 'The person denied access.' });
    }
    return finish(req, reply, { consent: { grantId: await grantFor(provider, d, false) } });
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/abort', async (req, reply) => {
    const d = await details(req, reply);
    if (!d || !guard(req, reply)) return reply;
    await deleteLoginFlow(db, d.uid);
    return finish(req, reply, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' });
  });
}

/** Grants what the consent prompt is missing (first-party apps: everything they asked for). */
async function grantFor(provider: Provider, d: Details, firstParty: boolean): Promise<string> {
  const { session, params, grantId: existing } = d;
  const grant = existing
    ? (await provider.Grant.find(existing))!
    : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
  const details = d.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  if (firstParty && typeof params.scope === 'string') grant.addOIDCScope(params.scope);
  return grant.save();
}
