import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { VerifiedAccess } from './access.ts';
import { checkAccess } from './check-access.ts';
import { requireAuthentication, type AuthenticationRequirement } from './requirement.ts';
import type { VerifyOptions } from './verify.ts';
import type { AcrValue } from './acr.ts';

export type { VerifiedAccess } from './access.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a Gatehouse guard when the request's access token passed. */
    auth?: VerifiedAccess;
  }
  interface FastifyInstance {
    /** From the {@link gatehouseFastify} plugin: a preHandler for a route's requirement. */
    gatehouse: (requirement?: { acr?: AcrValue; maxAge?: number }) => preHandlerAsyncHookHandler;
  }
}

/**
 * A Fastify preHandler: sets `request.auth` when the access token is valid for this API and the
 * sign-in meets the requirement, and answers the RFC 6750 / RFC 9470 challenge otherwise.
 *
 * @example
 * app.post('/bank-details', { preHandler: fastifyGuard(api, requireAuthentication({ acr: ACR.multiFactor, maxAge: 300 })) }, handler);
 */
export function fastifyGuard(options: VerifyOptions, requirement: AuthenticationRequirement = requireAuthentication()): preHandlerAsyncHookHandler {
  return async function gatehouseGuard(request: FastifyRequest, reply: FastifyReply) {
    const result = await checkAccess(request.headers.authorization, requirement, options);
    if (result.ok) {
      request.auth = { claims: result.claims, token: result.token };
      return;
    }
    reply.code(result.status).header('WWW-Authenticate', result.headers['WWW-Authenticate']).header('Cache-Control', 'no-store');
    // Fastify: an async hook that has sent the reply returns it, so the handler does not run.
    return result.body ? reply.send(result.body) : reply.send();
  };
}

/**
 * A Fastify plugin holding the options once: `app.gatehouse({ acr, maxAge })` gives a route's
 * preHandler. Not encapsulated (like fastify-plugin), so routes registered beside it see it.
 *
 * @example
 * await app.register(gatehouseFastify, { issuer, audience });
 * app.post('/bank-details', { preHandler: app.gatehouse({ acr: ACR.multiFactor, maxAge: 300 }) }, handler);
 */
export const gatehouseFastify: FastifyPluginAsync<VerifyOptions> = async (app, opts) => {
  const { issuer, audience, jwksUri, keys, clockTolerance, now } = opts;
  const options: VerifyOptions = { issuer, audience, jwksUri, keys, clockTolerance, now };
  app.decorateRequest('auth', undefined);
  app.decorate('gatehouse', (requirement: { acr?: AcrValue; maxAge?: number } = {}) => fastifyGuard(options, requireAuthentication(requirement)));
};
// What fastify-plugin sets: the decorations belong to the parent, not to a child context.
Object.assign(gatehouseFastify, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@gatehouse/sdk' });
