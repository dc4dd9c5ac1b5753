import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { HttpDeps } from './deps.ts';
import type { User } from '../store/users.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { errorPage } from './pages/error.ts';
import { auditContext } from './request-context.ts';
import { goTo, isHeld } from './held-reply.ts';
import { deleteLoginFlow, loadLoginFlow, saveLoginFlow, type LoginFlow } from '../store/login-flows.ts';
import { cachedClientRow } from '../store/clients.ts';
import { findUserById } from '../store/users.ts';
import { findUserWithActiveMethods, listActiveMethods, type MethodRecord } from '../methods/records.ts';
import { deviceCookieName } from '../security/remembered-devices.ts';
import { signInRequirementFor } from '../policy/requirement-for.ts';
import { clientAddress } from '../security/client-address.ts';
import { presentedDevice } from '../security/device-cookie.ts';
import { noteDevice } from '../store/known-devices.ts';
import { browserKnown } from './browser-risk.ts';
import { issueDeviceCookie } from '../security/device-cookie.ts';
import { noticeNewDevice } from '../flows/new-device-notice.ts';
import { describeUserAgent } from './user-agent-label.ts';
import { stepUpAction } from '../oidc/step-up-action.ts';
import { recordSignIn } from '../policy/risk/history.ts';
import { requestedAcrs, unknownEssentialAcr, type Requirement } from '../gate/requirement.ts';
import { hasSecondFactorAmr, latestProofAt, sessionProof, type Proof } from '../gate/evidence.ts';
import { decide, type Decision } from '../gate/decide.ts';
import { credentialsFingerprint } from '../gate/fingerprint.ts';
import { TTL } from '../oidc/provider.ts';

export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
export type Req = FastifyRequest<{ Params: { uid: string } }>;

const FLOW_TTL_MS = TTL.Interaction * 1000;

/**
 * What the sign-in flow keeps between steps (in `login_flows.data`): the proofs with their times,
 * whether the person had 2FA when the first factor was given, and the fingerprint of the
 * credentials it was given against.
 */
export interface FlowData {
  proofs?: Proof[];
  hadMethods?: boolean;
  fingerprint?: string;
  /** prompt=login / max_age: the session's earlier proofs do not count. */
  reauthenticate?: boolean;
  /** A recovery code was used: the "review your methods" interstitial comes before the app. */
  recovered?: boolean;
  /** "Reset two-step verification" after a recovery code: the wizard runs before the app. */
  wizardAfterReset?: boolean;
  [key: string]: unknown;
}

export const dataOf = (flow: LoginFlow) => flow.data as FlowData;

/** The gate's view of a flow whose person is known. */
export interface Evaluation {
  user: User;
  methods: MethodRecord[];
  requirement: Requirement;
  decision: Decision;
}

/**
 * What a route already read in this request: the person and their active methods, and the
 * requirement when the gate was asked earlier in the request (a factor proven since changes the
 * evidence the gate decides on, not what the app, the company and the browser require).
 */
export interface Known {
  user: User;
  methods: MethodRecord[];
  requirement?: Requirement;
}

/**
 * The pages a step's answer may draw at once instead of sending the browser to `GET /interaction/:uid`
 * for them (the routes draw them; this module only knows when).
 */
export interface NextPages {
  /** The second-factor page of a flow the gate sends there; it stores the flow (with the method shown). */
  secondFactor(req: Req, reply: FastifyReply, d: Details, flow: LoginFlow, e: Evaluation & { decision: { step: 'second_factor' } }): Promise<FastifyReply>;
}

/** What every interaction route needs: the interaction, its stored flow, the gate, and how to finish. */
export function interactionSupport(deps: HttpDeps, pages?: NextPages) {
  const { provider, t, db, clock, csrf } = deps;

  const support = {
    /**
     * The interaction of this request, or undefined when the reply is already sent: an error page,
     * or — once its login step has ended, signed in or cancelled (a form sent twice, a second tab, a
     * held Continue the page gave up on) — where the browser goes on to, as the first answer told it:
     * no step runs again, and no second sign-in can replace the first's result (breaker).
     */
    async details(req: Req, reply: FastifyReply): Promise<Details | undefined> {
      let d: Details;
      try {
        d = await provider.interactionDetails(req.raw, reply.raw);
        if (d.uid !== req.params.uid) throw new Error('uid mismatch');
      } catch {
        reply.code(400).type('text/html').send(errorPage(t, t('error.interaction_expired'), 'interaction_expired'));
        return undefined;
      }
      if (d.prompt.name === 'login' && d.result) {
        // A page's event stream is no navigation: EventSource would follow a redirect to
        // /authorize/:uid and use the sign-in up there, out of the person's sight (breaker). It ends for good.
        if (/\btext\/event-stream\b/.test(String(req.headers.accept ?? ''))) reply.code(204).send();
        else goTo(req, reply, d.returnTo);
        return undefined;
      }
      return d;
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

    /**
     * The flow of this interaction. A new one starts at the email page; when the browser's session
     * is known (single sign-on, step-up) it carries the session's proofs as of its `auth_time` —
     * none when the app asks the person to authenticate again (prompt=login, max_age), which starts
     * at the password with the email known.
     */
    async flowFor(d: Details): Promise<LoginFlow> {
      const stored = await loadLoginFlow(db, clock, d.uid);
      if (stored) return stored;
      const fresh: LoginFlow = { uid: d.uid, email: null, userId: null, step: 'email', amr: [], data: {} };
      const accountId = d.session?.accountId;
      const user = accountId ? await findUserById(db, accountId) : undefined;
      if (!user || user.disabled) return fresh;
      const reasons = d.prompt.reasons;
      // The app names another person (id_token_hint, claims sub): the session's person cannot answer it.
      if (reasons.includes('id_token_hint') || reasons.includes('claims_id_token_sub_value')) return fresh;
      const reauthenticate = reasons.includes('login_prompt') || reasons.includes('max_age') || reasons.includes('no_session');
      if (reauthenticate) {
        const flow: LoginFlow = { ...fresh, email: user.email, step: 'password', data: { reauthenticate: true } };
        await support.saveFlow(flow);
        return flow;
      }
      const session = d.session?.cookie ? await provider.Session.find(d.session.cookie) : undefined;
      const proofs = sessionProof(d.session?.amr, session?.authTime());
      const bound = support.bind(fresh, user, await listActiveMethods(db, user.id), proofs);
      await support.saveFlow(bound);
      return bound;
    },

    /** Stores a sign-in's flow over the version this request read ({@link FlowChanged} when another request moved it on). */
    saveFlow(flow: LoginFlow): Promise<void> {
      return saveLoginFlow(db, clock, flow, FLOW_TTL_MS, { ifUnchanged: true });
    },

    /** Binds a flow to its person at the first factor: whether they had 2FA, and their credentials now. */
    /**
     * Binds a flow to its person at the first factor: whether they had 2FA, and their credentials now.
     * Not stored here: {@link advance} stores it unless the sign-in finishes at once.
     */
    bind(flow: LoginFlow, user: User, methods: MethodRecord[], proofs: Proof[]): LoginFlow {
      const data: FlowData = { ...dataOf(flow), proofs, hadMethods: methods.length > 0, fingerprint: credentialsFingerprint(user, methods), passkey: undefined };
      return { ...flow, email: user.email, userId: user.id, step: 'factors', amr: proofs.flatMap((p) => p.amr), data };
    },

    /** Adds a factor proven in this flow (stored by the caller, or by {@link advance}). */
    prove(flow: LoginFlow, proof: Omit<Proof, 'at'>): LoginFlow {
      const proofs = [...(dataOf(flow).proofs ?? []), { ...proof, at: clock.now() }];
      return { ...flow, amr: [...new Set([...flow.amr, ...proof.amr])], data: { ...flow.data, proofs } };
    },

    /**
     * After a change the flow made itself (a method enrolled in its wizard, a reset after a recovery
     * code), its credentials fingerprint follows, so that only changes made elsewhere end it.
     */
    async rebind(flow: LoginFlow, user: User): Promise<LoginFlow> {
      const fresh = (await findUserById(db, user.id)) ?? user;
      const next: LoginFlow = { ...flow, data: { ...flow.data, fingerprint: credentialsFingerprint(fresh, await listActiveMethods(db, user.id)) } };
      await support.saveFlow(next);
      return next;
    },

    /**
     * The gate's answer for a flow whose first factor is known, or 'stale' when the person's password,
     * methods or "sessions valid after" changed since the flow started, or the account is gone.
     */
    async evaluate(req: FastifyRequest, d: Details, flow: LoginFlow, known?: Known): Promise<Evaluation | 'stale' | undefined> {
      if (!flow.userId) return undefined;
      const mine = known?.user.id === flow.userId ? known : undefined;
      const found = mine ?? (await findUserWithActiveMethods(db, flow.userId));
      if (!found || found.user.disabled) return 'stale';
      const { user, methods } = found;
      const data = dataOf(flow);
      if (data.fingerprint !== credentialsFingerprint(user, methods)) return 'stale';
      // The requirement depends on the person, the app, the browser and the request, never on the
      // flow's proofs: one asked earlier in this same request is decided again with the new evidence.
      const requirement =
        mine?.requirement ??
        (await signInRequirementFor(deps, {
          user,
          clientId: String(d.params.client_id),
          methodTypes: methods.map((m) => m.type),
          deviceToken: (req.cookies as Record<string, string | undefined>)[deviceCookieName(deps, user.id)],
          ip: clientAddress(req.ip, undefined, []),
          deviceKnown: browserKnown(deps, user, req),
          request: { acrs: requestedAcrs(d.params), reauthenticate: !!data.reauthenticate, unknownEssentialAcr: unknownEssentialAcr(d.params) },
        }));
      const evidence = { proofs: data.proofs ?? [], hadMethods: !!data.hadMethods };
      return { user, methods, requirement, decision: decide({ requirement, evidence, methodTypes: methods.map((m) => m.type), methods, now: clock.now() }) };
    },

    /** A flow that outlived a change of the person's credentials: it ends here, the sign-in starts again. */
    async refuseStale(req: FastifyRequest, reply: FastifyReply, d: Details, flow: LoginFlow) {
      await deleteLoginFlow(db, d.uid);
      await audit(db, clock, { ...auditContextOf(req, d), event: 'login.flow.stale', userId: flow.userId });
      // A held Continue's script draws the page again: the sign-in starts at the email.
      if (isHeld(req)) return reply.code(409).send({ status: 'stale' });
      return reply.code(409).type('text/html').send(errorPage(t, t('error.sign_in_stale'), 'sign_in_stale'));
    },

    async finish(req: FastifyRequest, reply: FastifyReply, result: InteractionResults) {
      const url = await provider.interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: false });
      return goTo(req, reply, url);
    },

    /**
     * Ends the login step with what the gate found proven. Only a factor proven in this flow moves
     * `auth_time`; a session that already met the request keeps its own (issue 6, bypass 2).
     */
    async completeLogin(req: FastifyRequest, reply: FastifyReply, d: Details, flow: LoginFlow, e: Evaluation & { decision: { step: 'satisfied' } }, where: AuditContext) {
      const { acr, amr, reasons } = e.decision;
      const proofs = dataOf(flow).proofs ?? [];
      const provenAt = latestProofAt(proofs);
      const sessionAt = proofs.find((p) => p.source === 'session')?.at;
      // Only the flow as this request read it ends in a sign-in: one that another request moved on
      // meanwhile ("Not you?", a second tab) is not completed from a stale reading (decision 0025).
      await deleteLoginFlow(db, d.uid, { ifUnchanged: flow });
      // The gate's reasons travel with the outcome: one row says what was required and what was proven,
      // and what for, where the application said so (a step-up's `gatehouse_action`).
      const action = stepUpAction(d.params);
      await audit(db, clock, { ...where, event: 'login.succeeded', userId: e.user.id, details: { acr, amr, renewed: provenAt !== undefined, reasons, ...(action ? { action } : {}) } });
      // A browser that completes a sign-in with a second factor becomes known to the person (adaptive
      // risk); one that completes it with the password alone is only seen. A sign-in without a device
      // cookie (a passkey's) gets one, so the next sign-in from this browser is not "new" again.
      let device = presentedDevice(deps, e.user.id, req.cookies as Record<string, string | undefined>);
      if (!device && provenAt !== undefined) {
        const cookie = issueDeviceCookie(deps, e.user.id);
        reply.setCookie(cookie.name, cookie.value, cookie.options);
        device = cookie.nonce;
      }
      const twoFactor = hasSecondFactorAmr({ source: 'session', amr, at: 0 });
      if (device && (twoFactor || provenAt !== undefined)) {
        const firstTime = await noteDevice(db, clock, e.user.id, device, twoFactor, e.user.sessions_valid_after);
        if (firstTime && provenAt !== undefined) {
          const browser = describeUserAgent(t, req.headers['user-agent'] ?? '');
          await noticeNewDevice(deps, e.user, { browser, ip: clientAddress(req.ip, undefined, []), app: await support.appName(d.params.client_id) }, where);
        }
      }
      // Only a sign-in proven now, and with every factor the person has, joins the history the risk
      // checks compare with (countries, travel): a password alone — at a Bypass app, say — must not make
      // an attacker's country "one this person used before", nor the owner's next sign-in look like travel.
      if (provenAt !== undefined && (twoFactor || e.methods.length === 0)) await recordSignIn(deps, { userId: e.user.id, ip: clientAddress(req.ip, undefined, []), deviceKnown: !!device && twoFactor, now: clock.now() });
      const ts = provenAt === undefined && sessionAt !== undefined ? { ts: Math.floor(sessionAt / 1000) } : {};
      return support.finish(req, reply, { login: { accountId: e.user.id, acr, amr, remember: true, ...ts } });
    },

    /**
     * After a step made progress: finish when the gate is satisfied; otherwise store the flow, audit
     * what the gate asks for and why, and show the next page. A form's answer that leads to the second
     * factor is that page (decision 0024: one round trip fewer, and the gate is not asked twice); the
     * other steps, and a held Continue's answer, send the browser to GET /interaction/:uid, which
     * draws whatever the flow is at.
     */
    async advance(req: FastifyRequest, reply: FastifyReply, d: Details, flow: LoginFlow, known?: Known) {
      const e = await support.evaluate(req, d, flow, known);
      if (e === 'stale') return support.refuseStale(req, reply, d, flow);
      const data = dataOf(flow);
      // After a recovery code, its review (or the wizard after a reset) comes first: GET draws it.
      const interstitial = !!data.recovered || !!data.wizardAfterReset;
      if (e && e.decision.step === 'satisfied' && !interstitial) {
        return support.completeLogin(req, reply, d, flow, e as Evaluation & { decision: { step: 'satisfied' } }, auditContextOf(req, d));
      }
      if (e && e.decision.step !== 'satisfied') {
        await audit(db, clock, { ...auditContextOf(req, d), event: 'policy.decision', userId: e.user.id, details: { step: e.decision.step, reasons: e.decision.reasons, ...(stepUpAction(d.params) ? { action: stepUpAction(d.params) } : {}) } });
      }
      // What GET /interaction/:uid would draw for this flow, drawn here (it stores the flow itself).
      if (pages && e && e.decision.step === 'second_factor' && d.prompt.name === 'login' && !interstitial && !isHeld(req)) {
        return pages.secondFactor(req as Req, reply, d, flow, e as Evaluation & { decision: { step: 'second_factor' } });
      }
      await support.saveFlow(flow);
      return goTo(req, reply, `/interaction/${d.uid}`);
    },
  };
  return support;
}

const auditContextOf = (req: FastifyRequest, d: Details): AuditContext => auditContext(req, String(d.params.client_id));

export type InteractionSupport = ReturnType<typeof interactionSupport>;
