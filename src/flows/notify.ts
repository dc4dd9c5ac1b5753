import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import { translator, type MessageKey } from '../i18n/index.ts';

/** Changes the person is told about by email, every time (issue 3, "One change, every app"). */
export type SecurityNotice = 'method_added' | 'method_removed' | 'mfa_reset' | 'recovery_code_used' | 'recovery_codes_regenerated';

/** Emails the person about a change to their 2FA. Delivery problems never undo the change. */
export async function notify(deps: Deps, user: User, notice: SecurityNotice, vars: Record<string, string> = {}): Promise<void> {
  const t = translator();
  const link = new URL('/account/security', deps.config.issuer + '/').href;
  try {
    await deps.mailer.send({
      to: user.email,
      subject: t(`notice.${notice}.subject` as MessageKey, vars),
      text: t(`notice.${notice}.body` as MessageKey, { ...vars, link }) + '\n\n' + t('notice.footer', { link }),
    });
  } catch (err) {
    console.error('[gatehouse] security notice not delivered:', (err as Error).message);
  }
}
