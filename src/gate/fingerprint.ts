import { createHash } from 'node:crypto';
import type { User } from '../store/users.ts';
import type { MethodRecord } from '../methods/records.ts';

/**
 * What a flow's first factor was given against: the password, "sessions valid after" (sign out
 * everywhere) and the person's active methods. A flow that started before any of them changed is
 * refused at its next step (issue 6, bypass 5): a sign-in parked at "Remind me later" while the
 * person changed the password or turned 2FA on does not finish after it.
 */
export function credentialsFingerprint(user: User, methods: readonly MethodRecord[]): string {
  const h = createHash('sha256');
  h.update(user.password_hash ?? '');
  h.update(`\0${user.sessions_valid_after}\0${user.disabled ? 1 : 0}\0`);
  for (const id of methods.map((m) => m.id).sort()) h.update(`${id}\0`);
  return h.digest('base64url').slice(0, 22);
}
