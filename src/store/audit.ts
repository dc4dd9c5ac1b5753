import type { Db } from './db.ts';
import type { Clock } from '../clock.ts';
import { param, perStore, precompile } from './precompiled.ts';

/** Where an event happened: the request that caused it. */
export interface AuditContext {
  ip?: string | null;
  userAgent?: string | null;
  clientId?: string | null;
}

export interface AuditEvent extends AuditContext {
  event: string;
  userId?: string | null;
  details?: Record<string, unknown>;
}

/** Writes one audit event. Secrets never go in `details`. */
export async function audit(db: Db, clock: Clock, e: AuditEvent): Promise<void> {
  await insertEvent(db)({
    at: clock.now(),
    event: e.event,
    user_id: e.userId ?? null,
    client_id: e.clientId ?? null,
    ip: e.ip ?? null,
    user_agent: e.userAgent ? e.userAgent.slice(0, 512) : null,
    details: e.details ? JSON.stringify(e.details) : null,
  });
}

type EventRow = { at: number; event: string; user_id: string | null; client_id: string | null; ip: string | null; user_agent: string | null; details: string | null };

/** Several events per sign-in: the insert is built and compiled once per store (precompiled.ts). */
const insertEvent = perStore((db: Db) =>
  precompile<unknown, EventRow>(db, () =>
    db.insertInto('audit_events').values({
      at: param<number>('at'),
      event: param<string>('event'),
      user_id: param<string | null>('user_id'),
      client_id: param<string | null>('client_id'),
      ip: param<string | null>('ip'),
      user_agent: param<string | null>('user_agent'),
      details: param<string | null>('details'),
    }),
  ),
);

/** A person's latest audit events, newest first; only the `events` named, when given. */
export async function recentEventsForUser(db: Db, userId: string, limit = 20, events?: readonly string[]) {
  let q = db.selectFrom('audit_events').selectAll().where('user_id', '=', userId);
  if (events) q = q.where('event', 'in', events.length > 0 ? [...events] : ['']);
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** The `details` of an audit event as stored (JSON text), or `undefined` when absent or unreadable. */
export function auditDetails(stored: unknown): Record<string, unknown> | undefined {
  if (typeof stored === 'object' && stored !== null) return stored as Record<string, unknown>;
  if (typeof stored !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(stored);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
