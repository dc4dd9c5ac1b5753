import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HttpDeps } from '../server.ts';
import { field, auditContext } from '../request-context.ts';
import { challengePage, recoveredPage } from '../pages/mfa.ts';
import type { FieldError } from '../pages/layout.ts';
import type { LoginFlow } from '../../store/login-flows.ts';
import { findUserById, type User } from '../../store/users.ts';
import { listActiveMethods, type MethodRecord } from '../../methods/records.ts';
import { methodFor } from '../../methods/registry.ts';
import { remainingRecoveryCodes } from '../../methods/recovery/codes.ts';
import { verifySecondFactor, type FactorChoice } from '../../flows/second-factor.ts';
import { deviceCookieName, rememberDevice, REMEMBER_DEVICE_MS } from '../../flows/remembered-devices.ts';
import { resetSecondFactors } from '../../flows/reset-2fa.ts';
import { audit } from '../../store/audit.ts';
import { ceremonyContext } from '../ceremony-context.ts';
import { wantsPhishingResistant, type Details, type InteractionSupport, type Req } from '../interaction-support.ts';
import { registerWizard, type WizardHost } from './wizard.ts';
import type { WizardState } from '../../flows/enrollment.ts';

/** The choices a person has at the challenge: their method types (default first), then recovery. */
async function choicesFor(deps: HttpDeps, user: User, phishingOnly: boolean, methods?: MethodRecord[]): Promise<FactorChoice[]> {
  const sorted = [...(methods ?? (await listActiveMethods(deps.db, user.id)))].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  const types = [...new Set(sorted.map((m) => m.type))].filter((t) => !phishingOnly || methodFor(t)?.phishingResistant) as FactorChoice[];
  return phishingOnly ? types : [...types, 'recovery'];
}

/** The challenge page (or the recovery-code interstitial) of a flow at the second step. */
export async function renderChallenge(deps: HttpDeps, s: InteractionSupport, req: Req, reply: FastifyReply, d: Details, flow: LoginFlow, errors: FieldError[] = [], status = 200) {
  const { t, csrf } = deps;
  const user = flow.userId ? await findUserById(deps.db, flow.userId) : undefined;
  if (!user) return reply.redirect(`/interaction/${d.uid}`, 303);
  if (flow.step === 'recovered') {
    return reply.type('text/html').send(
      recoveredPage({ t, csrf: csrf.token(req, reply), continueAction: `/interaction/${d.uid}/recovered/continue`, resetAction: `/interaction/${d.uid}/recovered/reset`, remaining: await remainingRecoveryCodes(deps, user.id), appName: await s.appName(d.params.client_id) }),
    );
  }
  const phishingOnly = wantsPhishingResistant(d.params);
  const choices = await choicesFor(deps, user, phishingOnly);
  const asked = (req.query as Record<string, unknown>).method;
  const choice = (choices.includes(asked as FactorChoice) ? asked : (flow.data.choice as FactorChoice | undefined) && choices.includes(flow.data.choice as FactorChoice) ? flow.data.choice : choices[0]) as FactorChoice | undefined;
  if (!choice) {
    // Phishing-resistant required but the person has no security key: enrollment is the only way on.
    await s.saveFlow({ ...flow, step: 'enroll' });
    return reply.redirect(`/interaction/${d.uid}/enroll`, 303);
  }
  let webauthnOptions: unknown;
  let challenge: Record<string, unknown> = {};
  if (choice === 'webauthn') {
    const started = await methodFor('webauthn')!.startChallenge(ceremonyContext(deps), user, await listActiveMethods(deps.db, user.id));
    webauthnOptions = started.display.options;
    challenge = started.state;
  }
  await s.saveFlow({ ...flow, data: { ...flow.data, choice, challenge } });
  return reply.code(status).type('text/html').send(
    challengePage({
      t,
      action: `/interaction/${d.uid}/mfa`,
      csrf: csrf.token(req, reply),
      appName: await s.appName(d.params.client_id),
      choice,
      others: choices,
      switchUrl: `/interaction/${d.uid}`,
      webauthnOptions,
      offerRemember: !flow.data.stepUp,
      errors,
      stepUp: !!flow.data.stepUp,
    }),
  );
}

export function registerSecondFactorRoutes(app: FastifyInstance, deps: HttpDeps, s: InteractionSupport): void {
  const { t, db, clock } = deps;
  const ceremony = ceremonyContext(deps);
  const secureCookies = new URL(deps.config.issuer).protocol === 'https:';

  app.post<{ Params: { uid: string } }>('/interaction/:uid/mfa', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    const flow = await s.flowFor(d);
    const user = flow.userId ? await findUserById(db, flow.userId) : undefined;
    if (d.prompt.name !== 'login' || flow.step !== 'mfa' || !user) return reply.redirect(`/interaction/${d.uid}`, 303);
    const where = auditContext(req, String(d.params.client_id));
    const methods = await listActiveMethods(db, user.id);
    const choices = await choicesFor(deps, user, wantsPhishingResistant(d.params), methods);
    const choice = field(req, 'method') as FactorChoice | undefined;
    // Dispatch on the method the person used; a method they do not have is refused like a wrong code.
    const input = choice === 'webauthn' ? parseJson(field(req, 'credential')) : field(req, 'code');
    const state = (flow.data.challenge as Record<string, unknown> | undefined) ?? {};
    // A WebAuthn challenge answers once: it is dropped before the answer is checked.
    if (choice === 'webauthn') await s.saveFlow({ ...flow, data: { ...flow.data, challenge: {} } });
    const result = choice && choices.includes(choice) ? await verifySecondFactor(ceremony, user, choice, input, state, where, methods) : await verifySecondFactor(ceremony, user, 'unoffered', undefined, {}, where, methods);

    if (!result.ok) {
      const message =
        result.reason === 'throttled' ? t('mfa.throttled', { seconds: Math.ceil((result.retryAfterMs ?? 1000) / 1000) })
        : result.reason === 'locked' ? t('mfa.locked')
        : result.reason === 'cloned' ? t('mfa.webauthn.cloned')
        : choice === 'webauthn' ? t('mfa.webauthn.failed')
        : choice === 'recovery' ? t('mfa.recovery.invalid')
        : result.reason === 'malformed' ? t('mfa.malformed')
        : t('mfa.invalid');
      const status = result.reason === 'throttled' || result.reason === 'locked' ? 429 : 400;
      return renderChallenge(deps, s, req, reply, d, { ...flow, data: { ...flow.data, choice: choice && choices.includes(choice) ? choice : flow.data.choice } }, [{ field: 'code', message }], status);
    }

    const amr = [...flow.amr, ...result.amr];
    if (field(req, 'remember') === '1' && !flow.data.stepUp && choice !== 'recovery') {
      const token = await rememberDevice(deps, user.id, String(req.headers['user-agent'] ?? 'Unknown browser'), req.ip);
      reply.setCookie(deviceCookieName(deps, user.id), token, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies, maxAge: REMEMBER_DEVICE_MS / 1000 });
      await audit(db, clock, { ...where, event: 'mfa.device.remembered', userId: user.id });
    }
    if (choice === 'recovery') {
      // Using a recovery code takes the person to review their methods before going on.
      await s.saveFlow({ ...flow, step: 'recovered', amr, data: {} });
      return reply.redirect(`/interaction/${d.uid}`, 303);
    }
    return s.completeLogin(req, reply, d, user, amr, where);
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/recovered/continue', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    const flow = await s.flowFor(d);
    const user = flow.userId ? await findUserById(db, flow.userId) : undefined;
    if (d.prompt.name !== 'login' || flow.step !== 'recovered' || !user) return reply.redirect(`/interaction/${d.uid}`, 303);
    return s.completeLogin(req, reply, d, user, flow.amr, auditContext(req, String(d.params.client_id)));
  });

  // "I lost my phone": every method goes, every other session and app is signed out, the wizard opens.
  app.post<{ Params: { uid: string } }>('/interaction/:uid/recovered/reset', async (req, reply) => {
    const d = await s.details(req, reply);
    if (!d || !s.guard(req, reply)) return reply;
    const flow = await s.flowFor(d);
    const user = flow.userId ? await findUserById(db, flow.userId) : undefined;
    if (d.prompt.name !== 'login' || flow.step !== 'recovered' || !user) return reply.redirect(`/interaction/${d.uid}`, 303);
    await resetSecondFactors(deps, deps.provider, user, { keepSessionId: undefined, where: auditContext(req, String(d.params.client_id)) });
    await s.saveFlow({ ...flow, step: 'enroll', data: { wizard: { step: 'choose' } satisfies WizardState } });
    return reply.redirect(`/interaction/${d.uid}/enroll`, 303);
  });

  registerWizard(app, deps, '/interaction/:uid/enroll', async (req, reply): Promise<WizardHost | undefined> => {
    const r = req as Req;
    const d = await s.details(r, reply);
    if (!d) return undefined;
    const flow = await s.flowFor(d);
    const user = flow.userId ? await findUserById(db, flow.userId) : undefined;
    if (d.prompt.name !== 'login' || (flow.step !== 'enroll' && flow.step !== 'suggest') || !user) {
      reply.redirect(`/interaction/${d.uid}`, 303);
      return undefined;
    }
    const where = auditContext(req, String(d.params.client_id));
    const appName = await s.appName(d.params.client_id);
    return {
      base: `/interaction/${d.uid}/enroll`,
      user,
      mode: flow.step === 'enroll' ? 'required' : 'suggested',
      appName,
      continueLabel: t('wizard.done.continue_app', { app: appName }),
      where,
      load: async () => flow.data.wizard as WizardState | undefined,
      save: async (wizard) => s.saveFlow({ ...flow, data: { ...flow.data, wizard } }),
      // Confirming the new method proved possession of it: it is this sign-in's second factor.
      complete: async (rep, state) => s.completeLogin(req, rep, d, user, [...flow.amr, ...(state.amr ?? [])], where),
      later: async (rep) => {
        const until = clock.now() + deps.config.enrollmentReminderDays * 24 * 3600 * 1000;
        await db.insertInto('mfa_state').values({ user_id: user.id, remind_after: until }).onConflict((oc) => oc.column('user_id').doUpdateSet({ remind_after: until })).execute();
        await audit(db, clock, { ...where, event: 'mfa.enrollment.postponed', userId: user.id, details: { until } });
        return s.completeLogin(req, rep, d, user, flow.amr, where);
      },
    };
  });
}

function parseJson(v: string | undefined): unknown {
  try {
    return v ? JSON.parse(v) : undefined;
  } catch {
    return undefined;
  }
}
