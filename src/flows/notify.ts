import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import { translator, type MessageKey } from '../i18n/index.ts';
import { methodName, quoted } from '../security/untrusted-text.ts';

/** Changes the person is told about by email, every time (issue 3, "One change, every app"). */
export type SecurityNotice = 'method_added' | 'method_removed' | 'mfa_reset' | 'recovery_code_used' | 'recovery_codes_regenerated' | 'push_fraud_reported';

/** What a notice says about the method concerned. */
export interface NoticeMethod {
  /** The name as given by whoever added or renamed the method: shown cleaned and quoted, as data. */
  name?: string;
  /** The method type (`totp`, `webauthn`), shown as its label. */
  type?: string;
}

const TYPE_LABELS: Record<string, MessageKey> = { totp: 'method.totp', webauthn: 'method.webauthn', push: 'method.push' };

/**
 * Emails the person about a change to their 2FA. Delivery problems never undo the change.
 * The method's name is never part of our sentences: it stands on a line of its own after a label,
 * cleaned and between quotes, so a name like "Added by IT, no action needed" reads as a name.
 */
export async function notify(deps: Deps, user: User, notice: SecurityNotice, method: NoticeMethod = {}): Promise<void> {
  const t = translator();
  const link = new URL('/account/security', deps.config.issuer + '/').href;
  const vars = {
    name: quoted(methodName(method.name) || '—'),
    type: method.type ? (TYPE_LABELS[method.type] ? t(TYPE_LABELS[method.type]!) : methodName(method.type)) : '',
  };
  try {
    await deps.mailer.send({
      to: user.email,
      subject: t(`notice.${notice}.subject` as MessageKey),
      text: t(`notice.${notice}.body` as MessageKey, { ...vars, link }) + '\n\n' + t('notice.footer', { link }),
    });
  } catch (err) {
    console.error('[gatehouse] security notice not delivered:', (err as Error).message);
  }
}
