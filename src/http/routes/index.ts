import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import { registerAccountRoutes } from './account.ts';
import { registerAccountSecurityRoutes } from './account-security.ts';
import { registerSelfServiceRoutes } from './self-service.ts';
import { registerDevOutboxRoutes } from './dev-outbox.ts';
import { registerAuthenticatorAppRoutes } from './authenticator-app.ts';
import { registerAuthenticatorApi } from './authenticator-api.ts';

/** Gatehouse's own pages besides the sign-in interaction. */
export function registerRoutes(app: FastifyInstance, deps: HttpDeps): void {
  registerAccountRoutes(app, deps);
  registerAccountSecurityRoutes(app, deps);
  registerSelfServiceRoutes(app, deps);
  registerAuthenticatorAppRoutes(app);
  registerAuthenticatorApi(app, deps);
  if (!deps.config.production) registerDevOutboxRoutes(app, deps);
}
