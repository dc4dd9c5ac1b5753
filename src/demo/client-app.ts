import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import * as client from 'openid-client';
import { createRemoteJWKSet } from 'jose';
import type { AppPolicy } from '../store/clients.ts';
import { demoAppUris, type DemoAppDefinition } from './catalog.ts';
import { DemoSessions, type DemoSession, type SignedIn } from './sessions.ts';
import { LogoutTokenError, LogoutTokenVerifier } from './backchannel.ts';
import { DEMO_TEXT as T } from './messages.ts';
import { errorPage, homePage, sensitiveDonePage, stylesheet, type PageContext } from './pages.ts';
import { stepUpParams } from './step-up.ts';
import { registerBankDetailsApi } from './bank-details-api.ts';
import { callBankDetails } from './bank-details-call.ts';
import type { StepUpParams } from '../../packages/sdk/src/index.ts';

export interface DemoClientOptions {
  app: DemoAppDefinition;
  issuer: string;
  clientSecret: string;
  /** Origin the app is reached at, e.g. `http://localhost:3001` (its redirect URI hangs off it). */
  baseUrl: string;
  port: number;
  host: string;
  /** The other demo apps, linked from the home page to show single sign-on. */
  others: Array<{ name: string; url: string }>;
  /** The app's current 2FA policy in Gatehouse, for the footer. */
  policy(): Promise<AppPolicy>;
}

export interface DemoClient {
  url: string;
  close(): Promise<void>;
}

/**
 * One demo application: a small, real OpenID Connect relying party (openid-client) with the
 * authorization code flow + PKCE + state + nonce, RP-initiated logout and Back-Channel Logout.
 * It is written the way an application owner would write theirs; it knows nothing of Gatehouse's
 * internals beyond its issuer URL and its own client credentials.
 */
export async function startDemoClient(o: DemoClientOptions): Promise<DemoClient> {
  const uris = demoAppUris(o.baseUrl);
  const cookieName = `${o.app.clientId}_session`; // cookies ignore ports: each app needs its own name
  const sessions = new DemoSessions();
  const issuerOrigin = new URL(o.issuer).origin;

  // Discovery happens on first use and is retried after a failure, so the app starts even when
  // Gatehouse is not reachable yet.
  let discovered: Promise<client.Configuration> | undefined;
  const oidc = () =>
    (discovered ??= client
      .discovery(new URL(o.issuer), o.app.clientId, { client_secret: o.clientSecret }, client.ClientSecretBasic(o.clientSecret), {
        execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      }));
  let verifier: LogoutTokenVerifier | undefined;
  const logoutTokens = async () => {
    if (verifier) return verifier;
    const meta = (await oidc()).serverMetadata();
    verifier = new LogoutTokenVerifier(createRemoteJWKSet(new URL(meta.jwks_uri!)), meta.issuer, o.app.clientId);
    return verifier;
  };

  const http = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  await http.register(cookie);
  await http.register(formbody);
  const sensitive = o.app.sensitiveAction;
  if (sensitive) await registerBankDetailsApi(http, o.issuer, sensitive.api);
  const sensitiveApiUrl = sensitive ? `${o.baseUrl.replace(/\/$/, '')}${sensitive.api.path}` : '';

  const pageContext = async (): Promise<PageContext> => ({
    appName: o.app.name,
    sensitiveAction: o.app.sensitiveAction,
    policy: await o.policy().catch(() => o.app.policy),
    others: o.others,
  });
  const send = (reply: FastifyReply, status: number, body: string) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      // The authorization response carries a code: no Referer may leak it onward.
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', `default-src 'none'; style-src 'self'; form-action 'self' ${issuerOrigin}; base-uri 'none'; frame-ancestors 'none'`)
      .send(body);
  const fail = async (reply: FastifyReply, status: number, message: string, detail?: string) => send(reply, status, errorPage(await pageContext(), message, detail));
  const sessionOf = (req: FastifyRequest) => sessions.get(req.cookies[cookieName]);
  const setSessionCookie = (reply: FastifyReply, s: DemoSession) =>
    reply.setCookie(cookieName, s.id, { path: '/', httpOnly: true, sameSite: 'lax', secure: o.baseUrl.startsWith('https:') });

  http.get('/demo.css', async (_req, reply) => reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'max-age=300').send(stylesheet(o.app.color)));

  http.get('/', async (req, reply) => {
    const s = sessionOf(req);
    return send(reply, 200, homePage(await pageContext(), s?.user, s?.csrf));
  });

  // Starts a sign-in. `step_up=1` asks for a fresh authentication (max_age=0) while signed in.
  http.get<{ Querystring: { step_up?: string } }>('/login', async (req, reply) => {
    const stepUp = req.query.step_up === '1';
    const s = sessionOf(req);
    if (s?.user && !stepUp) return reply.redirect('/', 303);
    return startSignIn(req, reply, s, stepUp ? 'fresh' : 'sign-in');
  });

  // The sensitive action ("Change bank details") is the app's own API's to allow (bank-details-api.ts):
  // the app calls it with the person's access token and, when it answers with the RFC 9470 challenge,
  // steps up with exactly what the challenge asks (acr_values, max_age) and says what it is for.
  // No max_age=0: Gatehouse asks only for what the session lacks (the second factor, not the
  // password again while the password counts).
  http.get('/sensitive', async (req, reply) => {
    const s = sessionOf(req);
    if (!sensitive) return fail(reply, 404, T.errors.generic);
    if (!s?.user) return reply.redirect('/login', 303);
    let outcome;
    try {
      outcome = await callBankDetails(sensitiveApiUrl, s.user.accessToken, sensitive.action);
    } catch {
      return fail(reply, 502, T.errors.unavailable);
    }
    if (!outcome.ok) return startSignIn(req, reply, s, 'sensitive', outcome.stepUp);
    s.confirmed = outcome.confirmed;
    return reply.redirect('/sensitive/done', 303);
  });

  http.get('/sensitive/done', async (req, reply) => {
    const s = sessionOf(req);
    if (!o.app.sensitiveAction || !s?.user || !s.confirmed) return reply.redirect('/', 303);
    return send(reply, 200, sensitiveDonePage(await pageContext(), o.app.sensitiveAction, s.confirmed));
  });

  // `stepUpFor`: what the API's challenge asks for. Without one (its token expired, say) the app asks
  // for what it knows its own API requires, so that the new token is not refused in turn for its age.
  async function startSignIn(req: FastifyRequest, reply: FastifyReply, existing: DemoSession | undefined, kind: 'sign-in' | 'fresh' | 'sensitive', stepUpFor?: StepUpParams) {
    let s = existing;
    const stepUp = kind !== 'sign-in';
    let conf: client.Configuration;
    try {
      conf = await oidc();
    } catch {
      return fail(reply, 502, T.errors.unavailable);
    }
    s ??= sessions.create();
    const codeVerifier = client.randomPKCECodeVerifier();
    const sensitiveParams = kind === 'sensitive' && sensitive ? (stepUpFor ?? { ...stepUpParams(sensitive.action), max_age: String(sensitive.api.maxAge) }) : undefined;
    const maxAge = kind === 'fresh' ? 0 : sensitiveParams?.max_age !== undefined ? Number(sensitiveParams.max_age) : undefined;
    s.pending = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, ...(maxAge !== undefined ? { maxAge } : {}), ...(kind === 'sensitive' ? { sensitive: true } : {}) };
    const url = client.buildAuthorizationUrl(conf, {
      redirect_uri: uris.redirectUri,
      scope: sensitive ? `openid email profile ${sensitive.api.scope}` : 'openid email profile',
      // An access token for the app's own API (RFC 8707), which enforces the sensitive action.
      ...(sensitive ? { resource: sensitive.api.resource } : {}),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: s.pending.state,
      nonce: s.pending.nonce,
      ...(kind === 'fresh' ? { max_age: '0' } : {}),
      ...(sensitiveParams as Record<string, string> | undefined),
      ...(stepUp && s.user?.email ? { login_hint: s.user.email } : {}),
    });
    setSessionCookie(reply, s);
    return reply.redirect(url.href, 303);
  }

  http.get<{ Querystring: Record<string, string | undefined> }>('/callback', async (req, reply) => {
    const s = sessionOf(req);
    const pending = s?.pending;
    // The response must answer a sign-in this browser started here (CSRF on the redirect URI).
    if (!s || !pending || req.query.state !== pending.state) return fail(reply, 400, T.errors.state);
    delete s.pending; // one response per sign-in
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      const currentUrl = new URL(req.url, uris.redirectUri);
      tokens = await client.authorizationCodeGrant(await oidc(), currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
        ...(pending.maxAge !== undefined ? { maxAge: pending.maxAge } : {}),
      });
    } catch (err) {
      if (err instanceof client.AuthorizationResponseError) {
        const message = err.error === 'access_denied' ? T.errors.access_denied : T.errors.provider;
        return fail(reply, 400, message, [err.error, err.error_description].filter(Boolean).join(': '));
      }
      if (err instanceof client.ResponseBodyError) return fail(reply, 400, T.errors.provider, [err.error, err.error_description].filter(Boolean).join(': '));
      return fail(reply, 400, T.errors.generic, (err as { code?: string }).code);
    }
    const signedIn = toSignedIn(tokens);
    if (!signedIn) return fail(reply, 400, T.errors.generic);
    // The step-up is for this person only; whether it is enough is the API's to say, on the new token.
    if (pending.sensitive && s.user && s.user.sub !== signedIn.sub) return fail(reply, 403, T.errors.not_confirmed);
    let confirmed;
    if (pending.sensitive && sensitive) {
      const outcome = await callBankDetails(sensitiveApiUrl, signedIn.accessToken, sensitive.action).catch(() => undefined);
      if (!outcome?.ok) return fail(reply, 403, T.errors.not_confirmed);
      confirmed = outcome.confirmed;
    }
    const next = sessions.rotate(s);
    next.user = signedIn;
    next.confirmed = confirmed;
    setSessionCookie(reply, next);
    return reply.redirect(pending.sensitive ? '/sensitive/done' : '/', 303);
  });

  // RP-initiated logout: the local session ends here, then Gatehouse ends its own (and tells the other apps).
  http.post<{ Body: { csrf?: unknown } | undefined }>('/logout', async (req, reply) => {
    const s = sessionOf(req);
    if (!s?.user) return reply.redirect('/', 303);
    if (!sameToken(req.body?.csrf, s.csrf)) return fail(reply, 403, T.errors.csrf);
    sessions.delete(s.id);
    reply.clearCookie(cookieName, { path: '/' });
    try {
      const url = client.buildEndSessionUrl(await oidc(), { id_token_hint: s.user.idToken, post_logout_redirect_uri: uris.postLogoutRedirectUri });
      return reply.redirect(url.href, 303);
    } catch {
      return reply.redirect('/', 303);
    }
  });

  // OIDC Back-Channel Logout 1.0 §2.8: 200 when the sessions are gone, 400 for a token that does not verify.
  http.post<{ Body: { logout_token?: unknown } | undefined }>('/backchannel-logout', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      const target = await (await logoutTokens()).verify(req.body?.logout_token);
      sessions.endWhere(target);
      return reply.code(200).send();
    } catch (err) {
      const description = err instanceof LogoutTokenError ? err.message : 'logout token could not be verified';
      return reply.code(400).send({ error: 'invalid_request', error_description: description });
    }
  });

  http.setNotFoundHandler(async (_req, reply) => fail(reply, 404, T.errors.generic));
  http.setErrorHandler(async (_err, _req, reply) => fail(reply, 500, T.errors.generic));

  await http.listen({ port: o.port, host: o.host });
  return { url: o.baseUrl, close: () => http.close() };
}

function toSignedIn(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): SignedIn | undefined {
  const claims = tokens.claims();
  if (!claims || !tokens.id_token) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    idToken: tokens.id_token,
    accessToken: tokens.access_token,
    sub: claims.sub,
    sid: str(claims.sid),
    name: str(claims.name),
    email: str(claims.email),
    acr: str(claims.acr),
    amr: Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [],
    authTime: typeof claims.auth_time === 'number' ? claims.auth_time : undefined,
  };
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
