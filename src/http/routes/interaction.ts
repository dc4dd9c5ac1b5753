import type { FastifyInstance, FastifyReply } from 'fastify';
import type Provider from 'oidc-provider';
import type { HttpDeps } from '../deps.ts';
import { field, auditContext } from '../request-context.ts';
import { emailPage, passwordPage, consentPage } from '../pages/login.ts';
import { errorPage } from '../pages/error.ts';
import { deleteLoginFlow, FlowChanged, loadLoginFlow, type LoginFlow } from '../../store/login-flows.ts';
import { cancelPending } from '../../methods/push/challenges.ts';
import { signInRef } from '../../methods/push/index.ts';
import { canonicalEmail, findUserById, isPlausibleEmail } from '../../store/users.ts';
import { findClientRow } from '../../store/clients.ts';
import { audit } from '../../store/audit.ts';
import { passkeyAccepted, reservePasskeyAttempt } from '../../security/password-attempts.ts';
import { checkPassword } from '../../flows/password-login.ts';
import { sendVerificationEmail } from '../../flows/signup.ts';
import { passkeyLoginOptions, verifyPasskeyLogin } from '../../methods/webauthn/passkey-login.ts';
import { ceremonyContext } from '../ceremony-context.ts';
import { listActiveMethods } from '../../methods/records.ts';
import { unknownEssentialAcr } from '../../gate/requirement.ts';
import { cleanText } from '../../security/untrusted-text.ts';
import { dataOf, interactionSupport, type Details, type InteractionSupport, type Req } from '../interaction-support.ts';
import { renderChallenge, renderRecovered, registerSecondFactorRoutes } from './interaction-mfa.ts';
import type { FieldError } from '../pages/layout.ts';

/**
 * The sign-in interaction: the pages oidc-provider sends the browser to when it needs a login or
 * consent. Each step's state is a row in `login_flows`, so a restart mid-sign-in loses nothing, and
 * each POST checks that the flow is at that step: posting to a later step skips nothing.
 */
export function registerInteractionRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { provider, csrf, t, config, db, clock } = deps;
  // A form's answer that leads to the second factor draws its page itself (decision 0024).
  const s: InteractionSupport = interactionSupport(deps, { secondFactor: (req, reply, d, flow, e) => renderChallenge(deps, s, req, reply, d, flow, e) });
  const ceremony = ceremonyContext(deps);

  /** `typed`: an address refused as it was typed, shown again but never stored with the flow. */
  async function renderLogin(req: Req, reply: FastifyReply, d: Details, flow: LoginFlow, errors: FieldError[] = [], status = 200, typed?: string) {
    const input = {
      t,
      uid: d.uid,
      csrf: csrf.token(req, reply),
      appName: await s.appName(d.params.client_id),
      email: typed ?? flow.email ?? (typeof d.params.login_hint === 'string' ? d.params.login_hint : undefined),
      errors,
      signupEnabled: config.signupEnabled,
      sessionPerson: !!flow.userId || !!dataOf(flow).reauthenticate,
    };
    if (flow.step === 'password') return reply.code(status).type('text/html').send(passwordPage(input));
    // A fresh WebAuthn challenge for "Sign in with a passkey" each time the email page is shown.
    const passkey = await passkeyLoginOptions(ceremony);
    await s.saveFlow({ ...flow, data: { ...flow.data, passkey: passkey.state } });
    return reply.code(status).type('text/html').send(emailPage({ ...input, passkeyOptions: passkey.display.options }));
  }

  // A form's own address asked for as a page: the address bar of a browser without script shows it
  // after a page drawn in answer to the form (decision 0024). The sign-in's page, as it now stands,
  // with the one thing its address may choose: the method ("Try another way").
  for (const form of ['email', 'password', 'passkey', 'mfa']) {
    app.get<{ Params: { uid: string }; Querystring: { method?: unknown } }>(`/interaction/:uid/${form}`, async (req, reply) => {
      const method = typeof req.query.method === 'string' ? `?method=${encodeURIComponent(req.query.method)}` : '';
      return reply.redirect(`/interaction/${encodeURIComponent(req.params.uid)}${method}`, 303);
    });
  }

  app.get<{ Params: { uid: string } }>('/interaction/:uid', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d) return reply;
    if (d.prompt.name === 'login') {
      // An essential acr Gatehouse never issues: no factor can meet it, so none is asked for.
      if (unknownEssentialAcr(d.params)) return s.finish(req, reply, { error: 'unmet_authentication_requirements', error_description: 'The requested essential acr is not supported.' });
      const flow = await s.flowFor(d);
      const e = await s.evaluate(req, d, flow);
      if (e === 'stale') return s.refuseStale(req, reply, d, flow);
      if (!e) return renderLogin(req, reply, d, flow);
      // The gate decides what this flow still needs; this page only shows it.
      const data = dataOf(flow);
      if (data.recovered) return renderRecovered(deps, s, req, reply, d, e.user);
      if (data.wizardAfterReset) return reply.redirect(`/interaction/${d.uid}/enroll`, 303);
      switch (e.decision.step) {
        case 'satisfied':
          return s.completeLogin(req, reply, d, flow, { ...e, decision: e.decision }, auditContext(req, String(d.params.client_id)));
        case 'first_factor': {
          // The session's earlier password does not count here: ask for it again, the email known.
          const again: LoginFlow = { ...flow, step: 'password' };
          await s.saveFlow(again);
          return renderLogin(req, reply, d, again);
        }
        case 'second_factor':
          return renderChallenge(deps, s, req, reply, d, flow, { ...e, decision: e.decision });
        case 'enroll':
          return reply.redirect(`/interaction/${d.uid}/enroll`, 303);
        case 'deny':
          return s.finish(req, reply, { error: e.decision.code, error_description: 'No method of this person can meet what the application asked for.' });
      }
    }
    if (d.prompt.name === 'consent') {
      const row = await findClientRow(db, String(d.params.client_id));
      if (row?.first_party) return s.finish(req, reply, { consent: { grantId: await grantFor(provider, d, true) } });
      const scopes = [...new Set([...((d.prompt.details.missingOIDCScope as string[] | undefined) ?? []), ...Object.values((d.prompt.details.missingResourceScopes as Record<string, string[]> | undefined) ?? {}).flat()])];
      return reply.type('text/html').send(consentPage({ t, uid: d.uid, csrf: csrf.token(req, reply), appName: row?.name ?? String(d.params.client_id), scopes }));
    }
    return reply.code(400).type('text/html').send(errorPage(t, t('error.generic'), 'unsupported_prompt'));
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/email', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    const flow = await s.flowFor(d);
    if (d.prompt.name !== 'login' || (flow.step !== 'email' && flow.step !== 'password')) return reply.redirect(`/interaction/${d.uid}`, 303);
    // The browser's session names the person (a re-authentication, or a first factor asked again):
    // no address posted here changes who signs in, as "Not you?" does not either — signing out does.
    if (flow.userId || dataOf(flow).reauthenticate) return reply.redirect(`/interaction/${d.uid}`, 303);
    const email = (field(req, 'email') ?? '').trim();
    if (!email) return renderLogin(req, reply, d, { ...flow, step: 'email', email: '' }, [{ field: 'email', message: t('login.email_required') }], 400);
    // What was typed is shown again as untrusted text, not stored: PostgreSQL refuses a NUL (breaker).
    if (!isPlausibleEmail(email)) return renderLogin(req, reply, d, { ...flow, step: 'email', email: null }, [{ field: 'email', message: t('login.email_invalid') }], 400, cleanText(email, 254));
    const next: LoginFlow = { ...flow, email: canonicalEmail(email), step: 'password', userId: null, amr: [], data: {} };
    await s.saveFlow(next);
    // The password page is this answer (decision 0024): the GET that followed only read the flow back.
    return renderLogin(req, reply, d, next);
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/restart', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    // The push request of the person this sign-in was for stops waiting, and frees their one slot:
    // the sign-in may go on as someone else, who must not leave it on the first person's phone (breaker).
    // Starting again always wins, over the flow as it is when deleted: a password step that stored
    // its person (and started a push) between this read and the delete is read again (breaker).
    for (let tries = 0; ; tries++) {
      const flow = await loadLoginFlow(db, clock, d.uid);
      if (flow?.userId) await cancelPending(deps, flow.userId, signInRef(d.uid));
      if (!flow) break;
      try {
        await deleteLoginFlow(db, d.uid, tries < 3 ? { ifUnchanged: flow } : {});
        break;
      } catch (err) {
        if (!(err instanceof FlowChanged)) throw err;
      }
    }
    return reply.redirect(`/interaction/${d.uid}`, 303);
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/password', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    const flow = await s.flowFor(d);
    if (d.prompt.name !== 'login' || flow.step !== 'password' || !flow.email) return reply.redirect(`/interaction/${d.uid}`, 303);
    // The page this password was typed on named another address (an older tab, before an email was
    // posted in another): it is not checked against this one; the page as it stands is drawn. A field
    // of its own, hidden, which no password manager fills in (`username` is theirs).
    const named = field(req, 'for');
    if (named !== undefined && canonicalEmail(named) !== flow.email) return reply.redirect(`/interaction/${d.uid}`, 303);
    const password = field(req, 'password');
    if (!password) return renderLogin(req, reply, d, flow, [{ field: 'password', message: t('login.password_required') }], 400);

    const where = auditContext(req, String(d.params.client_id));
    // The browser's device cookie for this account (if any) gives it its own budget; a right password renews it.
    const result = await checkPassword(deps, flow.email, password, where, { cookies: req.cookies });
    if (result.deviceCookie) {
      reply.setCookie(result.deviceCookie.name, result.deviceCookie.value, result.deviceCookie.options);
      // The rest of this request sees the renewed cookie: the old nonce no longer names a known browser.
      (req.cookies as Record<string, string | undefined>)[result.deviceCookie.name] = result.deviceCookie.value;
    }
    if (!result.ok) {
      if (result.reason === 'unverified' && result.user) {
        await sendVerificationEmail(deps, result.user, d.uid);
        return renderLogin(req, reply, d, flow, [{ field: 'password', message: t('login.unverified') }], 400);
      }
      const message = result.reason === 'throttled' ? t('login.throttled') : t('login.invalid');
      return renderLogin(req, reply, d, flow, [{ field: 'password', message }], result.reason === 'throttled' ? 429 : 400);
    }
    const user = result.user;
    if (flow.userId && flow.userId !== user.id) return reply.redirect(`/interaction/${d.uid}`, 303);
    const earlier = (dataOf(flow).proofs ?? []).filter((p) => p.source === 'session');
    const methods = await listActiveMethods(db, user.id);
    const bound = s.bind(flow, user, methods, [...earlier, { source: 'password', amr: ['pwd'], at: clock.now() }]);
    return s.advance(req, reply, d, bound, { user, methods });
  });

  // Passkey sign-in without the email: the passkey (with user verification) is both factors.
  app.post<{ Params: { uid: string } }>('/interaction/:uid/passkey', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    const flow = await s.flowFor(d);
    if (d.prompt.name !== 'login' || (flow.step !== 'email' && flow.step !== 'password') || !flow.data.passkey) return reply.redirect(`/interaction/${d.uid}`, 303);
    const where = auditContext(req, String(d.params.client_id));
    let input: unknown;
    try {
      input = JSON.parse(field(req, 'credential') ?? '');
    } catch {
      input = undefined;
    }
    // The challenge is single-use: it is dropped before the answer is checked.
    await s.saveFlow({ ...flow, data: { ...flow.data, passkey: undefined } });
    // Held to the same limits as the password step: attempts are reserved per client address before
    // the assertion is checked (not per account: an unknown credential names nobody, and a stranger
    // must not lock a person out); a verified passkey gives its count back.
    const ip = where.ip ?? 'unknown';
    if (!(await reservePasskeyAttempt(deps, ip))) {
      await audit(db, clock, { ...where, event: 'login.passkey.throttled' });
      return renderLogin(req, reply, d, { ...flow, step: 'email' }, [{ field: 'email', message: t('login.throttled') }], 429);
    }
    const v = await verifyPasskeyLogin(ceremony, input, flow.data.passkey as Record<string, unknown>);
    const user = v.ok ? await findUserById(db, v.method.userId) : undefined;
    if (!v.ok || !user || user.disabled) {
      await audit(db, clock, { ...where, event: 'login.passkey.failed', userId: v.ok ? v.method.userId : (v.method?.userId ?? null), details: { reason: v.ok ? 'account_disabled' : v.reason } });
      return renderLogin(req, reply, d, { ...flow, step: 'email' }, [{ field: 'email', message: t(!v.ok && v.reason === 'cloned' ? 'mfa.webauthn.cloned' : 'passkey.failed') }], 400);
    }
    await passkeyAccepted(deps, ip);
    await audit(db, clock, { ...where, event: 'login.passkey.succeeded', userId: user.id, details: { methodId: v.method.id } });
    const methods = await listActiveMethods(db, user.id);
    const bound = s.bind(flow, user, methods, [{ source: 'passkey', amr: v.amr, at: clock.now(), methodId: v.method.id }]);
    return s.advance(req, reply, d, bound, { user, methods });
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/consent', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    if (d.prompt.name !== 'consent') return reply.redirect(`/interaction/${d.uid}`, 303);
    if (field(req, 'decision') !== 'allow') {
      return s.finish(req, reply, { error: 'access_denied', error_description: 'The person denied access.' });
    }
    return s.finish(req, reply, { consent: { grantId: await grantFor(provider, d, false) } });
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/abort', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    const flow = await s.flowFor(d);
    const e = await s.evaluate(req, d, flow);
    await deleteLoginFlow(db, d.uid);
    // Cancelling where no method of the person can meet what the app asked for tells the app so.
    if (e && e !== 'stale' && e.decision.step === 'enroll' && e.decision.afterProof) {
      return s.finish(req, reply, { error: 'unmet_authentication_requirements', error_description: 'The person has no method that meets the requested authentication.' });
    }
    const denied = (flow.data as { pushDenied?: boolean }).pushDenied === true;
    return s.finish(req, reply, { error: 'access_denied', error_description: denied ? "The sign-in was denied on the person's phone." : 'The person cancelled the sign-in.' });
  });

  registerSecondFactorRoutes(app, deps, s);
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
