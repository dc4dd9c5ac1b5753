import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../server.ts';

/** Gatehouse's own pages besides the sign-in interaction. */
export function registerRoutes(app: FastifyInstance, deps: HttpDeps): void {
  void app;
  void deps;
}
