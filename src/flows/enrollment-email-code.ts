import { timingSafeEqual } from 'node:crypto';
import type { Deps } from '../context.ts';
import type { User } from '../store/users.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { deleteCounters, incrementCounter } from '../store/counters.ts';
import { translator } from '../i18n/index.ts';
import { sha256Base64url } from '../crypto/digest.ts';

/** The code sent for a first enrollment, kept sealed in the wizard's server-side state (never in clear). */
export interface EmailCodeState {
  sealed: string;
  expiresAt: number;
  /** Wrong codes typed against this one. */
  attempts: number;
}

/** How long a code works. */
export const EMAIL_CODE_TTL_MS = 10 * 60_000;
/** Wrong codes a code survives; after them a new code must be sent. */
export const EMAIL_CODE_ATTEMPTS = 5;
/** Codes sent per person per hour: each is a mail to the owner, so a password holder cannot flood them. */
export const EMAIL_CODES_PER_HOUR = 5;
/**
 * And per day: codes of separate sign-ins are each good for five tries, so this bounds the guesses a
 * password holder gets at the code space (50 a day of 1,000,000).
 */
export const EMAIL_CODES_PER_DAY = 10;

const context = (userId: string) => `wizard:${userId}:email-code`;

/** Six digits, uniform (rejection sampling over 32 random bits). */
function sixDigits(deps: Pick<Deps, 'random'>): string {
  for (;;) {
    const n = deps.random.bytes(4).readUInt32BE(0);
    if (n < 4_294_000_000) return String(n % 1_000_000).padStart(6, '0');
  }
}

/** "a•••@example.com": enough for the person to recognise their address, not enough to read it off a screen. */
export function maskedEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '•••' : `${email[0]}•••${email.slice(at)}`;
}

const hourKey = (userId: string) => `enroll-email:${userId}`;
const dayKey = (userId: string) => `enroll-email-day:${userId}`;

/**
 * A completed password reset proved the email another way, and whoever used up the person's codes
 * of the day with a stolen password no longer has it: the owner gets codes again at once, instead of
 * being kept from a first method for up to a day.
 */
export async function clearEnrollmentCodeLimits(deps: Pick<Deps, 'db'>, userId: string): Promise<void> {
  await deleteCounters(deps.db, [hourKey(userId), dayKey(userId)]);
}

export type SendOutcome = { ok: true; code: EmailCodeState } | { ok: false; reason: 'throttled' };

/**
 * Sends a new code to the person's email for a first enrollment from a risky sign-in
 * (src/policy/first-enrollment.ts). The mail says what the code is for, so an owner who did not ask
 * for it learns that someone holds their password.
 */
export async function sendEnrollmentCode(deps: Deps, user: User, reasons: readonly string[], where: AuditContext): Promise<SendOutcome> {
  const { db, clock } = deps;
  const hour = await incrementCounter(db, clock, hourKey(user.id), 3600_000);
  const day = hour > EMAIL_CODES_PER_HOUR ? 0 : await incrementCounter(db, clock, dayKey(user.id), 24 * 3600_000);
  if (hour > EMAIL_CODES_PER_HOUR || day > EMAIL_CODES_PER_DAY) {
    await audit(db, clock, { ...where, event: 'mfa.enrollment.email_code_throttled', userId: user.id });
    return { ok: false, reason: 'throttled' };
  }
  const code = sixDigits(deps);
  const t = translator();
  const link = new URL('/account/security', deps.config.issuer + '/').href;
  try {
    await deps.mailer.send({ to: user.email, subject: t('notice.enroll_code.subject'), text: t('notice.enroll_code.body', { code, minutes: EMAIL_CODE_TTL_MS / 60_000 }) + '\n\n' + t('notice.footer', { link }) });
  } catch (err) {
    console.error('[gatehouse] enrollment code not delivered:', (err as Error).message);
  }
  await audit(db, clock, { ...where, event: 'mfa.enrollment.email_code_sent', userId: user.id, details: { reasons } });
  return { ok: true, code: { sealed: deps.box.seal(code, context(user.id)), expiresAt: clock.now() + EMAIL_CODE_TTL_MS, attempts: 0 } };
}

export type CheckOutcome = { ok: true } | { ok: false; reason: 'invalid' | 'expired' | 'spent'; code: EmailCodeState };

/** The store's counter of tries against one code (the sealed code names it; nothing in clear). */
const triesKey = (user: User, code: EmailCodeState) => `enroll-email-try:${user.id}:${sha256Base64url(code.sealed)}`;

/**
 * Checks a typed code against the one sent: single code, ten minutes, five wrong tries. Each try is
 * reserved in the store's atomic counter before the code is compared (SECURITY.md), so tries sent in
 * parallel — which all read the same wizard state — are each counted, not one of them.
 */
export async function checkEnrollmentCode(deps: Deps, user: User, code: EmailCodeState, typed: string | undefined, where: AuditContext): Promise<CheckOutcome> {
  const { db, clock } = deps;
  if (code.attempts >= EMAIL_CODE_ATTEMPTS) return { ok: false, reason: 'spent', code };
  if (code.expiresAt <= clock.now()) return { ok: false, reason: 'expired', code };
  const tries = await incrementCounter(db, clock, triesKey(user, code), EMAIL_CODE_TTL_MS);
  if (tries > EMAIL_CODE_ATTEMPTS) return { ok: false, reason: 'spent', code: { ...code, attempts: EMAIL_CODE_ATTEMPTS } };
  const given = Buffer.from((typed ?? '').replace(/\s+/g, ''));
  const expected = Buffer.from(deps.box.openString(code.sealed, context(user.id)));
  if (given.length === expected.length && timingSafeEqual(given, expected)) {
    await audit(db, clock, { ...where, event: 'mfa.enrollment.email_code_verified', userId: user.id });
    return { ok: true };
  }
  const next = { ...code, attempts: Math.max(code.attempts + 1, tries) };
  await audit(db, clock, { ...where, event: 'mfa.enrollment.email_code_failed', userId: user.id, details: { attempts: next.attempts } });
  return { ok: false, reason: next.attempts >= EMAIL_CODE_ATTEMPTS ? 'spent' : 'invalid', code: next };
}
