import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Deps } from '../context.ts';
import { audit, type AuditEvent } from '../store/audit.ts';

/**
 * Security-relevant protocol events that happen inside oidc-provider, written to the audit log:
 * RP-initiated logout, back-channel logout delivery, and replayed codes or refresh tokens
 * (a replay means someone else holds the token; the grant has been revoked).
 */
export function auditProviderEvents(provider: Provider, deps: Deps): void {
  const record = (ctx: KoaContextWithOIDC | undefined, e: AuditEvent) => {
    const where = ctx ? { ip: ctx.ip, userAgent: ctx.get('user-agent') || null } : {};
    // An audit write that fails must not fail the request it describes; it is reported in the log.
    audit(deps.db, deps.clock, { ...where, ...e }).catch((err: unknown) => console.error('[gatehouse] audit write failed:', err));
  };

  provider.on('end_session.success', (ctx) => {
    const everywhere = Boolean(ctx.oidc.params?.logout);
    record(ctx, {
      event: everywhere ? 'session.signed_out' : 'session.signed_out_of_app',
      userId: ctx.oidc.session?.accountId ?? null,
      clientId: ctx.oidc.client?.clientId ?? null,
      details: { via: 'rp_initiated_logout' },
    });
  });

  provider.on('backchannel.success', (ctx, client, accountId) => {
    record(ctx, { event: 'session.backchannel_logout.sent', userId: accountId, clientId: client.clientId });
  });
  provider.on('backchannel.error', (ctx, err, client, accountId) => {
    record(ctx, { event: 'session.backchannel_logout.failed', userId: accountId, clientId: client.clientId, details: { error: describe(err) } });
  });

  provider.on('grant.error', (ctx, err) => {
    const detail = (err as { error_detail?: string }).error_detail ?? '';
    if (!/already (consumed|used)/.test(detail)) return;
    record(ctx, {
      event: 'oidc.token_replay',
      userId: ctx.oidc.entities?.AuthorizationCode?.accountId ?? ctx.oidc.entities?.RefreshToken?.accountId ?? null,
      clientId: ctx.oidc.client?.clientId ?? null,
      details: { grantType: ctx.oidc.params?.grant_type, detail },
    });
  });

  // oidc-provider answers server_error without logging it; the cause belongs in the server log.
  provider.on('server_error', (ctx, err) => {
    console.error(`[gatehouse] oidc ${ctx.method} ${ctx.path}:`, err);
  });
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return [e.message, e.cause?.message].filter(Boolean).join(': ').slice(0, 200);
}
