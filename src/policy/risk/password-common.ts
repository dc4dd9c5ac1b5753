import type { Db } from '../../store/db.ts';
import { isCommonPassword } from '../../crypto/password-policy.ts';
import { riskDb } from './tables.ts';

/**
 * Remembers whether a person's password is in the common-password list, at the moments Gatehouse
 * has it in clear: when it is set (change, reset) and when it is proven at sign-in. New passwords
 * on the list are refused, so the flag catches passwords older than that rule or than the list's
 * latest entries. Writes only when the flag changes (a sign-in almost never writes), unless
 * `always` (a new password: the stored flag may belong to the old one).
 */
export async function notePasswordCommon(db: Db, user: { id: string }, password: string, opts: { always?: boolean } = {}): Promise<void> {
  const common = isCommonPassword(password) ? 1 : 0;
  // The row as read with selectAll() carries the column (migration 0007); the User type does not list it yet.
  const stored = Number((user as { password_common?: unknown }).password_common ?? 0);
  if (!opts.always && stored === common) return;
  await riskDb(db).updateTable('users').set({ password_common: common }).where('id', '=', user.id).execute();
}
