import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import { field, auditContext } from '../request-context.ts';
import { challengePage, recoveredPage } from '../pages/mfa.ts';
import type { FieldError } from '../pages/layout.ts';
import { FlowChanged, type LoginFlow } from '../../store/login-flows.ts';
import type { User } from '../../store/users.ts';
import type { MethodRecord } from '../../methods/records.ts';
import { methodFor } from '../../methods/registry.ts';
import { remainingRecoveryCodes } from '../../methods/recovery/codes.ts';
import { verifySecondFactor, type FactorChoice } from '../../flows/second-factor.ts';
import { deviceCookieName, rememberDevice, REMEMBER_DEVICE_MS } from '../../security/remembered-devices.ts';
import { resetSecondFactors } from '../../flows/reset-2fa.ts';
import { ENROLL_KINDS, typeOf, type EnrollKind, type WizardState } from '../../flows/enrollment.ts';
import { audit } from '../../store/audit.ts';
import { waitText } from '../../i18n/duration.ts';
import { ceremonyContext } from '../ceremony-context.ts';
import { stepUpAction } from '../../oidc/step-up-action.ts';
import { whyAsked } from '../../policy/why.ts';
import { dataOf, type Details, type Evaluation, type InteractionSupport, type Req } from '../interaction-support.ts';
import { registerWizard, type WizardHost } from './wizard.ts';
import { holdUntilAnswered, pushRequestFor, requestContext, streamRequest } from '../push-flow.ts';
import { goTo, holdReply } from '../held-reply.ts';
import { emailCheckFor } from '../browser-risk.ts';
import { pushDeniedPage, type PushChallengeView } from '../pages/push.ts';
import { signInRef, type PushChallengeState } from '../../methods/push/index.ts';
import { cancelPending, findChallenge } from '../../methods/push/challenges.ts';

/** What a request id looks like (src/methods/push/challenges.ts `findChallenge` reads no other). */
const CHALLENGE_ID = /^[\w-]{1,64}$/;

/** The gate's choices in the order a person expects them: the default method's type first, recovery last. */
function ordered(choices: readonly string[], methods: readonly MethodRecord[]): FactorChoice[] {
  const defaultType = methods.find((m) => m.isDefault)?.type;
  return [...choices].sort((a, b) => Number(b === defaultType) - Number(a === defaultType) || Number(a === 'recovery') - Number(b === 'recovery')) as FactorChoice[];
}

/** The challenge page of a flow at the second factor, with the choices the gate allows. */
export async function renderChallenge(
  deps: HttpDeps,
  s: InteractionSupport,
  req: Req,
  reply: FastifyReply,
  d: Details,
  flow: LoginFlow,
  e: Evaluation & { decision: { step: 'second_factor' } },
  o: { errors?: FieldError[]; status?: number; pushNotice?: string } = {},
) {
  const { t, csrf } = deps;
  const { user, methods } = e;
  const choices = ordered(e.decision.choices, methods);
  const asked = (req.query as Record<string, unknown>).method;
  const previous = flow.data.choice as FactorChoice | undefined;
  const choice = choices.includes(asked as FactorChoice) ? (asked as FactorChoice) : previous && choices.includes(previous) ? previous : choices[0]!;
  let webauthnOptions: unknown;
  let challenge: Record<string, unknown> = {};
  if (choice === 'webauthn') {
    const started = await methodFor('webauthn')!.startChallenge(ceremonyContext(deps), user, methods);
    webauthnOptions = started.display.options;
    challenge = started.state;
  }
  let push: PushChallengeView | undefined;
  let pushStartedHere = false;
  if (choice === 'push') {
    // One request per sign-in: a page drawn again shows the same number until the request ends.
    const appName = await s.appName(d.params.client_id);
    const started = await pushRequestFor(deps, req, user, methods, { kind: 'sign_in', flowRef: signInRef(d.uid), targets: null, context: requestContext(req, appName, stepUpAction(d.params)) }, (id) => `/interaction/${d.uid}/push/wait?request=${encodeURIComponent(id)}`);
    push = { ...started.view, notice: o.pushNotice };
    challenge = { ...started.state };
    pushStartedHere = started.startedHere;
  } else if (methods.some((m) => m.type === 'push')) {
    // The person chose another way: the request of this sign-in stops waiting (and frees the person's one slot).
    await cancelPending(deps, user.id, signInRef(d.uid));
  }
  try {
    await s.saveFlow({ ...flow, data: { ...flow.data, choice, challenge } });
  } catch (err) {
    // The flow moved on while this request started a push ("Not you?" during the password's check):
    // that request stops waiting now instead of staying on the phone for its minute (breaker).
    if (err instanceof FlowChanged && pushStartedHere) await cancelPending(deps, user.id, signInRef(d.uid));
    throw err;
  }
  return reply.code(o.status ?? 200).type('text/html').send(
    challengePage({
      t,
      action: `/interaction/${d.uid}/mfa`,
      csrf: csrf.token(req, reply),
      appName: await s.appName(d.params.client_id),
      choice,
      others: choices,
      switchUrl: `/interaction/${d.uid}`,
      webauthnOptions,
      push,
      offerRemember: !e.requirement.stepUp && e.requirement.rememberDeviceDays !== 0,
      errors: o.errors ?? [],
      stepUp: e.requirement.stepUp,
      purpose: stepUpAction(d.params),
      abortAction: `/interaction/${d.uid}/abort`,
      why: e.requirement.stepUp ? undefined : whyAsked(t, e.requirement.reasons, { app: await s.appName(d.params.client_id), org: e.requirement.orgName }),
      notice: e.decision.reasons.includes('prove_before_enrolling') ? t('mfa.prove_before_enrolling', { app: await s.appName(d.params.client_id) }) : undefined,
    }),
  );
}

/** After a recovery code: what happened, and "Reset two-step verification" or continue. */
export async function renderRecovered(deps: HttpDeps, s: InteractionSupport, req: Req, reply: FastifyReply, d: Details, user: User) {
  const { t, csrf } = deps;
  return reply.type('text/html').send(
    recoveredPage({ t, csrf: csrf.token(req, reply), continueAction: `/interaction/${d.uid}/recovered/continue`, resetAction: `/interaction/${d.uid}/recovered/reset`, remaining: await remainingRecoveryCodes(deps, user.id), appName: await s.appName(d.params.client_id) }),
  );
}

export function registerSecondFactorRoutes(app: FastifyInstance, deps: HttpDeps, s: InteractionSupport): void {
  const { t, db, clock } = deps;
  const ceremony = ceremonyContext(deps);
  const secureCookies = new URL(deps.config.issuer).protocol === 'https:';

  /** The interaction and its flow for a POST (its CSRF token checked), or undefined when the reply is already sent. */
  async function open(req: Req, reply: FastifyReply) {
    // A sign-in whose login step already ended is sent on by `details`.
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return undefined;
    return { d, flow: await s.flowFor(d) };
  }

  /** The gate's answer for a flow, or undefined when the flow is stale (refused, the reply sent). */
  async function judge(req: Req, reply: FastifyReply, d: Details, flow: LoginFlow) {
    const e = await s.evaluate(req, d, flow);
    if (e === 'stale') {
      await s.refuseStale(req, reply, d, flow);
      return undefined;
    }
    return { e };
  }

  /** The flow and the gate's answer for a POST, or undefined when the reply is already sent. */
  async function load(req: Req, reply: FastifyReply) {
    const o = await open(req, reply);
    const j = o && (await judge(req, reply, o.d, o.flow));
    return o && j ? { ...o, ...j } : undefined;
  }

  app.post<{ Params: { uid: string } }>('/interaction/:uid/mfa', async (req, reply) => {
    // The push page's script sends its Continue at once and this request waits for the phone's answer
    // (static/push-wait.js): one request where an event stream and then the form were two.
    const held = field(req, 'wait') === '1';
    if (held) holdReply(req);
    const o = await open(req, reply);
    if (!o) return reply;
    const { d, flow } = o;
    const choice = field(req, 'method') as FactorChoice | undefined;
    const code = field(req, 'code');
    const state = (flow.data.challenge as Record<string, unknown> | undefined) ?? {};
    // A held Continue waits before the person and the gate are read: it keeps the least while it waits.
    // It goes on only with the approval. Anything else is its page's to show, and nothing is recorded
    // for it here: the page sends its form after a denial (which records it), draws itself again when
    // the request ended, and asks again when there is no answer yet.
    let answered: Awaited<ReturnType<typeof pushAnswerState>>['state'] | undefined;
    if (held && choice === 'push' && code === undefined && flow.userId) {
      const userId = flow.userId;
      const read = () => pushAnswerState(deps, userId, state as PushChallengeState, d.uid);
      const challengeId = (state as PushChallengeState).challengeId;
      // An approval's event is taken at its word here: the check that follows consumes it in the store.
      const approved = (payload: unknown) => ((payload as { status?: unknown } | null)?.status === 'approved' ? ('answered' as const) : undefined);
      const outcome = challengeId ? await holdUntilAnswered(deps, reply, challengeId, read, (p) => p === 'pending', approved) : await read();
      // Let go before anything could be told: asked again (the server closing), or by the stream (a newer held Continue).
      if ('letGo' in outcome) return reply.send({ status: outcome.letGo === 'closing' ? 'pending' : 'superseded' });
      answered = outcome.state;
      if (answered !== 'answered') return reply.send({ status: answered });
    }
    const j = await judge(req, reply, d, flow);
    if (!j) return reply;
    const { e } = j;
    // Only where the gate asks for a second factor; posting here at any other step skips nothing.
    if (d.prompt.name !== 'login' || !e || e.decision.step !== 'second_factor' || dataOf(flow).recovered) return goTo(req, reply, `/interaction/${d.uid}`);
    const { user, methods } = e;
    const where = auditContext(req, String(d.params.client_id));
    const choices = ordered(e.decision.choices, methods);
    // Dispatch on the method the person used; a method they do not have is refused like a wrong code.
    const input = choice === 'webauthn' ? parseJson(field(req, 'credential')) : choice === 'push' ? (code !== undefined ? { code } : { approval: true }) : code;
    if (choice === 'push' && code === undefined && choices.includes('push')) {
      // "Continue" before the phone answered changes nothing and counts nothing; a denial ends the attempt.
      const pending = answered ?? (await pushAnswerState(deps, user.id, state as PushChallengeState, d.uid)).state;
      if (pending === 'pending') return renderChallenge(deps, s, req, reply, d, flow, { ...e, decision: e.decision }, { pushNotice: t('mfa.push.not_yet') });
      if (pending === 'denied') {
        // The app is told it was denied, not cancelled, if the person returns to it from here.
        await s.saveFlow({ ...flow, data: { ...flow.data, pushDenied: true } });
        return reply.code(403).type('text/html').send(pushDeniedPage(t, { csrf: deps.csrf.token(req, reply), uid: d.uid }));
      }
      if (pending === 'ended') return renderChallenge(deps, s, req, reply, d, flow, { ...e, decision: e.decision }, { pushNotice: t('mfa.push.ended') });
    }
    // A WebAuthn challenge answers once: it is dropped before the answer is checked.
    if (choice === 'webauthn') await s.saveFlow({ ...flow, data: { ...flow.data, challenge: {} } });
    const result = choice && choices.includes(choice) ? await verifySecondFactor(ceremony, user, choice, input, state, where, methods) : await verifySecondFactor(ceremony, user, 'unoffered', undefined, {}, where, methods);

    if (!result.ok) {
      const message =
        result.reason === 'throttled' ? t('mfa.throttled_for', { wait: waitText(t, result.retryAfterMs ?? 1000) })
        : result.reason === 'locked' ? t('mfa.locked')
        : result.reason === 'cloned' ? t('mfa.webauthn.cloned')
        : choice === 'webauthn' ? t('mfa.webauthn.failed')
        : choice === 'push' && code === undefined ? t('mfa.push.failed')
        : choice === 'recovery' ? t('mfa.recovery.invalid')
        : result.reason === 'malformed' ? t('mfa.malformed')
        : result.reason === 'clock_skew' ? t('mfa.clock_skew')
        : t('mfa.invalid');
      const status = result.reason === 'throttled' || result.reason === 'locked' ? 429 : 400;
      // A held Continue's page draws itself again, with the request as it now stands.
      if (held) return reply.code(status).send({ status: 'failed' });
      const kept = { ...flow, data: { ...flow.data, choice: choice && choices.includes(choice) ? choice : flow.data.choice } };
      return renderChallenge(deps, s, req, reply, d, kept, { ...e, decision: e.decision }, { errors: [{ field: 'code', message }], status });
    }

    // Proven (by any method): a push request of this sign-in still waiting has nothing left to approve.
    // Proven by this sign-in's own approval, none is waiting: while its request was pending or approved,
    // every drawing of the page showed that request again instead of starting another, and the approval
    // was just consumed — the UPDATE would match nothing, so it is not sent.
    const byOwnApproval = choice === 'push' && code === undefined && (state as PushChallengeState).flowRef === signInRef(d.uid);
    if (!byOwnApproval && methods.some((m) => m.type === 'push')) await cancelPending(deps, user.id, signInRef(d.uid));
    let proven = s.prove(flow, { source: 'second_factor', amr: result.amr, methodId: result.method?.id });
    // "Remember this device" skips sign-in prompts, never a step-up: not offered there.
    if (field(req, 'remember') === '1' && !e.requirement.stepUp && e.requirement.rememberDeviceDays !== 0 && choice !== 'recovery') {
      // The company policy says how long (default 30 days); 0 turns remembering off.
      const lifetimeMs = e.requirement.rememberDeviceDays === undefined ? REMEMBER_DEVICE_MS : e.requirement.rememberDeviceDays * 24 * 3600 * 1000;
      const token = await rememberDevice(deps, user.id, String(req.headers['user-agent'] ?? 'Unknown browser'), req.ip, lifetimeMs);
      reply.setCookie(deviceCookieName(deps, user.id), token, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: lifetimeMs / 1000 });
      await audit(db, clock, { ...where, event: 'mfa.device.remembered', userId: user.id });
    }
    if (choice === 'recovery') {
      // Using a recovery code takes the person to review their methods before going on.
      proven = { ...proven, data: { ...proven.data, recovered: true } };
      await s.saveFlow(proven);
      return reply.redirect(`/interaction/${d.uid}`, 303);
    }
    // The gate decides again with the new proof, on the requirement it found at the start of this request.
    return s.advance(req, reply, d, proven, { user, methods, requirement: e.requirement });
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/recovered/continue', async (req, reply) => {
    const l = await load(req, reply);
    if (!l) return reply;
    const { d, flow, e } = l;
    if (d.prompt.name !== 'login' || !e || !dataOf(flow).recovered) return reply.redirect(`/interaction/${d.uid}`, 303);
    const next = { ...flow, data: { ...flow.data, recovered: false } };
    await s.saveFlow(next);
    return s.advance(req, reply, d, next);
  });

  // "I lost my phone": every method goes, every other session and app is signed out, the wizard opens.
  app.post<{ Params: { uid: string } }>('/interaction/:uid/recovered/reset', async (req, reply) => {
    const l = await load(req, reply);
    if (!l) return reply;
    const { d, flow, e } = l;
    if (d.prompt.name !== 'login' || !e || !dataOf(flow).recovered) return reply.redirect(`/interaction/${d.uid}`, 303);
    await resetSecondFactors(deps, deps.provider, e.user, { keepSessionId: undefined, where: auditContext(req, String(d.params.client_id)) });
    // The reset is this flow's own change: it goes on, bound to the credentials as they are now.
    await s.rebind({ ...flow, data: { ...flow.data, recovered: false, wizardAfterReset: true, wizard: { step: 'choose' } satisfies WizardState } }, e.user);
    return reply.redirect(`/interaction/${d.uid}/enroll`, 303);
  });

  // The challenge page's stream: says when this sign-in's request was answered (same origin, this browser's interaction).
  // The page names its request (`?request=`), so the flow is not read: only a request made for this
  // interaction is followed (any other ends the stream and the page is drawn again). A page drawn before
  // it named one is served from its flow.
  app.get<{ Params: { uid: string }; Querystring: { request?: unknown } }>('/interaction/:uid/push/wait', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d) return reply;
    const named = req.query.request;
    if (named !== undefined) {
      if (typeof named !== 'string' || !CHALLENGE_ID.test(named)) return reply.code(404).send({ error: 'not_found' });
      const ref = signInRef(d.uid);
      streamRequest(app, deps, req, reply, named, undefined, (row) => row.kind === 'sign_in' && row.flow_ref === ref);
      return reply;
    }
    const flow = await s.flowFor(d);
    const state = (flow.data.challenge as PushChallengeState | undefined) ?? {};
    if (flow.data.choice !== 'push' || !state.challengeId || state.flowRef !== signInRef(d.uid)) return reply.code(404).send({ error: 'not_found' });
    streamRequest(app, deps, req, reply, state.challengeId);
    return reply;
  });

  registerWizard(app, deps, '/interaction/:uid/enroll', async (req, reply): Promise<WizardHost | undefined> => {
    const r = req as Req;
    const d = await s.details(r, reply);
    if (!d) return undefined;
    let flow = await s.flowFor(d);
    const e = await s.evaluate(req, d, flow);
    if (e === 'stale') {
      await s.refuseStale(req, reply, d, flow);
      return undefined;
    }
    const data = dataOf(flow);
    const wizard = data.wizard as WizardState | undefined;
    // The steps after confirming show the outcome of an enrollment this flow already made.
    const showingOutcome = (wizard?.step === 'recovery' || wizard?.step === 'done') && (data.proofs ?? []).some((p) => p.source === 'enrollment' && p.methodId === wizard.methodId);
    const enroll = e && e.decision.step === 'enroll' ? e.decision : undefined;
    // The gate alone opens the wizard: a person who has 2FA reaches it only after proving a method here.
    if (d.prompt.name !== 'login' || !e || (!enroll && !data.wizardAfterReset && !showingOutcome)) {
      reply.redirect(`/interaction/${d.uid}`, 303);
      return undefined;
    }
    const user = e.user;
    const where = auditContext(req, String(d.params.client_id));
    const appName = await s.appName(d.params.client_id);
    // Only what the requirement accepts: phishing-resistant kinds, and the company policy's methods.
    // After a reset with a recovery code the gate may already be satisfied: the requirement still says what counts.
    const phishingOnly = enroll ? enroll.phishingResistantOnly : e.requirement.phishingResistant;
    const allowed = enroll ? enroll.allowed : e.requirement.allowedMethods;
    const kinds: readonly EnrollKind[] = ENROLL_KINDS.filter((k) => (!phishingOnly || typeOf(k) === 'webauthn') && (!allowed || allowed.includes(typeOf(k))));
    return {
      base: `/interaction/${d.uid}/enroll`,
      user,
      mode: data.wizardAfterReset ? 'required' : enroll?.optional ? 'suggested' : enroll?.afterProof ? 'stronger' : 'required',
      appName,
      cancelAction: `/interaction/${d.uid}/abort`,
      kinds,
      continueLabel: t('wizard.done.continue_app', { app: appName }),
      where,
      load: async () => flow.data.wizard as WizardState | undefined,
      save: async (next) => {
        flow = { ...flow, data: { ...flow.data, wizard: next } };
        const confirmed = next.amr && next.methodId && !(dataOf(flow).proofs ?? []).some((p) => p.methodId === next.methodId && p.source === 'enrollment');
        if (!confirmed) return s.saveFlow(flow);
        // Confirming the new method proved possession of it: evidence for this flow (the gate counts
        // it only where enrolling was allowed), and the flow's own change, not a stranger's.
        flow = s.prove(flow, { source: 'enrollment', amr: next.amr!, methodId: next.methodId });
        flow = await s.rebind(flow, user);
      },
      complete: async (rep) => {
        const next = { ...flow, data: { ...flow.data, wizard: undefined, wizardAfterReset: false } };
        await s.saveFlow(next);
        return s.advance(req, rep, d, next);
      },
      // After a 2FA reset with a recovery code this flow proved more than a password: no email code.
      emailCheck: data.wizardAfterReset ? async () => undefined : emailCheckFor(deps, user, req, async () => e.methods.length),
      later: async (rep) => {
        const until = clock.now() + deps.config.enrollmentReminderDays * 24 * 3600 * 1000;
        await db.insertInto('mfa_state').values({ user_id: user.id, remind_after: until }).onConflict((oc) => oc.column('user_id').doUpdateSet({ remind_after: until })).execute();
        await audit(db, clock, { ...where, event: 'mfa.enrollment.postponed', userId: user.id, details: { until } });
        // The app's rule is asked again: "Remind me later" finishes only where the rule allows it.
        return s.advance(req, rep, d, flow);
      },
    };
  });
}

/**
 * Where this sign-in's request stands before its approval is used: only `answered` goes on to the
 * check. With the request's expiry while it is pending.
 */
async function pushAnswerState(deps: HttpDeps, userId: string, state: PushChallengeState, uid: string): Promise<{ state: 'pending' | 'denied' | 'ended' | 'answered'; expiresAt?: number }> {
  if (!state.challengeId || state.flowRef !== signInRef(uid)) return { state: 'answered' };
  const row = await findChallenge(deps, state.challengeId);
  if (!row || row.user_id !== userId) return { state: 'answered' };
  if (row.status === 'pending' && row.expires_at > deps.clock.now()) return { state: 'pending', expiresAt: row.expires_at };
  if (row.status === 'denied' || row.status === 'reported') return { state: 'denied' };
  if (row.status === 'approved') return { state: 'answered' };
  return { state: row.status === 'consumed' ? 'answered' : 'ended' };
}

function parseJson(v: string | undefined): unknown {
  try {
    return v ? JSON.parse(v) : undefined;
  } catch {
    return undefined;
  }
}
