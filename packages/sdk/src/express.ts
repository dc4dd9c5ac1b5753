import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VerifiedAccess } from './access.ts';
import { checkAccess } from './check-access.ts';
import { requireAuthentication, type AuthenticationRequirement } from './requirement.ts';
import type { VerifyOptions } from './verify.ts';

export type { VerifiedAccess } from './access.ts';

/**
 * Express (4 or 5, or Connect) middleware: lets a request through with `req.auth` set when its
 * access token is valid for this API and the sign-in meets the requirement, and answers the
 * RFC 6750 / RFC 9470 challenge otherwise. Written against Node's own request and response types,
 * so the SDK needs no Express types.
 *
 * @example
 * app.post('/bank-details', expressGuard(api, requireAuthentication({ acr: ACR.multiFactor, maxAge: 300 })), (req, res) => {
 *   const { claims } = accessOf(req);
 * });
 */
export function expressGuard(options: VerifyOptions, requirement: AuthenticationRequirement = requireAuthentication()) {
  return function gatehouseGuard(req: IncomingMessage & { auth?: VerifiedAccess }, res: ServerResponse, next: (err?: unknown) => void): void {
    // A promise handed back to Express 4 would be ignored: errors (Gatehouse unreachable) go to next().
    checkAccess(req.headers.authorization, requirement, options).then((result) => {
      if (result.ok) {
        req.auth = { claims: result.claims, token: result.token };
        next();
        return;
      }
      res.statusCode = result.status;
      res.setHeader('WWW-Authenticate', result.headers['WWW-Authenticate']);
      res.setHeader('Cache-Control', 'no-store');
      if (!result.body) return void res.end();
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(result.body));
    }, next);
  };
}

/**
 * The verified access of a request that went through {@link expressGuard}.
 * @throws Error when the route has no guard: a programming error, better loud than a `sub` of undefined.
 */
export function accessOf(req: object): VerifiedAccess {
  const auth = (req as { auth?: VerifiedAccess }).auth;
  if (!auth) throw new Error('accessOf: this route has no Gatehouse guard (expressGuard) in front of it');
  return auth;
}
