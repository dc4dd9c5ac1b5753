import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Random } from '../clock.ts';
import { randomId } from '../clock.ts';

export const CSRF_COOKIE = 'gh_csrf';

/**
 * Signed double-submit CSRF protection: a random cookie (SameSite=Lax, HttpOnly) and a form field
 * that is its HMAC. A cross-site page can neither read the cookie nor compute the field.
 */
export class Csrf {
  constructor(
    private readonly key: Buffer,
    private readonly random: Random,
    private readonly secureCookies: boolean,
  ) {}

  /** The token for forms on this page; sets the cookie when the browser has none yet. */
  token(req: FastifyRequest, reply: FastifyReply): string {
    let seed = req.cookies[CSRF_COOKIE];
    if (!seed || !/^[\w-]{20,64}$/.test(seed)) {
      seed = randomId(this.random, 24);
      reply.setCookie(CSRF_COOKIE, seed, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.secureCookies });
      req.cookies[CSRF_COOKIE] = seed;
    }
    return this.#mac(seed);
  }

  verify(req: FastifyRequest): boolean {
    const seed = req.cookies[CSRF_COOKIE];
    const sent = (req.body as Record<string, unknown> | undefined)?.csrf;
    if (!seed || typeof sent !== 'string') return false;
    const expected = Buffer.from(this.#mac(seed));
    const given = Buffer.from(sent);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  #mac(seed: string): string {
    return createHmac('sha256', this.key).update(seed).digest('base64url');
  }
}
