import type { Deps } from '../context.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { canonicalEmail, createUser, DuplicateEmailError, findUserByEmail, findUserById, isPlausibleEmail, updateUser, type User } from '../store/users.ts';
import { consumeEmailToken, issueEmailToken } from '../store/email-tokens.ts';
import { incrementCounter } from '../store/counters.ts';
import { checkPasswordPolicy } from '../crypto/password-policy.ts';
import { hashPassword } from '../crypto/password.ts';
import { translator } from '../i18n/index.ts';

export const VERIFY_TTL_MS = 24 * 3600 * 1000;
export const NAME_MAX = 200;
/** Sign-ups per address per hour: each one sends a mail to that address, so this caps mail bombing. */
export const SIGNUP_MAX_PER_EMAIL = 5;
/** Sign-ups per client address per hour. */
export const SIGNUP_MAX_PER_IP = 20;
const HOUR_MS = 3600 * 1000;

/** oidc-provider interaction uids (nanoid); anything else is dropped rather than carried into links. */
export function isInteractionUid(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]{10,64}$/.test(value);
}

/** Emails a single-use verification link; `interaction` lets the link lead back into that sign-in. */
export async function sendVerificationEmail(deps: Deps, user: User, interaction?: string): Promise<void> {
  const t = translator();
  const token = await issueEmailToken(deps.db, deps.clock, deps.random, user.id, 'verify-email', VERIFY_TTL_MS);
  const link = new URL(`/verify-email?token=${encodeURIComponent(token)}`, deps.config.issuer + '/');
  if (interaction) link.searchParams.set('interaction', interaction);
  await deps.mailer.send({ to: user.email, subject: t('verify.mail_subject'), text: t('verify.mail_body', { link: link.href }) });
}

export interface SignupInput {
  email: string;
  password: string;
  name: string;
  /** The sign-in the person came from, to return to after verification. */
  interaction?: string;
}

export interface FieldProblem {
  field: 'name' | 'email' | 'password';
  key: MessageKey;
}

export type SignupResult = { ok: true } | { ok: false; errors: FieldProblem[] } | { ok: false; throttled: true };

/** Checks the form alone: nothing here depends on whether an account exists. */
export function validateSignup(input: SignupInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if ([...input.name].length > NAME_MAX) problems.push({ field: 'name', key: 'signup.name_too_long' });
  const email = input.email.trim();
  if (!email) problems.push({ field: 'email', key: 'login.email_required' });
  else if (!isPlausibleEmail(email)) problems.push({ field: 'email', key: 'login.email_invalid' });
  if (!input.password) problems.push({ field: 'password', key: 'signup.password_required' });
  else {
    const policy = checkPasswordPolicy(input.password, email);
    if (policy) problems.push({ field: 'password', key: policy });
  }
  return problems;
}

/**
 * Self sign-up. The answer is the same whether or not the address already has an account
 * (account enumeration): a new address gets an account and a verification link, a known one gets
 * a notice mail instead and nothing changes. Both paths hash the password and send one mail, so
 * they also cost about the same time.
 */
export async function signUp(deps: Deps, input: SignupInput, where: AuditContext): Promise<SignupResult> {
  const { db, clock, config } = deps;
  const errors = validateSignup(input);
  if (errors.length) return { ok: false, errors };
  const email = canonicalEmail(input.email);

  const [perEmail, perIp] = await Promise.all([
    incrementCounter(db, clock, `signup:email:${email}`, HOUR_MS),
    incrementCounter(db, clock, `signup:ip:${where.ip ?? 'unknown'}`, HOUR_MS),
  ]);
  if (perEmail > SIGNUP_MAX_PER_EMAIL || perIp > SIGNUP_MAX_PER_IP) {
    await audit(db, clock, { ...where, event: 'signup.throttled', details: { email } });
    return { ok: false, throttled: true };
  }

  const passwordHash = await hashPassword(input.password);
  const existing = await findUserByEmail(db, email);
  if (existing) {
    await duplicateAttempt(deps, existing, input.interaction, where);
    return { ok: true };
  }
  let user: User;
  try {
    user = await createUser(db, clock, deps.random, { email, name: input.name.trim(), passwordHash, emailVerified: false });
  } catch (err) {
    // Two sign-ups for one address at the same moment: the loser is a duplicate like any other.
    if (!(err instanceof DuplicateEmailError)) throw err;
    const winner = await findUserByEmail(db, email);
    if (winner) await duplicateAttempt(deps, winner, input.interaction, where);
    return { ok: true };
  }
  await audit(db, clock, { ...where, event: 'signup.created', userId: user.id, details: { verification: config.requireEmailVerification } });
  // Without required verification the account works at once; no "finish creating" link is sent.
  if (config.requireEmailVerification) await sendVerificationEmail(deps, user, input.interaction);
  return { ok: true };
}

async function duplicateAttempt(deps: Deps, user: User, interaction: string | undefined, where: AuditContext): Promise<void> {
  const t = translator();
  const link = new URL('/reset', deps.config.issuer + '/');
  if (interaction) link.searchParams.set('interaction', interaction);
  await audit(deps.db, deps.clock, { ...where, event: 'signup.duplicate_attempt', userId: user.id });
  await deps.mailer.send({ to: user.email, subject: t('signup.exists_mail_subject'), text: t('signup.exists_mail_body', { link: link.href }) });
}

/**
 * Uses a verification link (single use, atomic in the store) and marks the address verified.
 * Returns the user, or undefined when the link is unknown, expired or used.
 */
export async function verifyEmail(deps: Deps, token: string, where: AuditContext): Promise<User | undefined> {
  const { db, clock } = deps;
  const userId = token ? await consumeEmailToken(db, clock, token, 'verify-email') : undefined;
  const user = userId ? await findUserById(db, userId) : undefined;
  if (!user) {
    await audit(db, clock, { ...where, event: 'email.verify_failed' });
    return undefined;
  }
  if (!user.email_verified) await updateUser(db, clock, user.id, { email_verified: 1 });
  await audit(db, clock, { ...where, event: 'email.verified', userId: user.id, details: { email: user.email } });
  return { ...user, email_verified: 1 };
}
