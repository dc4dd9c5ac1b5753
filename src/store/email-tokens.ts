import type { Db } from './db.ts';
import type { Clock, Random } from '../clock.ts';
import { randomId } from '../clock.ts';
import { sha256Base64url } from '../crypto/digest.ts';

export type EmailTokenPurpose = 'verify-email' | 'reset-password';

const hashToken = sha256Base64url;

/** Issues a single-use token for a link in an email; only its hash is stored. */
export async function issueEmailToken(db: Db, clock: Clock, random: Random, userId: string, purpose: EmailTokenPurpose, ttlMs: number): Promise<string> {
  const token = randomId(random, 32);
  const now = clock.now();
  await db.insertInto('email_tokens').values({ token_hash: hashToken(token), user_id: userId, purpose, expires_at: now + ttlMs, used_at: null, created_at: now }).execute();
  return token;
}

/** The user id the token was issued to, if it is valid, unexpired and unused — without using it. */
export async function peekEmailToken(db: Db, clock: Clock, token: string, purpose: EmailTokenPurpose): Promise<string | undefined> {
  const row = await db
    .selectFrom('email_tokens')
    .select('user_id')
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', clock.now())
    .executeTakeFirst();
  return row?.user_id;
}

/**
 * Uses the token: one conditional UPDATE, so of two simultaneous uses exactly one succeeds.
 * Returns the user id, or undefined when the token is unknown, expired or already used.
 */
export async function consumeEmailToken(db: Db, clock: Clock, token: string, purpose: EmailTokenPurpose): Promise<string | undefined> {
  const now = clock.now();
  const row = await db
    .updateTable('email_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}
