import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Random } from '../clock.ts';
import { randomId } from '../clock.ts';
import { keyedMemo } from '../crypto/keyed-memo.ts';

/** The form cookie over plain http (development, tests). */
export const CSRF_COOKIE = 'gh_csrf';
/** The form cookie when the issuer is https: `__Host-` makes browsers refuse it from a sibling domain or another path (cookie tossing). */
export const CSRF_COOKIE_HOST = '__Host-gh_csrf';

/**
 * What a form's token is bound to (docs/decisions/0009-csrf-bound-to-session.md):
 * - `interaction:<uid>` on the sign-in pages (`/interaction/:uid/…`): the sign-in in progress,
 *   which stays the same through every step while oidc-provider rotates the session id;
 * - `session:<uid>` elsewhere when the browser has a Gatehouse session: oidc-provider's session
 *   uid (the `sid`), which outlives the rotation of the session cookie's id at every resume;
 * - `anonymous` otherwise (sign-up, password reset before signing in).
 */
export type CsrfBinding = `interaction:${string}` | `session:${string}` | 'anonymous';

/**
 * CSRF protection for Gatehouse's own forms: a random per-browser cookie (HttpOnly, SameSite=Lax,
 * `__Host-` over https) and a form field that is the HMAC of that cookie *and* of what the request
 * acts on ({@link CsrfBinding}). A cross-site page can neither read the cookie nor compute the field;
 * a token taken from another browser, another session or another sign-in does not verify; a cookie
 * planted from a sibling domain gives its planter nothing, since the token also names this session.
 * Together with the Origin / Sec-Fetch-Site check (origin-check.ts).
 */
export class Csrf {
  readonly cookieName: string;
  readonly #bindings = new WeakMap<FastifyRequest, CsrfBinding>();

  constructor(
    private readonly key: Buffer,
    private readonly random: Random,
    private readonly secureCookies: boolean,
  ) {
    this.cookieName = secureCookies ? CSRF_COOKIE_HOST : CSRF_COOKIE;
  }

  /** Records what this request's forms are bound to; done once per request by {@link registerCsrfBinding}. */
  bind(req: FastifyRequest, binding: CsrfBinding): void {
    this.#bindings.set(req, binding);
  }

  /** The token for forms on this page; sets the cookie when the browser has none yet. */
  token(req: FastifyRequest, reply: FastifyReply): string {
    const binding = this.#bindings.get(req);
    // A route outside the hook would hand out tokens that never verify: fail loudly instead.
    if (binding === undefined) throw new Error(`no CSRF binding for ${req.method} ${req.routeOptions.url ?? req.url}`);
    let seed = req.cookies[this.cookieName];
    if (!seed || !/^[\w-]{20,64}$/.test(seed)) {
      seed = randomId(this.random, 24);
      // `__Host-` requires exactly this: Secure, Path=/, no Domain.
      reply.setCookie(this.cookieName, seed, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.secureCookies });
      req.cookies[this.cookieName] = seed;
    }
    return this.#mac(seed, binding);
  }

  verify(req: FastifyRequest): boolean {
    const seed = req.cookies[this.cookieName];
    const binding = this.#bindings.get(req);
    const sent = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (!seed || binding === undefined || typeof sent !== 'string') return false;
    const expected = Buffer.from(this.#mac(seed, binding));
    const given = Buffer.from(sent);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** A form's token is drawn on its page and checked on its POST: computed once (keyed-memo.ts). */
  readonly #macOf = keyedMemo((input) => createHmac('sha256', this.key).update(input).digest('base64url'));

  #mac(seed: string, binding: CsrfBinding): string {
    // The seed never contains a newline (checked above / generated), so the two parts cannot run together.
    return this.#macOf(`${seed}\n${binding}`);
  }
}

/**
 * One hook works out, before any route runs, what the request's forms are bound to; routes keep
 * calling `csrf.token(req, reply)` and `csrf.verify(req)` as before.
 */
export function registerCsrfBinding(app: FastifyInstance, csrf: Csrf, provider: Provider): void {
  const sessionCookie = provider.cookieName('session');
  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url ?? '';
    // Static files carry no forms: no session lookup for them.
    if (route.startsWith('/static/')) return;
    csrf.bind(req, await bindingOf(req, reply, route, provider, sessionCookie));
  });
}

async function bindingOf(req: FastifyRequest, reply: FastifyReply, route: string, provider: Provider, sessionCookie: string): Promise<CsrfBinding> {
  const uid = (req.params as { uid?: unknown } | undefined)?.uid;
  // Every step of a sign-in (and its wizard) lives under /interaction/:uid; the routes check that
  // this browser holds that interaction (its cookie) before they show or accept a form.
  if (route.startsWith('/interaction/:uid') && typeof uid === 'string' && uid) return `interaction:${uid}`;
  if (!req.cookies[sessionCookie]) return 'anonymous';
  // The cookie holds the session's id, which oidc-provider replaces at every resume; the uid stays.
  const ctx = provider.createContext(req.raw, reply.raw);
  const id = ctx.cookies.get(sessionCookie, { signed: true });
  const session = id ? await provider.Session.find(id) : undefined;
  return session?.uid ? `session:${session.uid}` : 'anonymous';
}
