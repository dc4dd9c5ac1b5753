import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import { issueEmailToken } from '../store/email-tokens.ts';
import { translator } from '../i18n/index.ts';

export const VERIFY_TTL_MS = 24 * 3600 * 1000;

/** Emails a single-use verification link; `interaction` lets the link lead back into that sign-in. */
export async function sendVerificationEmail(deps: Deps, user: User, interaction?: string): Promise<void> {
  const t = translator();
  const token = await issueEmailToken(deps.db, deps.clock, deps.random, user.id, 'verify-email', VERIFY_TTL_MS);
  const link = new URL(`/verify-email?token=${encodeURIComponent(token)}`, deps.config.issuer + '/');
  if (interaction) link.searchParams.set('interaction', interaction);
  await deps.mailer.send({ to: user.email, subject: t('verify.mail_subject'), text: t('verify.mail_body', { link: link.href }) });
}
