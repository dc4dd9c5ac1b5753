import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import type { User } from '../../store/users.ts';
import type { AuditContext } from '../../store/audit.ts';
import { field } from '../request-context.ts';
import { ceremonyContext } from '../ceremony-context.ts';
import { errorPage } from '../pages/error.ts';
import { choosePage, donePage, emailCodePage, introPage, pushSetupPage, recoveryCodesPage, totpSetupPage, webauthnSetupPage } from '../pages/wizard.ts';
import { backToChoose, beginSetup, confirmSetup, ENROLL_KINDS, revealCodes, totpSetupDisplay, type EnrollKind, type WizardState } from '../../flows/enrollment.ts';
import { checkEnrollmentCode, maskedEmail, sendEnrollmentCode } from '../../flows/enrollment-email-code.ts';
import { whyAsked } from '../../policy/why.ts';
import { listActiveMethods, removeMethod, renameMethod } from '../../methods/records.ts';
import { remainingRecoveryCodes } from '../../methods/recovery/codes.ts';
import { methodName } from '../../security/untrusted-text.ts';
import { pushSetupBody } from '../pages/push.ts';
import { pushSetupView } from '../push-wizard.ts';
import { streamRequest } from '../push-flow.ts';
import { findMethod } from '../../methods/records.ts';
import { deviceData } from '../../methods/push/device.ts';
import { cancelPending } from '../../methods/push/challenges.ts';
import { enrollRef } from '../../methods/push/index.ts';
import { enrollChannel } from '../../methods/push/channels.ts';

/** Where the wizard runs: inside a sign-in (after the password) or from account settings. */
export interface WizardHost {
  /** Path prefix of the wizard's pages and forms. */
  base: string;
  user: User;
  mode: 'required' | 'suggested' | 'self' | 'stronger';
  appName?: string;
  /**
   * The host's own way out of the wizard (POST), where it has one (the sign-in's abort). Without one,
   * Cancel posts to the wizard's /cancel, which drops what was begun and returns to `exitTo`.
   */
  cancelAction?: string;
  /** Where the wizard's own Cancel returns to. @default the parent of `base` (/account/security for its wizard) */
  exitTo?: string;
  /** The kinds this host may enroll (the gate may allow WebAuthn only). @default ENROLL_KINDS */
  kinds?: readonly EnrollKind[];
  continueLabel: string;
  where: AuditContext;
  load(): Promise<WizardState | undefined>;
  save(state: WizardState): Promise<void>;
  /** Step 6 done: finish the sign-in, or return to account settings. */
  complete(reply: FastifyReply, state: WizardState): Promise<FastifyReply>;
  /** "Remind me later" (suggested mode only). */
  later?(reply: FastifyReply): Promise<FastifyReply>;
  /**
   * Whether a first method needs a code sent to the email as well (src/policy/first-enrollment.ts):
   * the risk's reasons when it does, undefined when it does not.
   */
  emailCheck?(): Promise<string[] | undefined>;
}

/** Resolves the host of a request, or answers it (redirect, error) and returns undefined. */
export type HostResolver = (req: FastifyRequest, reply: FastifyReply) => Promise<WizardHost | undefined>;

/**
 * The enrollment wizard's routes under `prefix` (a Fastify path with params). Every POST checks
 * CSRF and that the stored state is at the step the form belongs to, so posting to a later step
 * skips nothing.
 */
export function registerWizard(app: FastifyInstance, deps: HttpDeps, prefix: string, resolve: HostResolver): void {
  const { t, csrf } = deps;
  const ctx = ceremonyContext(deps);

  /**
   * Where a step is among the steps this person goes through: choose, set up, and the recovery
   * codes only where confirming will issue them (the same test as confirmSetup: none left).
   */
  async function progress(host: WizardHost, step: WizardState['step']): Promise<{ n: number; total: number } | undefined> {
    const n = step === 'choose' ? 1 : step === 'setup' ? 2 : step === 'recovery' ? 3 : undefined;
    if (!n) return undefined;
    const total = step === 'recovery' || (await remainingRecoveryCodes(deps, host.user.id)) === 0 ? 3 : 2;
    return { n, total };
  }

  /** The risk's reasons for the email step, for its "why" sentence (asked again: the page says what holds now). */
  async function emailReasons(host: WizardHost): Promise<string[] | undefined> {
    return host.emailCheck ? host.emailCheck() : undefined;
  }

  async function render(req: FastifyRequest, reply: FastifyReply, host: WizardHost, state: WizardState, errors: Array<{ field: string; message: string }> = [], status = 200, keyOpen?: boolean, notice?: string) {
    const base = { t, base: host.base, csrf: csrf.token(req, reply), errors, progress: await progress(host, state.step), cancelAction: host.cancelAction ?? `${host.base}/cancel` };
    let body: string;
    switch (state.step) {
      case 'intro':
        body = introPage({ ...base, mode: host.mode, appName: host.appName, reminderDays: deps.config.enrollmentReminderDays });
        break;
      case 'choose':
        body = choosePage({ ...base, kinds: host.kinds ?? ENROLL_KINDS });
        break;
      case 'email': {
        const reasons = (await emailReasons(host)) ?? [];
        body = emailCodePage({ ...base, email: maskedEmail(host.user.email), why: whyAsked(t, reasons.map((r) => `risk_${r}`), { app: host.appName ?? '' }), notice: notice });
        break;
      }
      case 'setup': {
        if (state.kind === 'push') {
          const view = await pushSetupView(deps, req, host.user, state, host.appName);
          if (!view) {
            await host.save(backToChoose(state));
            return reply.redirect(host.base, 303);
          }
          if (view.state !== state) await host.save(view.state);
          body = pushSetupPage({ ...base, setup: pushSetupBody({ t, base: host.base, csrf: base.csrf, link: view.link, number: view.number, notice: errors[0]?.message ?? view.notice, waitUrl: `${host.base}/push/wait` }) });
        } else if (state.kind === 'totp') {
          const display = await totpSetupDisplay(ctx, host.user, state);
          if (!display) {
            await host.save(backToChoose(state));
            return reply.redirect(host.base, 303);
          }
          body = totpSetupPage({ ...base, ...display, keyOpen });
        } else {
          body = webauthnSetupPage({ ...base, options: state.options, kind: state.kind === 'passkey' ? 'passkey' : 'security-key', defaultName: state.methodName ?? '' });
        }
        break;
      }
      case 'recovery':
        body = recoveryCodesPage({ ...base, codes: revealCodes(ctx, host.user, state) });
        break;
      case 'done': {
        // A method added to others says what was added; the first one says two-step verification is on.
        const others = (await listActiveMethods(deps.db, host.user.id)).filter((m) => m.id !== state.methodId);
        body = donePage({ ...base, methodName: state.methodName ?? '', continueLabel: host.continueLabel, added: others.length > 0 ? state.kind : undefined });
        break;
      }
    }
    return reply.code(status).type('text/html').send(body);
  }

  /** Resolves the host, checks CSRF on POST, and loads the state (a fresh wizard starts at step 1). */
  async function open(req: FastifyRequest, reply: FastifyReply): Promise<{ host: WizardHost; state: WizardState } | undefined> {
    const host = await resolve(req, reply);
    if (!host) return undefined;
    if (req.method === 'POST' && !csrf.verify(req)) {
      reply.code(403).type('text/html').send(errorPage(t, t('error.csrf'), 'csrf_failed'));
      return undefined;
    }
    return { host, state: (await host.load()) ?? { step: 'intro' } };
  }

  function expect(step: WizardState['step'], s: { host: WizardHost; state: WizardState }, reply: FastifyReply): boolean {
    if (s.state.step === step) return true;
    reply.redirect(s.host.base, 303);
    return false;
  }

  app.get(prefix, async (req, reply) => {
    const s = await open(req, reply);
    if (!s) return reply;
    return render(req, reply, s.host, s.state);
  });

  app.post(`${prefix}/start`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s || !expect('intro', s, reply)) return reply;
    await s.host.save({ step: 'choose' });
    return reply.redirect(s.host.base, 303);
  });

  app.post(`${prefix}/later`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s) return reply;
    if (s.host.mode !== 'suggested' || !s.host.later) return reply.redirect(s.host.base, 303);
    return s.host.later(reply);
  });

  app.post(`${prefix}/choose`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s || !expect('choose', s, reply)) return reply;
    const kind = field(req, 'method') as EnrollKind | undefined;
    const kinds = s.host.kinds ?? ENROLL_KINDS;
    if (!kind || !kinds.includes(kind)) return render(req, reply, s.host, s.state, [{ field: `m-${kinds[0]}`, message: t('error.bad_request') }], 400);
    // A first method from a risky sign-in: the email proves the account is the person's before any
    // authenticator of theirs is registered (issue 9; src/policy/first-enrollment.ts).
    const reasons = s.state.emailProven ? undefined : await emailReasons(s.host);
    if (reasons) {
      const sent = await sendEnrollmentCode(deps, s.host.user, reasons, s.host.where);
      if (!sent.ok) return render(req, reply, s.host, s.state, [{ field: `m-${kinds[0]}`, message: t('wizard.email.throttled') }], 429);
      await s.host.save({ step: 'email', kind, emailCode: sent.code });
      return reply.redirect(s.host.base, 303);
    }
    await s.host.save({ ...(await beginSetup(ctx, s.host.user, kind, defaultName(kind))), ...(s.state.emailProven ? { emailProven: true } : {}) });
    return reply.redirect(s.host.base, 303);
  });

  function defaultName(kind: EnrollKind): string {
    return kind === 'push' ? t('wizard.push.default_name') : kind === 'totp' ? t('wizard.totp.default_name') : kind === 'passkey' ? t('wizard.webauthn.default_passkey') : t('wizard.webauthn.default_key');
  }

  app.post(`${prefix}/email`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s || !expect('email', s, reply)) return reply;
    const { kind, emailCode } = s.state;
    if (!kind || !emailCode) {
      await s.host.save(backToChoose(s.state));
      return reply.redirect(s.host.base, 303);
    }
    const checked = await checkEnrollmentCode(deps, s.host.user, emailCode, field(req, 'code'), s.host.where);
    if (!checked.ok) {
      const state = { ...s.state, emailCode: checked.code };
      await s.host.save(state);
      return render(req, reply, s.host, state, [{ field: 'code', message: t(`wizard.email.${checked.reason}`) }], 400);
    }
    await s.host.save({ ...(await beginSetup(ctx, s.host.user, kind, defaultName(kind))), emailProven: true });
    return reply.redirect(s.host.base, 303);
  });

  app.post(`${prefix}/email/resend`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s || !expect('email', s, reply)) return reply;
    const sent = await sendEnrollmentCode(deps, s.host.user, (await emailReasons(s.host)) ?? [], s.host.where);
    if (!sent.ok) return render(req, reply, s.host, s.state, [{ field: 'code', message: t('wizard.email.throttled') }], 429);
    const state = { ...s.state, emailCode: sent.code };
    await s.host.save(state);
    return render(req, reply, s.host, state, [], 200, undefined, t('wizard.email.resent'));
  });

  app.post(`${prefix}/back`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s || !expect(s.state.step === 'email' ? 'email' : 'setup', s, reply)) return reply;
    if (s.state.methodId) await dropPending(s.host.user.id, s.state.methodId);
    await s.host.save(backToChoose(s.state));
    return reply.redirect(s.host.base, 303);
  });

  // Cancel, for a host without a way out of its own: what was begun is dropped (a pending method, or
  // the codes shown once), and the person is back where they opened the wizard.
  app.post(`${prefix}/cancel`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s) return reply;
    if (s.host.cancelAction) return reply.redirect(s.host.base, 303);
    if (s.state.step === 'setup' && s.state.methodId) await dropPending(s.host.user.id, s.state.methodId);
    await s.host.save(backToChoose(s.state));
    return reply.redirect(s.host.exitTo ?? s.host.base.replace(/\/[^/]+$/, ''), 303);
  });

  app.post(`${prefix}/confirm`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s || !expect('setup', s, reply)) return reply;
    // The change happens here: a first method still needs the email proof where the risk asks for it.
    if (!s.state.emailProven && (await emailReasons(s.host))) {
      if (s.state.methodId) await dropPending(s.host.user.id, s.state.methodId);
      await s.host.save(backToChoose(s.state));
      return reply.redirect(s.host.base, 303);
    }
    let state = s.state;
    let input: unknown;
    if (state.kind === 'push') {
      // The device's approval of the test request is the confirmation; pressing Continue before it changes nothing.
      const outcome = await confirmSetup(ctx, s.host.user, state, undefined, s.host.where);
      if (!outcome.ok) return render(req, reply, s.host, state, [{ field: 'push', message: t('wizard.push.not_yet') }], 400);
      await s.host.save(outcome.state);
      return reply.redirect(s.host.base, 303);
    } else if (state.kind === 'totp') {
      input = field(req, 'code');
    } else {
      // The name goes into the owner's security mail: cleaned here, where it enters, and quoted there.
      const name = methodName(field(req, 'name'));
      if (name && (await renameMethod(deps.db, s.host.user.id, state.methodId!, name, 'pending'))) state = { ...state, methodName: name };
      try {
        input = JSON.parse(field(req, 'credential') ?? '');
      } catch {
        input = undefined;
      }
    }
    const outcome = await confirmSetup(ctx, s.host.user, state, input, s.host.where);
    if (!outcome.ok) {
      const message = state.kind === 'totp' ? (outcome.reason === 'malformed' ? t('mfa.malformed') : t('mfa.invalid')) : t('wizard.webauthn.failed');
      if (state.kind !== 'totp') {
        // A WebAuthn ceremony cannot be retried with the same challenge: start a fresh one.
        state = await beginSetup(ctx, s.host.user, state.kind!, state.methodName ?? '');
        await s.host.save(state);
      }
      const keyOpen = field(req, 'key_open');
      return render(req, reply, s.host, state, [{ field: state.kind === 'totp' ? 'code' : 'name', message }], 400, keyOpen === '1' ? true : keyOpen === '0' ? false : undefined);
    }
    await s.host.save(outcome.state);
    return reply.redirect(s.host.base, 303);
  });

  // The push step's stream: says when the new device registered, and when it answered the test request.
  app.get(`${prefix}/push/wait`, async (req, reply) => {
    const host = await resolve(req, reply);
    if (!host) return reply;
    const state = await host.load();
    if (state?.step !== 'setup' || state.kind !== 'push' || !state.methodId) return reply.code(404).send({ error: 'not_found' });
    const methodId = state.methodId;
    const waitingForDevice = !state.challengeId;
    streamRequest(app, deps, req, reply, state.challengeId, waitingForDevice ? { channel: enrollChannel(methodId), ready: async () => {
      const m = await findMethod(deps.db, host.user.id, methodId);
      return !!m && !!deviceData(m).publicKey;
    } } : undefined);
    return reply;
  });

  /** Drops a method begun in the wizard (and the test request waiting for it, which would hold the person's one pending slot). */
  async function dropPending(userId: string, methodId: string) {
    await cancelPending(deps, userId, enrollRef(methodId));
    await removeMethod(deps.db, userId, methodId);
  }

  app.post(`${prefix}/recovery`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s || !expect('recovery', s, reply)) return reply;
    if (field(req, 'stored') !== '1') return render(req, reply, s.host, s.state, [{ field: 'stored', message: t('wizard.recovery.must_confirm') }], 400);
    await s.host.save({ ...s.state, step: 'done', sealedCodes: undefined });
    return reply.redirect(s.host.base, 303);
  });

  app.post(`${prefix}/done`, async (req, reply) => {
    const s = await open(req, reply);
    if (!s || !expect('done', s, reply)) return reply;
    return s.host.complete(reply, s.state);
  });
}
