import type Provider from 'oidc-provider';
import type { Deps } from '../context.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { updateUser } from '../store/users.ts';
import { forgetAllDevices } from '../security/remembered-devices.ts';

interface StoredSession {
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

export interface SignOutOptions {
  /** The Gatehouse session of the browser that made the change: it survives, its apps sign in again by SSO. */
  keepSessionId?: string;
  /** Why, for the audit log (password_changed, user_request, 2fa_removed, …). */
  reason: string;
  where?: AuditContext;
}

/**
 * Signs a person out of every app on every device at once:
 * - every Gatehouse session is deleted (except `keepSessionId`);
 * - every grant with its codes, access and refresh tokens is revoked;
 * - every app the person had a session with gets an OIDC Back-Channel Logout token;
 * - `sessions_valid_after` moves to now, so a token that escaped the revocation (a JWT access
 *   token held by an API) no longer finds its account at userinfo, introspection or refresh;
 * - every browser the person's adaptive risk knew, and every remembered device, is forgotten (their
 *   rows deleted, not only outdated: the cut-off has whole seconds, and a browser that signed in
 *   earlier in the same second must not survive it).
 */
export async function signOutEverywhere(deps: Deps, provider: Provider, userId: string, opts: SignOutOptions): Promise<void> {
  const { db, clock } = deps;
  // Whole seconds: token `iat` has second precision, and tokens issued after this call must pass.
  await updateUser(db, clock, userId, { sessions_valid_after: Math.floor(clock.now() / 1000) * 1000 });
  await forgetAllDevices(deps, userId);

  const sessions = await db.selectFrom('oidc_models').select(['id', 'payload']).where('kind', '=', 'Session').where('account_id', '=', userId).execute();
  const logouts: Array<Promise<void>> = [];
  for (const row of sessions) {
    const payload = JSON.parse(row.payload) as StoredSession;
    for (const [clientId, auth] of Object.entries(payload.authorizations ?? {})) {
      logouts.push(backchannelLogout(deps, provider, userId, clientId, auth.sid));
    }
    if (row.id === opts.keepSessionId) {
      delete payload.authorizations;
      await db.updateTable('oidc_models').set({ payload: JSON.stringify(payload) }).where('kind', '=', 'Session').where('id', '=', row.id).execute();
    } else {
      await db.deleteFrom('oidc_models').where('kind', '=', 'Session').where('id', '=', row.id).execute();
    }
  }
  // Every grant and every token of the account, including offline refresh tokens whose session ended long ago.
  const grants = await db.selectFrom('oidc_models').select('id').where('kind', '=', 'Grant').where('account_id', '=', userId).execute();
  for (const g of grants) await db.deleteFrom('oidc_models').where('grant_id', '=', g.id).execute();
  await db.deleteFrom('oidc_models').where('account_id', '=', userId).where('kind', 'in', ['Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode']).execute();
  await Promise.all(logouts);
  await audit(db, clock, { ...opts.where, event: 'session.signed_out_everywhere', userId, details: { reason: opts.reason, sessions: sessions.length, kept: opts.keepSessionId ? 1 : 0 } });
}

/**
 * The apps a person is signed in to, on every device: those named by a Gatehouse session of theirs
 * and those holding a grant (offline refresh tokens outlive the session). What
 * {@link signOutEverywhere} signs them out of; pages state its count before and after.
 */
export async function signedInApps(deps: Pick<Deps, 'db'>, userId: string): Promise<string[]> {
  const rows = await deps.db.selectFrom('oidc_models').select(['kind', 'payload']).where('account_id', '=', userId).where('kind', 'in', ['Session', 'Grant']).execute();
  const apps = new Set<string>();
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as StoredSession & { clientId?: string };
    if (row.kind === 'Grant' && payload.clientId) apps.add(payload.clientId);
    for (const clientId of Object.keys(payload.authorizations ?? {})) apps.add(clientId);
  }
  return [...apps].sort();
}

/** Ends one app's part of one Gatehouse session: its grant and tokens are revoked, the app is told. */
export async function signOutOfApp(deps: Deps, provider: Provider, userId: string, sessionId: string, clientId: string, where?: AuditContext): Promise<boolean> {
  const { db, clock } = deps;
  const row = await db.selectFrom('oidc_models').select('payload').where('kind', '=', 'Session').where('id', '=', sessionId).executeTakeFirst();
  if (!row) return false;
  const payload = JSON.parse(row.payload) as StoredSession;
  const auth = payload.authorizations?.[clientId];
  if (payload.accountId !== userId || !auth) return false;
  delete payload.authorizations![clientId];
  await db.updateTable('oidc_models').set({ payload: JSON.stringify(payload) }).where('kind', '=', 'Session').where('id', '=', sessionId).execute();
  if (auth.grantId) {
    await db.deleteFrom('oidc_models').where('grant_id', '=', auth.grantId).execute();
    await db.deleteFrom('oidc_models').where('kind', '=', 'Grant').where('id', '=', auth.grantId).execute();
  }
  await backchannelLogout(deps, provider, userId, clientId, auth.sid);
  await audit(db, clock, { ...where, event: 'session.signed_out_of_app', userId, clientId });
  return true;
}

async function backchannelLogout(deps: Deps, provider: Provider, userId: string, clientId: string, sid: string | undefined): Promise<void> {
  try {
    const client = await provider.Client.find(clientId);
    if (!client?.backchannelLogoutUri) return;
    await (client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }).backchannelLogout(userId, sid ?? '');
    await audit(deps.db, deps.clock, { event: 'session.backchannel_logout.sent', userId, clientId });
  } catch (err) {
    // An app that is down must not stop the sign-out; its tokens are already revoked.
    await audit(deps.db, deps.clock, { event: 'session.backchannel_logout.failed', userId, clientId, details: { error: (err as Error).message.slice(0, 200) } });
  }
}
