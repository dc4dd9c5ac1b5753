import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.ts';
import { findUserById, type User } from '../store/users.ts';
import { listActiveMethods } from '../methods/records.ts';
import { signInRequirementFor, ACCOUNT_CLIENT_ID } from '../policy/requirement-for.ts';
import { consoleEvidence } from '../flows/fresh-proof.ts';
import { decide } from '../gate/decide.ts';

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
 * `_session` cookie), so account settings and apps share one sign-in. Whatever the session proved;
 * Account settings use {@link accountSession}.
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

/**
 * Whether the session meets Account settings' own requirement — an app with a Required rule for
 * people who have 2FA (SECURITY.md) — asked of the same gate as every sign-in. A password-only
 * session from a Bypass app, or from "Remind me later" before 2FA was turned on, does not.
 */
export async function meetsAccountRequirement(deps: HttpDeps, s: SignedIn, opts: { withoutMethod?: string } = {}): Promise<boolean> {
  // `withoutMethod`: whether it still would once that method is removed (the removal's confirmation says so).
  const methods = (await listActiveMethods(deps.db, s.user.id)).filter((m) => m.id !== opts.withoutMethod);
  if (methods.length === 0) return true;
  const requirement = await signInRequirementFor(deps, { user: s.user, clientId: ACCOUNT_CLIENT_ID, methodTypes: methods.map((m) => m.type), deviceToken: undefined, ip: undefined, deviceKnown: false, request: { acrs: [], reauthenticate: false } });
  // A first method this session confirmed in the settings' wizard counts while it is still active:
  // the session had no 2FA then, so enrolling was allowed to it, and it proved possession of it.
  const proofs = await consoleEvidence(deps, s, methods.map((m) => m.id));
  const evidence = { proofs, hadMethods: !proofs.some((p) => p.source === 'enrollment') };
  return decide({ requirement, evidence, methodTypes: methods.map((m) => m.type), methods, now: deps.clock.now() }).step === 'satisfied';
}

/**
 * The session for Account settings: signed in, and meeting the console's requirement.
 * `needsSignIn` when there is a session that must prove more (the console's sign-in asks for it).
 */
export async function accountSession(deps: HttpDeps, req: FastifyRequest, reply: FastifyReply): Promise<{ s: SignedIn } | { s: undefined; needsSignIn: boolean }> {
  const s = await currentSession(deps, req, reply);
  if (!s) return { s: undefined, needsSignIn: false };
  if (!(await meetsAccountRequirement(deps, s))) return { s: undefined, needsSignIn: true };
  return { s };
}
