import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from './server.ts';
import { findUserById, type User } from '../store/users.ts';

export interface SignedIn {
  user: User;
  /** oidc-provider session id (the row id in oidc_models). */
  sessionId: string;
  /** oidc-provider session uid (the `sid` apps see). */
  sessionUid: string;
  authTime: number | undefined;
  acr: string | undefined;
  amr: string[] | undefined;
  authorizations: Record<string, { sid?: string; grantId?: string }>;
}

/**
 * The person signed in to Gatehouse in this browser: the oidc-provider session (its signed
 * `_session` cookie), so account settings and apps share one sign-in.
 */
export async function currentSession(deps: HttpDeps, req: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> {
  const ctx = deps.provider.createContext(req.raw, reply.raw);
  const session = await deps.provider.Session.get(ctx as any);
  if (!session.accountId) return undefined;
  const user = await findUserById(deps.db, session.accountId);
  if (!user || user.disabled) return undefined;
  return {
    user,
    sessionId: session.jti,
    sessionUid: session.uid,
    authTime: session.authTime(),
    acr: session.acr,
    amr: session.amr,
    authorizations: (session.authorizations ?? {}) as SignedIn['authorizations'],
  };
}
