import type Provider from 'oidc-provider';
import type { Deps } from '../context.ts';
import type { AuditContext } from '../store/audit.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { User } from '../store/users.ts';
import { audit } from '../store/audit.ts';
import { updateUser } from '../store/users.ts';
import { hashPassword } from '../crypto/password.ts';
import { checkPasswordPolicy } from '../crypto/password-policy.ts';
import { checkPassword } from './password-login.ts';
import { signOutEverywhere } from './sign-out.ts';
import { notePasswordCommon } from '../policy/risk/password-common.ts';
import { translator } from '../i18n/index.ts';

export interface PasswordChangeInput {
  current: string | undefined;
  next: string | undefined;
  repeat: string | undefined;
}

export type PasswordChangeField = 'current_password' | 'new_password' | 'confirm_password';

export type PasswordChangeResult =
  | { ok: true }
  | { ok: false; errors: Array<{ field: PasswordChangeField; message: MessageKey }>; throttled?: boolean };

/**
 * Changes the signed-in person's password. The current password goes through the sign-in's own
 * check ({@link checkPassword}): a wrong one counts against the same per-account and per-address
 * limits, so this form is no way around them to guess passwords. The new password is checked
 * against the policy first, which reveals nothing about the current one.
 *
 * On success every other session and every app's tokens end (only `keepSessionId`, this browser,
 * stays signed in to Gatehouse) and the person is told by email.
 */
export async function changePassword(
  deps: Deps,
  provider: Provider,
  user: User,
  input: PasswordChangeInput,
  keepSessionId: string,
  where: AuditContext,
  /** The browser's cookies: a signed-in browser's device cookie keeps its own budget (decision 0008). */
  cookies?: Record<string, string | undefined>,
): Promise<PasswordChangeResult> {
  const errors: Array<{ field: PasswordChangeField; message: MessageKey }> = [];
  if (!input.current) errors.push({ field: 'current_password', message: 'account.current_password_required' });
  if (!input.next) {
    errors.push({ field: 'new_password', message: 'account.new_password_required' });
  } else {
    const broken = checkPasswordPolicy(input.next, user.email);
    if (broken) errors.push({ field: 'new_password', message: broken });
    else if (input.next !== input.repeat) errors.push({ field: 'confirm_password', message: 'password.mismatch' });
  }
  if (errors.length) return { ok: false, errors };

  const check = await checkPassword(deps, user.email, input.current!, where, { cookies, ownBudgetOnly: true });
  // `unverified` means the password was right on an address not yet verified; the person is signed in, so it counts as right.
  const valid = check.ok || (check.reason === 'unverified' && check.user?.id === user.id);
  if (!valid || (check.ok && check.user.id !== user.id)) {
    const throttled = !check.ok && check.reason === 'throttled';
    await audit(deps.db, deps.clock, { ...where, event: 'password.change_failed', userId: user.id, details: { reason: throttled ? 'throttled' : 'wrong_current_password' } });
    return { ok: false, throttled, errors: [{ field: 'current_password', message: throttled ? 'login.throttled' : 'account.current_password_wrong' }] };
  }

  await updateUser(deps.db, deps.clock, user.id, { password_hash: await hashPassword(input.next!) });
  await notePasswordCommon(deps.db, user, input.next!, { always: true });
  await audit(deps.db, deps.clock, { ...where, event: 'password.changed', userId: user.id });
  await signOutEverywhere(deps, provider, user.id, { keepSessionId, reason: 'password_changed', where });

  const t = translator();
  const link = new URL('/reset', deps.config.issuer + '/').href;
  try {
    await deps.mailer.send({ to: user.email, subject: t('password.changed_mail_subject'), text: t('password.changed_mail_body', { link }) });
  } catch (err) {
    // The change is done and the sessions are ended; a mail relay that is down must not undo or hide that.
    await audit(deps.db, deps.clock, { ...where, event: 'mail.failed', userId: user.id, details: { purpose: 'password_changed', error: (err as Error).message.slice(0, 200) } });
  }
  return { ok: true };
}
