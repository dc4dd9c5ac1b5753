import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import { accountSession, currentSession, type SignedIn } from '../session.ts';
import { hasFreshProof } from '../../flows/fresh-proof.ts';
import { auditContext, field } from '../request-context.ts';
import { errorPage } from '../pages/error.ts';
import { accountPage, accountSignedOutPage, accountSignInFailedPage, ACTIVITY_EVENTS } from '../pages/account.ts';
import { confirmPage } from '../pages/confirm.ts';
import type { FieldError } from '../pages/layout.ts';
import { ACCOUNT_CLIENT_ID, ensureAccountClient, finishAccountSignIn, startAccountSignIn } from '../account-sign-in.ts';
import { audit, auditDetails, recentEventsForUser } from '../../store/audit.ts';
import { updateUser } from '../../store/users.ts';
import { changePassword } from '../../flows/password-change.ts';
import { listActiveMethods } from '../../methods/records.ts';
import { signOutEverywhere, signOutOfApp } from '../../flows/sign-out.ts';

const NAME_MAX = 200;

/**
 * Account settings at /account for the person signed in to Gatehouse in this browser. Everything
 * reads the oidc-provider session, which exists only once a sign-in interaction has finished every
 * step; someone without one is sent through the console's own authorization request.
 */
export function registerAccountRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { csrf, t, db, provider } = deps;

  app.addHook('onReady', () => ensureAccountClient(deps));

  async function appNames(clientIds: string[]): Promise<Map<string, string>> {
    const ids = [...new Set(clientIds)];
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('clients').select(['client_id', 'name']).where('client_id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.client_id, r.name]));
  }

  async function render(req: FastifyRequest, reply: FastifyReply, s: SignedIn, o: { notice?: string; errors?: FieldError[]; name?: string; status?: number } = {}) {
    const appIds = Object.keys(s.authorizations).filter((id) => id !== ACCOUNT_CLIENT_ID);
    const events = await recentEventsForUser(db, s.user.id, 20, ACTIVITY_EVENTS);
    const names = await appNames([...appIds, ...events.map((e) => e.client_id).filter((id): id is string => !!id)]);
    const page = accountPage({
      t,
      csrf: csrf.token(req, reply),
      email: s.user.email,
      name: o.name ?? s.user.name,
      apps: appIds.map((clientId) => ({ clientId, name: names.get(clientId) ?? clientId })).sort((a, b) => a.name.localeCompare(b.name)),
      events: events.map((e) => ({ event: e.event, at: Number(e.at), ip: e.ip, userAgent: e.user_agent, details: auditDetails(e.details), appName: e.client_id ? names.get(e.client_id) ?? e.client_id : undefined })),
      notice: o.notice,
      errors: o.errors,
      secondFactorCount: (await listActiveMethods(db, s.user.id)).length,
    });
    return reply.code(o.status ?? 200).type('text/html').send(page);
  }

  /** The signed-in person for a POST, after the CSRF check; otherwise the reply is already sent. */
  async function forPost(req: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> {
    if (!csrf.verify(req)) {
      reply.code(403).type('text/html').send(errorPage(t, t('error.csrf'), 'csrf_failed'));
      return undefined;
    }
    const { s } = await accountSession(deps, req, reply);
    if (!s) reply.redirect('/account', 303);
    return s;
  }

  /**
   * A Gatehouse session whose account is disabled or gone (currentSession refuses it) is ended
   * before signing in again: oidc-provider would otherwise find a session without its account.
   */
  async function endUnusableSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const session = await provider.Session.get(provider.createContext(req.raw, reply.raw) as any);
    if (!session.accountId) return;
    await db.deleteFrom('oidc_models').where('kind', '=', 'Session').where('id', '=', session.jti).execute();
    await audit(db, deps.clock, { ...auditContext(req), event: 'session.ended_account_unavailable', userId: session.accountId });
  }

  app.get('/account', async (req, reply) => {
    const a = await accountSession(deps, req, reply);
    if (!a.s) {
      // A session that must prove more keeps going: the console's sign-in asks for what is missing.
      if (!a.needsSignIn) await endUnusableSession(req, reply);
      return reply.redirect(startAccountSignIn(deps, req, reply), 303);
    }
    const s = a.s;
    const q = req.query as Record<string, unknown>;
    let notice: string | undefined;
    if (q.done === 'profile') notice = t('account.profile_saved');
    else if (q.done === 'password') notice = t('account.password_changed');
    else if (q.done === 'app' && typeof q.app === 'string') {
      notice = t('account.signed_out_app', { app: (await appNames([q.app])).get(q.app) ?? q.app });
    }
    return render(req, reply, s, { notice });
  });

  app.get('/account/callback', async (req, reply) => {
    const s = await currentSession(deps, req, reply);
    if (await finishAccountSignIn(deps, req, reply, s)) return reply.redirect('/account', 303);
    return reply.code(400).type('text/html').send(accountSignInFailedPage(t));
  });

  app.post('/account/profile', async (req, reply) => {
    const s = await forPost(req, reply);
    if (!s) return reply;
    const name = (field(req, 'name') ?? '').trim();
    if ([...name].length > NAME_MAX) {
      return render(req, reply, s, { name, errors: [{ field: 'name', message: t('account.name_too_long') }], status: 400 });
    }
    if (name !== s.user.name) {
      await updateUser(db, deps.clock, s.user.id, { name });
      await audit(db, deps.clock, { ...auditContext(req), event: 'account.profile_updated', userId: s.user.id, details: { fields: ['name'] } });
    }
    return reply.redirect('/account?done=profile', 303);
  });

  app.post('/account/password', async (req, reply) => {
    const s = await forPost(req, reply);
    if (!s) return reply;
    // With 2FA, the current password alone does not change the password: a fresh second factor too.
    const methods = await listActiveMethods(db, s.user.id);
    if (methods.length > 0 && !(await hasFreshProof(deps, s, true))) return reply.redirect(`/account/security/verify?next=${encodeURIComponent('/account')}`, 303);
    const input = { current: field(req, 'current_password'), next: field(req, 'new_password'), repeat: field(req, 'confirm_password') };
    const result = await changePassword(deps, provider, s.user, input, s.sessionId, auditContext(req), req.cookies);
    if (!result.ok) {
      const errors = result.errors.map((e) => ({ field: e.field, message: t(e.message) }));
      return render(req, reply, s, { errors, status: result.throttled ? 429 : 400 });
    }
    return reply.redirect('/account?done=password', 303);
  });

  app.post('/account/apps/sign-out', async (req, reply) => {
    const s = await forPost(req, reply);
    if (!s) return reply;
    const clientId = field(req, 'client_id');
    if (!clientId || clientId === ACCOUNT_CLIENT_ID || !(await signOutOfApp(deps, provider, s.user.id, s.sessionId, clientId, auditContext(req)))) {
      return reply.redirect('/account', 303);
    }
    return reply.redirect(`/account?done=app&app=${encodeURIComponent(clientId)}`, 303);
  });

  // This browser only, like RP-initiated logout: each app of this session is told, then the session ends.
  app.post('/account/sign-out', async (req, reply) => {
    const s = await forPost(req, reply);
    if (!s) return reply;
    const where = auditContext(req);
    for (const clientId of Object.keys(s.authorizations)) await signOutOfApp(deps, provider, s.user.id, s.sessionId, clientId, where);
    await db.deleteFrom('oidc_models').where('kind', '=', 'Session').where('id', '=', s.sessionId).execute();
    await audit(db, deps.clock, { ...where, event: 'session.signed_out', userId: s.user.id });
    return reply.type('text/html').send(accountSignedOutPage(t, t('logout.done_body')));
  });

  // Asked once more on a page that says what it does (issue 7); the GET changes nothing.
  app.get('/account/sign-out-everywhere/confirm', async (req, reply) => {
    const { s } = await accountSession(deps, req, reply);
    if (!s) return reply.redirect('/account', 303);
    return reply.type('text/html').send(
      confirmPage({
        t,
        csrf: csrf.token(req, reply),
        title: t('account.sign_out_everywhere_confirm.title'),
        consequences: [t('account.sign_out_everywhere_confirm.body'), t('account.sign_out_everywhere_confirm.after')],
        action: '/account/sign-out-everywhere',
        button: t('account.sign_out_everywhere'),
        cancelHref: '/account',
      }),
    );
  });

  app.post('/account/sign-out-everywhere', async (req, reply) => {
    const s = await forPost(req, reply);
    if (!s) return reply;
    if (field(req, 'confirm') !== '1') return reply.redirect('/account/sign-out-everywhere/confirm', 303);
    await signOutEverywhere(deps, provider, s.user.id, { reason: 'user_request', where: auditContext(req) });
    return reply.type('text/html').send(accountSignedOutPage(t, t('account.signed_out_everywhere_body')));
  });
}
