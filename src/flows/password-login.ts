import type { Deps } from '../context.ts';
import type { AuditContext } from '../store/audit.ts';
import { audit } from '../store/audit.ts';
import { canonicalEmail, findUserByEmail, updateUser, type User } from '../store/users.ts';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from '../crypto/password.ts';
import { clearAccountFailures, passwordAccepted, reservePasswordAttempt } from '../security/password-attempts.ts';
import { notePasswordCommon } from '../policy/risk/password-common.ts';
import { issueDeviceCookie, presentedDevice, type DeviceCookie } from '../security/device-cookie.ts';
import { renewKnownDevice } from '../store/known-devices.ts';

export type PasswordCheck =
  | { ok: true; user: User; deviceCookie: DeviceCookie }
  | { ok: false; reason: 'invalid' | 'throttled'; user?: undefined; deviceCookie?: undefined }
  | { ok: false; reason: 'unverified'; user: User; deviceCookie: DeviceCookie };

export interface PasswordCheckOptions {
  /**
   * The request's cookies. A device cookie among them for the account typed gives this browser
   * a budget of its own (docs/decisions/0008). Without it the browser counts as unknown.
   */
  cookies?: Record<string, string | undefined>;
  /**
   * A signed-in browser re-entering the password (Account settings): with a valid device cookie it
   * counts on that browser's budget only — strangers' guesses on the account never reach it, and a
   * used-up budget waits rather than falling back to the account's. @default false
   */
  ownBudgetOnly?: boolean;
}

/** Clears an account's failures from unknown browsers (after a password reset proved the owner is back). */
export async function clearPasswordFailures(db: Deps['db'], email: string): Promise<void> {
  await clearAccountFailures({ db }, canonicalEmail(email));
}

/**
 * The password step. Each attempt is reserved before the argon2id hash is computed (counted as a
 * failure up front, given back when right), on the browser's own budget when it shows a device
 * cookie for this account, otherwise on the budgets of the account as typed (canonical form, so
 * aliases by case share one) and of the client address: a parallel burst gets no more checks than
 * the budgets allow. An unknown email, a disabled account and a wrong password take the same
 * statements and the same argon2id work, and give the same answer.
 *
 * A right password comes with a new device cookie (`deviceCookie`) for the caller to set.
 */
export async function checkPassword(deps: Deps, email: string, password: string, where: AuditContext, options: PasswordCheckOptions = {}): Promise<PasswordCheck> {
  const { db, clock, config } = deps;
  const canonical = canonicalEmail(email);
  const user = await findUserByEmail(db, canonical);
  // A device cookie vouches for the account it names only; for an unknown email there is none to show.
  const device = user && options.cookies ? presentedDevice(deps, user.id, options.cookies) : undefined;
  const attempt = await reservePasswordAttempt(deps, { email: canonical, ip: where.ip ?? 'unknown', device }, { fallback: !options.ownBudgetOnly });
  if (!attempt.ok) {
    await audit(db, clock, { ...where, event: 'login.password.throttled', details: { email: canonical, browser: attempt.browser, limits: attempt.refusedBy } });
    return { ok: false, reason: 'throttled' };
  }

  const usable = user && !user.disabled && user.password_hash;
  const valid = await verifyPassword(usable ? user.password_hash! : await dummyHash(), password);
  if (!usable || !valid) {
    await audit(db, clock, { ...where, event: 'login.password.failed', userId: user?.id ?? null, details: { email: canonical, browser: attempt.browser } });
    return { ok: false, reason: 'invalid' };
  }

  await passwordAccepted(deps, attempt);
  await notePasswordCommon(db, user, password);
  let current = user;
  if (needsRehash(user.password_hash!)) {
    const password_hash = await hashPassword(password);
    await updateUser(db, clock, user.id, { password_hash });
    // The caller sees the account as it is now (a sign-in flow binds to the stored hash).
    current = { ...user, password_hash };
  }
  const deviceCookie = issueDeviceCookie(deps, user.id);
  if (device) await renewKnownDevice(db, user.id, device, deviceCookie.nonce);
  if (!user.email_verified && config.requireEmailVerification) {
    return { ok: false, reason: 'unverified', user: current, deviceCookie };
  }
  await audit(db, clock, { ...where, event: 'login.password.succeeded', userId: user.id, details: { browser: attempt.browser } });
  return { ok: true, user: current, deviceCookie };
}
