import type { FastifyRequest } from 'fastify';
import type { AuditContext } from '../store/audit.ts';

/** Who is asking, for the audit log: the client address (proxy-aware, see server.ts) and user agent. */
export function auditContext(req: FastifyRequest, clientId?: string | null): AuditContext {
  return { ip: req.ip, userAgent: req.headers['user-agent'] ?? null, clientId: clientId ?? null };
}

/** A form field as a single string, or undefined when missing or sent as anything else (arrays, objects). */
export function field(req: FastifyRequest, name: string): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const v = body?.[name];
  return typeof v === 'string' ? v : undefined;
}
