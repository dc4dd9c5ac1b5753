import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from './deps.ts';
import { audit } from '../store/audit.ts';
import { auditContext } from './request-context.ts';
import { errorPage } from './pages/error.ts';
import { cleanText } from '../security/untrusted-text.ts';
import { AUTHENTICATOR_API } from './routes/authenticator-api.ts';

/** Methods that may change state; GET and HEAD never do (SECURITY.md). */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type OriginVerdict = { ok: true } | { ok: false; reason: 'foreign_origin' | 'cross_site' };

/**
 * Whether a state-changing request comes from Gatehouse's own pages, as far as the browser says
 * (OWASP CSRF cheat sheet, "Verifying origin with standard headers" and Fetch Metadata):
 * - `Origin`, when it names an origin, must be the issuer's;
 * - `Origin: null` is what browsers send for our own forms (our pages are `Referrer-Policy:
 *   no-referrer`) but also from a sandboxed frame or after a cross-site redirect, so it proves
 *   nothing: `Sec-Fetch-Site` decides;
 * - `Sec-Fetch-Site` must be `same-origin` (or `none`, a person's own navigation) when sent;
 *   `same-site` is refused too — a sibling site (another port, another subdomain) is not us.
 * A client that sends neither header (not a browser, or a very old one) is left to the form token.
 */
export function checkOrigin(ownOrigin: string, headers: IncomingHttpHeaders): OriginVerdict {
  const origin = headers.origin;
  const site = headers['sec-fetch-site'];
  if (origin !== undefined && origin !== 'null' && origin !== ownOrigin) return { ok: false, reason: 'foreign_origin' };
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return { ok: false, reason: 'cross_site' };
  return { ok: true };
}

/**
 * One check in front of every state-changing request that reaches Fastify — Gatehouse's own pages
 * and forms. The protocol endpoints (token, introspection, revocation, logout…) are answered by
 * oidc-provider before Fastify (server.ts), so apps keep calling them from their own origins; the
 * demo apps are servers of their own. A refusal is a 403 with a code, and is audited.
 */
export function registerOriginCheck(app: FastifyInstance, deps: HttpDeps): void {
  const { t, db, clock } = deps;
  const ownOrigin = new URL(deps.config.issuer).origin;
  app.addHook('onRequest', async (req, reply) => {
    if (!UNSAFE_METHODS.has(req.method)) return;
    // The Authenticator API is not a browser form: its requests carry no cookie that could be ridden
    // (the enrollment token, a device signature over method and URL), so a cross-site page gains
    // nothing by sending one — and the installed web app or terminal app may send any Origin.
    // Decided on the matched route, not the raw URL, so no path trick (`…/v1/../account/…`) reaches a page route exempt.
    if (req.routeOptions.url?.startsWith(AUTHENTICATOR_API + '/')) return;
    const verdict = checkOrigin(ownOrigin, req.headers);
    if (verdict.ok) return;
    const header = (v: string | string[] | undefined) => (v === undefined ? null : cleanText(String(v), 200));
    await audit(db, clock, {
      ...auditContext(req),
      event: 'request.cross_origin_refused',
      details: { reason: verdict.reason, method: req.method, path: cleanText(req.url.split('?')[0], 200), origin: header(req.headers.origin), secFetchSite: header(req.headers['sec-fetch-site']) },
    });
    reply.code(403);
    const accept = req.headers.accept ?? '';
    if (accept.includes('application/json') && !accept.includes('text/html')) return reply.send({ error: 'cross_origin_request' });
    return reply.type('text/html').send(errorPage(t, t('error.cross_origin'), 'cross_origin_request'));
  });
}
