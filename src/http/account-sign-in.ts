import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.ts';
import type { SignedIn } from './session.ts';
import { deriveKey } from '../crypto/secret-box.ts';
import { randomId } from '../clock.ts';
import { createApp, findClientRow } from '../store/clients.ts';
import { ROUTES, TTL } from '../oidc/provider.ts';
import { ACCOUNT_CLIENT_ID } from '../policy/requirement-for.ts';
import { sha256Base64url } from '../crypto/digest.ts';

/**
 * Account settings sign in through Gatehouse like any app (docs/decisions/0002-account-sign-in.md):
 * a built-in first-party public client whose only redirect URI is the console's callback.
 */
export { ACCOUNT_CLIENT_ID };

const COOKIE = 'gh_account_signin';
const COOKIE_PATH = '/account';

export function accountCallbackUri(issuer: string): string {
  return `${issuer}/account/callback`;
}

/**
 * Registers the console's client in the store if it is missing (every instance runs this at
 * start; a concurrent insert by another instance is fine) and keeps its redirect URI in step with
 * the issuer.
 */
export async function ensureAccountClient(deps: HttpDeps): Promise<void> {
  const { db, box, clock, random, config, t } = deps;
  const redirectUri = accountCallbackUri(config.issuer);
  const row = await findClientRow(db, ACCOUNT_CLIENT_ID);
  if (!row) {
    try {
      await createApp(db, box, clock, random, { clientId: ACCOUNT_CLIENT_ID, name: t('account.client_name'), redirectUris: [redirectUri], isPublic: true, firstParty: true });
    } catch (err) {
      if (!(await findClientRow(db, ACCOUNT_CLIENT_ID))) throw err;
    }
    return;
  }
  const metadata = JSON.parse(row.metadata) as { redirect_uris?: string[] };
  if (metadata.redirect_uris?.length !== 1 || metadata.redirect_uris[0] !== redirectUri) {
    metadata.redirect_uris = [redirectUri];
    await db.updateTable('clients').set({ metadata: JSON.stringify(metadata) }).where('client_id', '=', ACCOUNT_CLIENT_ID).execute();
  }
}

interface Pending {
  state: string;
  verifier: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

function mac(deps: HttpDeps, data: string): string {
  return createHmac('sha256', deriveKey(deps.config.secretKey, 'account-sign-in')).update(data).digest('base64url');
}

function s256(verifier: string): string {
  return sha256Base64url(verifier);
}

/**
 * Starts the console's own authorization request (code + PKCE S256). State and verifier travel in
 * a short-lived HMAC-signed cookie scoped to /account, so nothing is kept in memory.
 */
export function startAccountSignIn(deps: HttpDeps, req: FastifyRequest, reply: FastifyReply): string {
  void req;
  const pending: Pending = { state: randomId(deps.random), verifier: randomId(deps.random, 32), exp: deps.clock.now() + TTL.Interaction * 1000 };
  const data = Buffer.from(JSON.stringify(pending)).toString('base64url');
  reply.setCookie(COOKIE, `${data}.${mac(deps, data)}`, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.issuer.startsWith('https:'),
    maxAge: TTL.Interaction,
  });
  const url = new URL(deps.config.issuer + ROUTES.authorization);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    redirect_uri: accountCallbackUri(deps.config.issuer),
    scope: 'openid',
    state: pending.state,
    code_challenge: s256(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

function readPending(deps: HttpDeps, req: FastifyRequest): Pending | undefined {
  const raw = req.cookies[COOKIE];
  const [data, sig] = raw?.split('.') ?? [];
  if (!data || !sig) return undefined;
  const expected = Buffer.from(mac(deps, data));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const p = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as Pending;
    return typeof p.state === 'string' && typeof p.verifier === 'string' && p.exp > deps.clock.now() ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The callback: checks state and issuer (RFC 9207), then redeems the code in-process rather than
 * over HTTP: it must be this client's, unexpired, unused, bound to this browser's session and
 * match the PKCE verifier. It is consumed so it cannot be redeemed at the token endpoint; the
 * console itself needs no tokens, it reads the session. Returns false when anything is off.
 */
export async function finishAccountSignIn(deps: HttpDeps, req: FastifyRequest, reply: FastifyReply, signedIn: SignedIn | undefined): Promise<boolean> {
  const pending = readPending(deps, req);
  reply.clearCookie(COOKIE, { path: COOKIE_PATH });
  const q = req.query as Record<string, unknown>;
  if (!pending || !signedIn || q.state !== pending.state || q.iss !== deps.config.issuer || typeof q.code !== 'string') return false;
  const code = await deps.provider.AuthorizationCode.find(q.code);
  if (!code || !code.isValid || code.clientId !== ACCOUNT_CLIENT_ID) return false;
  const ok =
    code.accountId === signedIn.user.id &&
    code.sessionUid === signedIn.sessionUid &&
    code.codeChallengeMethod === 'S256' &&
    code.codeChallenge === s256(pending.verifier) &&
    code.redirectUri === accountCallbackUri(deps.config.issuer);
  await code.consume();
  return ok;
}
