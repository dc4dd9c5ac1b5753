import type Provider from 'oidc-provider';
import type { Deps } from '../context.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { Mail } from '../mail/mailer.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { canonicalEmail, findUserByEmail, findUserById, isPlausibleEmail, updateUser, type User } from '../store/users.ts';
import { consumeEmailToken, issueEmailToken, peekEmailToken } from '../store/email-tokens.ts';
import { incrementCounter } from '../store/counters.ts';
import { checkPasswordPolicy } from '../crypto/password-policy.ts';
import { hashPassword } from '../crypto/password.ts';
import { clearPasswordFailures } from './password-login.ts';
import { clearFailuresAfterProof } from '../security/attempts.ts';
import { signOutEverywhere } from './sign-out.ts';
import { translator } from '../i18n/index.ts';
import { notePasswordCommon } from '../policy/risk/password-common.ts';
import { clearEnrollmentCodeLimits } from './enrollment-email-code.ts';
import { randomId } from '../clock.ts';

/** A reset link works once, for 30 minutes. */
export const RESET_TTL_MS = 30 * 60 * 1000;
/** Reset mails per address per hour: stops anyone from flooding a mailbox with links. */
export const RESET_MAX_PER_EMAIL = 5;
/** Reset requests per client address per hour. */
export const RESET_MAX_PER_IP = 30;
const HOUR_MS = 3600 * 1000;

export type ResetRequestResult = { ok: true } | { ok: false; error: MessageKey; throttled?: boolean };

/**
 * Starts a reset. The answer does not depend on whether the address has an account: the counters
 * are incremented for every address, the lookup and an equivalent token-table query happen on
 * both paths, and the mail is handed to delivery without waiting for the SMTP round trip, which
 * would otherwise make "known" measurably slower than "unknown".
 */
export async function requestPasswordReset(deps: Deps, emailInput: string, where: AuditContext, interaction?: string): Promise<ResetRequestResult> {
  const { db, clock, random, config } = deps;
  const typed = emailInput.trim();
  if (!typed) return { ok: false, error: 'login.email_required' };
  if (!isPlausibleEmail(typed)) return { ok: false, error: 'login.email_invalid' };
  const email = canonicalEmail(typed);

  const [perEmail, perIp] = await Promise.all([
    incrementCounter(db, clock, `reset:email:${email}`, HOUR_MS),
    incrementCounter(db, clock, `reset:ip:${where.ip ?? 'unknown'}`, HOUR_MS),
  ]);
  if (perEmail > RESET_MAX_PER_EMAIL || perIp > RESET_MAX_PER_IP) {
    await audit(db, clock, { ...where, event: 'password.reset_throttled', details: { email } });
    return { ok: false, error: 'selfservice.too_many_requests', throttled: true };
  }

  const user = await findUserByEmail(db, email);
  // A disabled account gets no link: a new password would not let it sign in anyway.
  if (!user || user.disabled) {
    await peekEmailToken(db, clock, randomId(random, 32), 'reset-password');
    await audit(db, clock, { ...where, event: 'password.reset_requested', userId: user?.id ?? null, details: { email, sent: false } });
    return { ok: true };
  }
  const token = await issueEmailToken(db, clock, random, user.id, 'reset-password', RESET_TTL_MS);
  const link = new URL(`/reset/confirm?token=${encodeURIComponent(token)}`, config.issuer + '/');
  if (interaction) link.searchParams.set('interaction', interaction);
  const t = translator();
  deliverInBackground(deps, { to: user.email, subject: t('reset.mail_subject'), text: t('reset.mail_body', { link: link.href }) });
  await audit(db, clock, { ...where, event: 'password.reset_requested', userId: user.id, details: { email, sent: true } });
  return { ok: true };
}

/** The account a reset link belongs to, if the link is still usable — without using it (GET pages). */
export async function userForResetToken(deps: Deps, token: string): Promise<User | undefined> {
  if (!token) return undefined;
  const userId = await peekEmailToken(deps.db, deps.clock, token, 'reset-password');
  const user = userId ? await findUserById(deps.db, userId) : undefined;
  return user && !user.disabled ? user : undefined;
}

export type ResetResult =
  | { ok: true; user: User }
  | { ok: false; invalidLink: true }
  | { ok: false; invalidLink?: false; email: string; field: 'password' | 'password_confirm'; error: MessageKey };

/**
 * Sets the new password from a reset link. The link is used in one atomic UPDATE only after the
 * password passed the policy (a typo must not burn the link). Then: the new hash, the address
 * counts as verified (the person just proved they read its mail), every other reset link of the
 * account stops working, the account's sign-in failure counter is cleared (the owner is back; an
 * attacker's guesses must not keep them out), so are the second-factor attempt counts (a lock
 * on a method lifts), and the person is signed out of every app.
 */
export async function completePasswordReset(
  deps: Deps,
  provider: Provider,
  token: string,
  password: string,
  confirm: string,
  where: AuditContext,
): Promise<ResetResult> {
  const { db, clock, config } = deps;
  const user = await userForResetToken(deps, token);
  if (!user) {
    await audit(db, clock, { ...where, event: 'password.reset_failed', details: { reason: 'invalid_link' } });
    return { ok: false, invalidLink: true };
  }
  const problem = (field: 'password' | 'password_confirm', error: MessageKey) => ({ ok: false as const, email: user.email, field, error });
  if (!password) return problem('password', 'reset.password_required');
  const policy = checkPasswordPolicy(password, user.email);
  if (policy) return problem('password', policy);
  if (password !== confirm) return problem('password_confirm', 'password.mismatch');

  const passwordHash = await hashPassword(password);
  const userId = await consumeEmailToken(db, clock, token, 'reset-password');
  if (userId !== user.id) {
    // Used by a parallel request between the check above and now.
    await audit(db, clock, { ...where, event: 'password.reset_failed', userId: user.id, details: { reason: 'invalid_link' } });
    return { ok: false, invalidLink: true };
  }
  await updateUser(db, clock, user.id, { password_hash: passwordHash, email_verified: 1 });
  await notePasswordCommon(db, user, password, { always: true });
  await db
    .updateTable('email_tokens')
    .set({ used_at: clock.now() })
    .where('user_id', '=', user.id)
    .where('purpose', '=', 'reset-password')
    .where('used_at', 'is', null)
    .execute();
  await clearPasswordFailures(db, user.email);
  // The link proved the person another way: holds and locks on their second factors are lifted
  // (decision 0007), and whoever flooded them no longer has the password.
  await clearFailuresAfterProof(db, clock, user.id, 'password_reset', where);
  await clearEnrollmentCodeLimits(deps, user.id);
  await audit(db, clock, { ...where, event: 'password.reset_completed', userId: user.id });
  await signOutEverywhere(deps, provider, user.id, { reason: 'password_reset', where });

  const t = translator();
  const link = new URL('/reset', config.issuer + '/').href;
  deliverInBackground(deps, { to: user.email, subject: t('password.changed_mail_subject'), text: t('password.changed_mail_body', { link }) });
  return { ok: true, user: { ...user, password_hash: passwordHash, email_verified: 1 } };
}

/** Hands a mail to the mailer without making the request wait; a failed delivery is logged, never shown. */
export function deliverInBackground(deps: Deps, mail: Mail): void {
  deps.mailer.send(mail).catch((err: unknown) => {
    console.error(`[gatehouse] mail to ${mail.to} ("${mail.subject}") failed:`, (err as Error).message);
  });
}
