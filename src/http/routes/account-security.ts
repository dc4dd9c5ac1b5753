import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import { accountSession, meetsAccountRequirement, type SignedIn } from '../session.ts';
import { auditContext, field } from '../request-context.ts';
import { errorPage } from '../pages/error.ts';
import { proofPage, resetDonePage, securityPage } from '../pages/security.ts';
import { confirmPage } from '../pages/confirm.ts';
import { recoveryCodesPage } from '../pages/wizard.ts';
import type { FieldError } from '../pages/layout.ts';
import { ceremonyContext } from '../ceremony-context.ts';
import { registerAccountWizard } from './account-wizard.ts';
import { audit } from '../../store/audit.ts';
import { waitText } from '../../i18n/duration.ts';
import { deleteLoginFlow, loadLoginFlow, saveLoginFlow } from '../../store/login-flows.ts';
import { findMethod, listActiveMethods, renameMethod, setDefaultMethod } from '../../methods/records.ts';
import { methodFor } from '../../methods/registry.ts';
import { regenerateRecoveryCodes, remainingRecoveryCodes } from '../../methods/recovery/codes.ts';
import { verifySecondFactor, type FactorChoice } from '../../flows/second-factor.ts';
import { checkPassword } from '../../flows/password-login.ts';
import { forgetDevice, listRememberedDevices } from '../../security/remembered-devices.ts';
import { hasFreshProof, recordProof, FRESH_PROOF_MS } from '../../flows/fresh-proof.ts';
import { resetSecondFactors } from '../../flows/reset-2fa.ts';
import { signedInApps } from '../../flows/sign-out.ts';
import { removeOwnMethod } from '../../flows/remove-method.ts';
import { methodName, quoted } from '../../security/untrusted-text.ts';
import { notify } from '../../flows/notify.ts';
import { removalBlocked, secondFactorRequiredFor } from '../../policy/required-for.ts';
import type { WizardState } from '../../flows/enrollment.ts';
import { ACCOUNT_CLIENT_ID } from '../../policy/requirement-for.ts';

const SETTINGS = '/account/security';
const ENROLL_PATH = '/account/security/enroll';
const RESET_DONE_PATH = '/account/security/reset/done';
/** The confirmation pages of the changes that cannot be undone (GET shows, the action's POST with `confirm=1` does). */
const CONFIRM = {
  codes: '/account/security/recovery-codes/confirm',
  reset: '/account/security/reset/confirm',
  remove: (methodId: string) => `/account/security/methods/${encodeURIComponent(methodId)}/remove/confirm`,
};
const REMOVE_CONFIRM = /^\/account\/security\/methods\/([A-Za-z0-9_-]{1,64})\/remove\/confirm$/;
const NEXT_PATHS = new Set(['/account', SETTINGS, ENROLL_PATH, CONFIRM.codes, CONFIRM.reset]);

/** Whether the form was sent from a confirmation page; without it, an action route only shows its confirmation. */
const confirmed = (req: FastifyRequest) => field(req, 'confirm') === '1';

/**
 * Account settings → Two-step verification. Adding, removing, regenerating codes and resetting
 * need a fresh proof with an existing factor (at most 5 minutes old); every change is audited and
 * emailed; removal and reset sign the person out everywhere but in this browser. Removing,
 * regenerating and resetting are asked once more on a page of their own that states the
 * consequence; "Confirm it's you" carries on to that page.
 */
export function registerAccountSecurityRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { csrf, t, db, clock, provider } = deps;
  const ceremony = ceremonyContext(deps);

  async function signedIn(req: FastifyRequest, reply: FastifyReply, post: boolean): Promise<SignedIn | undefined> {
    if (post && !csrf.verify(req)) {
      reply.code(403).type('text/html').send(errorPage(t, t('error.csrf'), 'csrf_failed'));
      return undefined;
    }
    const { s } = await accountSession(deps, req, reply);
    if (!s) reply.redirect('/account', 303);
    return s;
  }

  /** Sends the person to "Confirm it's you" unless their proof is fresh; returns whether they may go on. */
  async function requireProof(s: SignedIn, reply: FastifyReply, next: string): Promise<boolean> {
    const methods = await listActiveMethods(db, s.user.id);
    if (await hasFreshProof(deps, s, methods.length > 0)) return true;
    reply.redirect(`/account/security/verify?next=${encodeURIComponent(next)}`, 303);
    return false;
  }

  /** Opens the settings' wizard for this browser's session at `step`; only ever called after the proof. */
  async function startWizard(s: SignedIn, step: WizardState['step'], extra: Record<string, unknown> = {}): Promise<void> {
    await saveLoginFlow(db, clock, { uid: `wizard:${s.sessionUid}`, email: null, userId: s.user.id, step: 'wizard', amr: [], data: { ...extra, wizard: { step } } }, 3600_000);
  }

  /**
   * Where "Confirm it's you" may carry on to: the settings, their wizard, the password change, or the
   * confirmation of the change the person asked for — a removal only of an active method of theirs.
   * Anything else (another site, another path, someone else's method) is the settings page: the
   * proof is never an open redirect.
   */
  async function safeNext(s: SignedIn, v: unknown): Promise<string> {
    if (typeof v !== 'string') return SETTINGS;
    if (NEXT_PATHS.has(v)) return v;
    const id = REMOVE_CONFIRM.exec(v)?.[1];
    if (id && (await findMethod(db, s.user.id, id))?.status === 'active') return v;
    return SETTINGS;
  }

  /** The apps a sign-out everywhere would end, the settings' own sign-in left out. */
  async function appCount(userId: string): Promise<number> {
    return (await signedInApps(deps, userId)).filter((id) => id !== ACCOUNT_CLIENT_ID).length;
  }

  /** After "Confirm it's you": back to where the person was going; "Add a method" opens its wizard. */
  async function proceed(reply: FastifyReply, s: SignedIn, next: string) {
    if (next === ENROLL_PATH) await startWizard(s, (await listActiveMethods(db, s.user.id)).length > 0 ? 'choose' : 'intro');
    return reply.redirect(next, 303);
  }

  async function render(req: FastifyRequest, reply: FastifyReply, s: SignedIn, notice?: string, errors: FieldError[] = [], status = 200) {
    const methods = await listActiveMethods(db, s.user.id);
    const devices = await listRememberedDevices(deps, s.user);
    return reply.code(status).type('text/html').send(
      securityPage({
        t,
        csrf: csrf.token(req, reply),
        email: s.user.email,
        methods: methods.map((m) => ({ id: m.id, type: m.type, name: m.name, isDefault: m.isDefault, createdAt: m.createdAt, lastUsedAt: m.lastUsedAt, cloned: !!m.data.cloned })),
        recoveryRemaining: await remainingRecoveryCodes(deps, s.user.id),
        devices: devices.map((d) => ({ id: d.id, label: d.label, createdAt: d.created_at, lastUsedAt: d.last_used_at, ip: d.ip })),
        notice,
        errors,
      }),
    );
  }

  async function choicesOf(userId: string): Promise<FactorChoice[]> {
    const methods = await listActiveMethods(db, userId);
    methods.sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
    const types = [...new Set(methods.map((m) => m.type))] as FactorChoice[];
    return types.length ? [...types, 'recovery'] : [];
  }

  async function renderProof(req: FastifyRequest, reply: FastifyReply, s: SignedIn, next: string, asked: unknown, errors: FieldError[] = [], status = 200) {
    const choices = await choicesOf(s.user.id);
    const choice = choices.includes(asked as FactorChoice) ? (asked as FactorChoice) : choices[0];
    let webauthnOptions: unknown;
    let challenge: Record<string, unknown> = {};
    if (choice === 'webauthn') {
      const started = await methodFor('webauthn')!.startChallenge(ceremony, s.user, await listActiveMethods(db, s.user.id));
      webauthnOptions = started.display.options;
      challenge = started.state;
    }
    await saveLoginFlow(db, clock, { uid: `proof-challenge:${s.sessionUid}`, email: null, userId: s.user.id, step: 'challenge', amr: [], data: challenge }, FRESH_PROOF_MS);
    return reply.code(status).type('text/html').send(proofPage({ t, csrf: csrf.token(req, reply), email: s.user.email, choice, choices, webauthnOptions, next, purpose: await purposeOf(s, next, choices.length > 0), errors }));
  }

  /** What "Confirm it's you" is for, from where it carries on to (`next` is already a safe one). */
  async function purposeOf(s: SignedIn, next: string, hasMethods: boolean): Promise<string | undefined> {
    if (next === CONFIRM.codes) return t('security.proof.purpose.codes');
    if (next === CONFIRM.reset) return t('security.proof.purpose.reset');
    if (next === ENROLL_PATH) return hasMethods ? t('security.proof.purpose.add') : t('security.proof.purpose.enable');
    const id = REMOVE_CONFIRM.exec(next)?.[1];
    const method = id ? await findMethod(db, s.user.id, id) : undefined;
    return method ? t('security.proof.purpose.remove', { name: quoted(method.name) }) : undefined;
  }

  const notices: Record<string, Parameters<typeof t>[0]> = {
    added: 'security.notice.added',
    removed: 'security.notice.removed',
    renamed: 'security.notice.renamed',
    default: 'security.notice.default',
    device: 'security.notice.device_forgotten',
    codes: 'security.notice.codes',
  };

  app.get('/account/security', async (req, reply) => {
    const s = await signedIn(req, reply, false);
    if (!s) return reply;
    const done = (req.query as Record<string, unknown>).done;
    return render(req, reply, s, typeof done === 'string' && notices[done] ? t(notices[done]!) : undefined);
  });

  app.get('/account/security/verify', async (req, reply) => {
    const s = await signedIn(req, reply, false);
    if (!s) return reply;
    const q = req.query as Record<string, unknown>;
    return renderProof(req, reply, s, await safeNext(s, q.next), q.method);
  });

  app.post('/account/security/verify', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s) return reply;
    const next = await safeNext(s, field(req, 'next'));
    const where = auditContext(req);
    const choices = await choicesOf(s.user.id);
    const method = field(req, 'method');
    if (choices.length === 0) {
      const result = await checkPassword(deps, s.user.email, field(req, 'password') ?? '', where, { cookies: req.cookies, ownBudgetOnly: true });
      const throttled = !result.ok && result.reason === 'throttled';
      if (!result.ok || result.user.id !== s.user.id) return renderProof(req, reply, s, next, undefined, [{ field: 'password', message: result.ok ? t('login.invalid') : throttled ? t('login.throttled') : t('account.current_password_wrong') }], throttled ? 429 : 400);
      await recordProof(deps, s, 'password');
      return proceed(reply, s, next);
    }
    const choice = choices.includes(method as FactorChoice) ? (method as FactorChoice) : choices[0]!;
    const stored = await loadLoginFlow(db, clock, `proof-challenge:${s.sessionUid}`);
    await deleteLoginFlow(db, `proof-challenge:${s.sessionUid}`);
    let input: unknown = field(req, 'code');
    if (choice === 'webauthn') {
      try {
        input = JSON.parse(field(req, 'credential') ?? '');
      } catch {
        input = undefined;
      }
    }
    const result = await verifySecondFactor(ceremony, s.user, choice, input, stored?.userId === s.user.id ? stored.data : {}, where);
    if (!result.ok) {
      const message =
        result.reason === 'throttled' ? t('mfa.throttled_for', { wait: waitText(t, result.retryAfterMs ?? 1000) })
        : result.reason === 'locked' ? t('mfa.locked')
        : choice === 'recovery' ? t('mfa.recovery.invalid')
        : choice === 'webauthn' ? t('mfa.webauthn.failed')
        : result.reason === 'clock_skew' ? t('mfa.clock_skew')
        : t('mfa.invalid');
      return renderProof(req, reply, s, next, choice, [{ field: 'code', message }], result.reason === 'throttled' || result.reason === 'locked' ? 429 : 400);
    }
    await recordProof(deps, s, 'second-factor', result.amr);
    await audit(db, clock, { ...where, event: 'mfa.fresh_proof', userId: s.user.id, details: { method: choice } });
    return proceed(reply, s, next);
  });

  app.post('/account/security/add', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s || !(await requireProof(s, reply, ENROLL_PATH))) return reply;
    return proceed(reply, s, ENROLL_PATH);
  });

  app.post<{ Params: { id: string } }>('/account/security/methods/:id/rename', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s) return reply;
    const name = methodName(field(req, 'name'));
    if (!name) return render(req, reply, s, undefined, [{ field: `name-${req.params.id}`, message: t('security.name_invalid') }], 400);
    if (!(await renameMethod(db, s.user.id, req.params.id, name))) return reply.redirect('/account/security', 303);
    // The type lets the activity say what was renamed ("You renamed an authenticator app").
    const type = (await findMethod(db, s.user.id, req.params.id))?.type;
    await audit(db, clock, { ...auditContext(req), event: 'mfa.method.renamed', userId: s.user.id, details: { methodId: req.params.id, type } });
    return reply.redirect('/account/security?done=renamed', 303);
  });

  app.post<{ Params: { id: string } }>('/account/security/methods/:id/default', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s) return reply;
    if (await setDefaultMethod(db, s.user.id, req.params.id)) {
      const type = (await findMethod(db, s.user.id, req.params.id))?.type;
      await audit(db, clock, { ...auditContext(req), event: 'mfa.method.default_changed', userId: s.user.id, details: { methodId: req.params.id, type } });
    }
    return reply.redirect('/account/security?done=default', 303);
  });

  /** The method to remove, if it is an active one of this person's; otherwise the reply goes back to the settings. */
  async function removable(s: SignedIn, id: string, reply: FastifyReply) {
    const method = await findMethod(db, s.user.id, id);
    if (!method || method.status !== 'active') {
      reply.redirect(SETTINGS, 303);
      return undefined;
    }
    return method;
  }

  /** The last method a policy accepts cannot go while it requires two-step verification: the settings say so (409). */
  async function lastRequired(s: SignedIn, methodId: string): Promise<boolean> {
    return removalBlocked(deps, s.user, methodId);
  }

  app.get<{ Params: { id: string } }>('/account/security/methods/:id/remove/confirm', async (req, reply) => {
    const s = await signedIn(req, reply, false);
    if (!s) return reply;
    const method = await removable(s, req.params.id, reply);
    if (!method || !(await requireProof(s, reply, CONFIRM.remove(method.id)))) return reply;
    if (await lastRequired(s, method.id)) return render(req, reply, s, undefined, [{ field: 'methods-heading', message: t('security.last_method_required') }], 409);
    const last = (await listActiveMethods(db, s.user.id)).length === 1;
    const type = method.type === 'totp' ? t('method.totp') : method.type === 'push' ? t('method.push') : t('method.webauthn');
    // A session that signed in with the password alone and enrolled this method here is kept in the
    // settings by that enrollment (session.ts): once the method goes, it must sign in again. Say so.
    const stays = await meetsAccountRequirement(deps, s, { withoutMethod: method.id });
    const here = stays ? t('security.remove_confirm.stays') : t('security.remove_confirm.signs_out_here', { name: quoted(method.name) });
    return reply.type('text/html').send(
      confirmPage({
        t,
        csrf: csrf.token(req, reply),
        title: t('security.remove_confirm.title'),
        consequences: [t('security.remove_confirm.body', { name: quoted(method.name), type }), ...(last ? [t('security.remove_confirm.last')] : []), t('security.remove_confirm.side_effects'), here],
        action: `/account/security/methods/${encodeURIComponent(method.id)}/remove`,
        button: t('security.remove_confirm.button', { name: quoted(method.name) }),
        cancelHref: SETTINGS,
      }),
    );
  });

  app.post<{ Params: { id: string } }>('/account/security/methods/:id/remove', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s) return reply;
    const method = await removable(s, req.params.id, reply);
    if (!method || !(await requireProof(s, reply, CONFIRM.remove(method.id)))) return reply;
    if (!confirmed(req)) return reply.redirect(CONFIRM.remove(method.id), 303);
    // One change, every app: every other session, token and remembered device stops working. The
    // policy check runs again with the delete, in one transaction (two removals at once).
    const removal = await removeOwnMethod(deps, provider, s.user, method, { where: auditContext(req), by: 'person', keepSessionId: s.sessionId });
    if (!removal.ok && removal.reason === 'last_method_required') {
      return render(req, reply, s, undefined, [{ field: 'methods-heading', message: t('security.last_method_required') }], 409);
    }
    return reply.redirect('/account/security?done=removed', 303);
  });

  app.get('/account/security/recovery-codes/confirm', async (req, reply) => {
    const s = await signedIn(req, reply, false);
    if (!s) return reply;
    if ((await listActiveMethods(db, s.user.id)).length === 0) return reply.redirect(SETTINGS, 303);
    if (!(await requireProof(s, reply, CONFIRM.codes))) return reply;
    const n = await remainingRecoveryCodes(deps, s.user.id);
    const unused = n === 0 ? t('security.codes_confirm.body.none') : n === 1 ? t('security.codes_confirm.body.one') : t('security.codes_confirm.body.other', { n });
    return reply.type('text/html').send(
      confirmPage({ t, csrf: csrf.token(req, reply), title: t('security.codes_confirm.title'), consequences: [unused, t('security.codes_confirm.after')], action: '/account/security/recovery-codes', button: t('security.codes_confirm.button'), cancelHref: SETTINGS }),
    );
  });

  app.post('/account/security/recovery-codes', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s) return reply;
    if ((await listActiveMethods(db, s.user.id)).length === 0) return reply.redirect(SETTINGS, 303);
    if (!(await requireProof(s, reply, CONFIRM.codes))) return reply;
    if (!confirmed(req)) return reply.redirect(CONFIRM.codes, 303);
    const codes = await regenerateRecoveryCodes(deps, s.user.id);
    await audit(db, clock, { ...auditContext(req), event: 'mfa.recovery_codes.regenerated', userId: s.user.id });
    await notify(deps, s.user, 'recovery_codes_regenerated');
    // Shown once, in this response; nothing keeps them.
    return reply.type('text/html').send(recoveryCodesPage({ t, base: '/account/security', csrf: csrf.token(req, reply), codes, submitLabel: t('wizard.done.back_to_settings') }));
  });

  app.post('/account/security/recovery', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s) return reply;
    return reply.redirect('/account/security?done=codes', 303);
  });

  app.post<{ Params: { id: string } }>('/account/security/devices/:id/forget', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s) return reply;
    if (await forgetDevice(deps, s.user.id, req.params.id)) {
      await audit(db, clock, { ...auditContext(req), event: 'mfa.device.forgotten', userId: s.user.id, details: { deviceId: req.params.id } });
    }
    return reply.redirect('/account/security?done=device', 303);
  });

  app.get('/account/security/reset/confirm', async (req, reply) => {
    const s = await signedIn(req, reply, false);
    if (!s || !(await requireProof(s, reply, CONFIRM.reset))) return reply;
    const n = await appCount(s.user.id);
    const apps = n === 0 ? t('security.reset_confirm.apps.none') : n === 1 ? t('security.reset_confirm.apps.one') : t('security.reset_confirm.apps.other', { n });
    return reply.type('text/html').send(
      confirmPage({ t, csrf: csrf.token(req, reply), title: t('security.reset_confirm.title'), consequences: [t('security.reset_confirm.body'), apps, t('security.reset_confirm.then')], action: '/account/security/reset', button: t('mfa.reset.button'), cancelHref: SETTINGS }),
    );
  });

  app.post('/account/security/reset', async (req, reply) => {
    const s = await signedIn(req, reply, true);
    if (!s || !(await requireProof(s, reply, CONFIRM.reset))) return reply;
    if (!confirmed(req)) return reply.redirect(CONFIRM.reset, 303);
    // Counted just before: these are the apps the reset signs the person out of.
    const apps = await appCount(s.user.id);
    await resetSecondFactors(deps, provider, s.user, { keepSessionId: s.sessionId, where: auditContext(req) });
    await startWizard(s, 'choose', { reset: { apps } });
    return reply.redirect(RESET_DONE_PATH, 303);
  });

  // What the reset did and what leaving now means, before the wizard; shown while its wizard is unstarted.
  app.get(RESET_DONE_PATH, async (req, reply) => {
    const s = await signedIn(req, reply, false);
    if (!s) return reply;
    const flow = await loadLoginFlow(db, clock, `wizard:${s.sessionUid}`);
    const reset = flow?.userId === s.user.id ? (flow.data.reset as { apps?: unknown } | undefined) : undefined;
    if (!reset || typeof reset.apps !== 'number') return reply.redirect(SETTINGS, 303);
    return reply.type('text/html').send(resetDonePage({ t, apps: reset.apps, required: await secondFactorRequiredFor(deps, s.user), wizardHref: ENROLL_PATH }));
  });

  registerAccountWizard(app, deps);
}
