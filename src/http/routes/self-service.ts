import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import { auditContext, field } from '../request-context.ts';
import { errorPage } from '../pages/error.ts';
import {
  invalidLinkPage,
  resetConfirmPage,
  resetDonePage,
  resetRequestPage,
  resetSentPage,
  signupDisabledPage,
  signupPage,
  signupSentPage,
  verifiedPage,
  verifyConfirmPage,
} from '../pages/self-service.ts';
import { isInteractionUid, signUp, verifyEmail } from '../../flows/signup.ts';
import { checkPassword } from '../../flows/password-login.ts';
import { completePasswordReset, requestPasswordReset, userForResetToken } from '../../flows/password-reset.ts';
import { peekEmailToken } from '../../store/email-tokens.ts';
import { findUserById } from '../../store/users.ts';

/** A query parameter as one string; repeated or missing parameters give undefined. */
function query(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Self-service pages: sign-up, email verification, password reset. Every state change is a POST
 * with CSRF; links in mails open a page with a button, because mail scanners follow links.
 */
export function registerSelfServiceRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { csrf, t, config, provider, db, clock } = deps;

  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html').send(body);

  function guard(req: FastifyRequest, reply: FastifyReply): boolean {
    if (csrf.verify(req)) return true;
    html(reply, 403, errorPage(t, t('error.csrf'), 'csrf_failed'));
    return false;
  }

  /** The sign-in to return to, if the request names one that is still in progress. */
  async function liveInteraction(uid: string | undefined): Promise<string | undefined> {
    if (!isInteractionUid(uid)) return undefined;
    return (await provider.Interaction.find(uid)) ? uid : undefined;
  }

  const interactionOf = (value: string | undefined) => (isInteractionUid(value) ? value : undefined);

  // ---- sign-up ----

  app.get('/signup', async (req, reply) => {
    const interaction = interactionOf(query(req, 'interaction'));
    if (!config.signupEnabled) return html(reply, 403, signupDisabledPage(t, interaction));
    return html(reply, 200, signupPage({ t, csrf: csrf.token(req, reply), interaction }));
  });

  app.post('/signup', async (req, reply) => {
    const interaction = interactionOf(field(req, 'interaction'));
    if (!config.signupEnabled) return html(reply, 403, signupDisabledPage(t, interaction));
    if (!guard(req, reply)) return reply;
    const input = { name: field(req, 'name') ?? '', email: field(req, 'email') ?? '', password: field(req, 'password') ?? '', interaction };
    const result = await signUp(deps, input, auditContext(req));
    if (result.ok) return html(reply, 200, signupSentPage(t, input.email.trim(), config.requireEmailVerification, interaction));
    const errors = 'throttled' in result ? [{ field: 'email', message: t('selfservice.too_many_requests') }] : result.errors.map((e) => ({ field: e.field, message: t(e.key) }));
    const page = signupPage({ t, csrf: csrf.token(req, reply), name: input.name, email: input.email, errors, interaction });
    return html(reply, 'throttled' in result ? 429 : 400, page);
  });

  // ---- email verification ----

  app.get('/verify-email', async (req, reply) => {
    const token = query(req, 'token') ?? '';
    if (!token || !(await peekEmailToken(db, clock, token, 'verify-email'))) return html(reply, 400, invalidLinkPage(t, 'verify'));
    return html(reply, 200, verifyConfirmPage(t, csrf.token(req, reply), token, interactionOf(query(req, 'interaction'))));
  });

  app.post('/verify-email', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    const token = field(req, 'token') ?? '';
    const interaction = interactionOf(field(req, 'interaction'));
    const userId = token ? await peekEmailToken(db, clock, token, 'verify-email') : undefined;
    const pending = userId ? await findUserById(db, userId) : undefined;
    if (!pending) return html(reply, 400, invalidLinkPage(t, 'verify'));
    // The person verifying must know the account's password (counted like any password attempt).
    const check = await checkPassword(deps, pending.email, field(req, 'password') ?? '', auditContext(req));
    const owner = check.ok ? check.user.id === pending.id : check.reason === 'unverified' && check.user?.id === pending.id;
    if (!owner) {
      const message = !check.ok && check.reason === 'throttled' ? t('login.throttled') : t('verify.password_wrong');
      return html(reply, !check.ok && check.reason === 'throttled' ? 429 : 400, verifyConfirmPage(t, csrf.token(req, reply), token, interaction, undefined, message));
    }
    const user = await verifyEmail(deps, token, auditContext(req));
    if (!user) return html(reply, 400, invalidLinkPage(t, 'verify'));
    return html(reply, 200, verifiedPage(t, await liveInteraction(field(req, 'interaction'))));
  });

  // ---- password reset ----

  app.get('/reset', async (req, reply) => {
    return html(reply, 200, resetRequestPage({ t, csrf: csrf.token(req, reply), interaction: interactionOf(query(req, 'interaction')) }));
  });

  app.post('/reset', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    const email = field(req, 'email') ?? '';
    const interaction = interactionOf(field(req, 'interaction'));
    const result = await requestPasswordReset(deps, email, auditContext(req), interaction);
    if (result.ok) return html(reply, 200, resetSentPage(t, email.trim()));
    const page = resetRequestPage({ t, csrf: csrf.token(req, reply), email, errors: [{ field: 'email', message: t(result.error) }], interaction });
    return html(reply, result.throttled ? 429 : 400, page);
  });

  app.get('/reset/confirm', async (req, reply) => {
    const token = query(req, 'token') ?? '';
    const user = await userForResetToken(deps, token);
    if (!user) return html(reply, 400, invalidLinkPage(t, 'reset'));
    return html(reply, 200, resetConfirmPage({ t, csrf: csrf.token(req, reply), token, email: user.email, interaction: interactionOf(query(req, 'interaction')) }));
  });

  app.post('/reset/confirm', async (req, reply) => {
    if (!guard(req, reply)) return reply;
    const token = field(req, 'token') ?? '';
    const interaction = interactionOf(field(req, 'interaction'));
    const result = await completePasswordReset(deps, provider, token, field(req, 'password') ?? '', field(req, 'password_confirm') ?? '', auditContext(req));
    if (result.ok) return html(reply, 200, resetDonePage(t, await liveInteraction(interaction)));
    if (result.invalidLink) return html(reply, 400, invalidLinkPage(t, 'reset'));
    const errors = [{ field: result.field, message: t(result.error) }];
    return html(reply, 400, resetConfirmPage({ t, csrf: csrf.token(req, reply), token, email: result.email, errors, interaction }));
  });
}
