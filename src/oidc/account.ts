import type { Account, FindAccount } from 'oidc-provider';
import type { Db } from '../store/db.ts';
import { findUserById, type User } from '../store/users.ts';
import { displayName } from '../security/untrusted-text.ts';

/**
 * oidc-provider's account lookup. It runs on every authorization, token, refresh and userinfo
 * request, so it is where a password change or "sign out everywhere" takes effect: a token issued
 * before the account's `sessions_valid_after` no longer finds its account, and a disabled
 * account finds nothing at all.
 */
export function findAccountFactory(db: Db): FindAccount {
  return async (_ctx, sub, token): Promise<Account | undefined> => {
    const user = await findUserById(db, sub);
    if (!user || user.disabled) return undefined;
    const iat = (token as { iat?: number } | undefined)?.iat;
    if (typeof iat === 'number' && iat * 1000 < user.sessions_valid_after) return undefined;
    const account: Account = {
      accountId: user.id,
      claims: async () => ({
        sub: user.id,
        email: user.email,
        email_verified: user.email_verified === 1,
        // Cleaned on the way out too: names stored before display names were cleaned on the way in.
        ...(displayName(user.name) ? { name: displayName(user.name) } : {}),
      }),
    };
    rows.set(account, user);
    return account;
  };
}

/** The person's row as findAccount read it for an account it returned (one request's `ctx.oidc.account`). */
const rows = new WeakMap<Account, User>();

/**
 * The row behind `ctx.oidc.account`, read by findAccount earlier in the same request, so that a
 * check later in that request (src/flows/login-check.ts) does not read it again. Undefined for an
 * account findAccount did not return.
 */
export function userOfAccount(account: Account | undefined): User | undefined {
  return account ? rows.get(account) : undefined;
}
