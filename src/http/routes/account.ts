import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../server.ts';

export function registerAccountRoutes(app: FastifyInstance, deps: HttpDeps): void {
  void app;
  void deps;
}
