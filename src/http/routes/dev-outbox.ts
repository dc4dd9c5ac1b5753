import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.ts';
import { outboxPage } from '../pages/dev-outbox.ts';

/** How many mails the page shows; the outbox is a development aid, not an archive. */
const OUTBOX_PAGE_SIZE = 100;

/**
 * `/dev/outbox`: the mail Gatehouse sent while no SMTP server is configured, so a developer can
 * follow verification and reset links. Registered only outside production (routes/index.ts): it
 * shows every user's reset links.
 */
export function registerDevOutboxRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const { db, t, config } = deps;
  app.get('/dev/outbox', async (_req, reply) => {
    const rows = await db
      .selectFrom('mail_outbox')
      .select(['id', 'to_address', 'subject', 'text_body', 'created_at'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(OUTBOX_PAGE_SIZE)
      .execute();
    const mails = rows.map((r) => ({ id: Number(r.id), to: r.to_address, subject: r.subject, text: r.text_body, createdAt: Number(r.created_at) }));
    return reply.type('text/html').send(outboxPage(t, mails, !!config.smtpUrl));
  });
}
