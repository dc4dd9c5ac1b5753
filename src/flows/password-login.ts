import type { Deps } from '../context.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { canonicalEmail, findUserByEmail, updateUser, type User } from '../store/users.ts';
import { incrementCounter, readCounters, resetCounter } from '../store/counters.ts';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from '../crypto/password.ts';

export type PasswordCheck =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' | 'throttled' | 'unverified'; user?: User };

const accountKey = (email: string) => `pwfail:acct:${canonicalEmail(email)}`;
const ipKey = (ip: string) => `pwfail:ip:${ip}`;

/** Clears an account's failure counter (after a password reset proved the owner is back). */
export async function clearPasswordFailures(db: Deps['db'], email: string): Promise<void> {
  await resetCounter(db, accountKey(email));
}

/**
 * The password step. An unknown email, a disabled account and a wrong password give the same
 * answer after the same argon2id work; failures are counted per address typed (canonical form, so
 * aliases by case share one counter) and per client address, atomically in the store.
 */
export async function checkPassword(deps: Deps, email: string, password: string, where: AuditContext): Promise<PasswordCheck> {
  const { db, clock, config } = deps;
  const windowMs = config.loginFailureWindowSeconds * 1000;
  const ip = where.ip ?? 'unknown';

  const acctKey = accountKey(email);
  const [acctFailures = 0, ipFailures = 0] = await readCounters(db, clock, [acctKey, ipKey(ip)]);
  if (acctFailures >= config.loginMaxFailuresPerAccount || ipFailures >= config.loginMaxFailuresPerIp) {
    await audit(db, clock, { ...where, event: 'login.password.throttled', details: { email: canonicalEmail(email) } });
    return { ok: false, reason: 'throttled' };
  }

  const user = await findUserByEmail(db, email);
  const usable = user && !user.disabled && user.password_hash;
  const valid = await verifyPassword(usable ? user.password_hash! : await dummyHash(), password);

  if (!usable || !valid) {
    await Promise.all([incrementCounter(db, clock, acctKey, windowMs), incrementCounter(db, clock, ipKey(ip), windowMs)]);
    await audit(db, clock, { ...where, event: 'login.password.failed', userId: user?.id ?? null, details: { email: canonicalEmail(email) } });
    return { ok: false, reason: 'invalid' };
  }

  // A success forgives the account's earlier failures. With none counted there is nothing to
  // delete; a failure counted meanwhile by a parallel request then stays (stricter, never looser).
  if (acctFailures > 0) await resetCounter(db, acctKey);
  if (needsRehash(user.password_hash!)) {
    await updateUser(db, clock, user.id, { password_hash: await hashPassword(password) });
  }
  if (!user.email_verified && config.requireEmailVerification) {
    return { ok: false, reason: 'unverified', user };
  }
  await audit(db, clock, { ...where, event: 'login.password.succeeded', userId: user.id });
  return { ok: true, user };
}
