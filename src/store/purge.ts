import type { Db } from './db.ts';
import type { Clock } from '../clock.ts';

/**
 * Tables whose rows carry their own expiry and mean nothing after it: sign-in flows (and the
 * settings' proofs kept beside them), counters, password budgets, remembered devices, one-time
 * email links. A row past `expires_at` is already ignored by every reader; this only keeps the
 * tables from growing with abandoned sign-ins and strangers' attempts.
 */
const EXPIRING = ['login_flows', 'counters', 'password_attempts', 'remembered_devices', 'email_tokens'] as const;

/** Removes expired rows everywhere; run periodically by the server (and safe to run on several instances at once). */
export async function purgeExpired(db: Db, clock: Clock): Promise<void> {
  const now = clock.now();
  await db.deleteFrom('oidc_models').where('expires_at', '<=', now).execute();
  for (const table of EXPIRING) await db.deleteFrom(table).where('expires_at', '<=', now).execute();
  // Push enrollment links are dead at expiry. A push request is kept an hour past its own expiry: an
  // approval is still used by its sign-in after the minute (a slow network), and never after the
  // sign-in itself has expired; a pending one that ran out is counted as a time-out before it goes.
  await db.deleteFrom('push_enrollments').where('expires_at', '<=', now).execute();
  await db.deleteFrom('push_challenges').where('expires_at', '<=', now - PUSH_CHALLENGE_KEPT_MS).where('status', '!=', 'pending').execute();
}

/** How long a push request stays in the store after it expired. @default 1 hour */
export const PUSH_CHALLENGE_KEPT_MS = 3600_000;
