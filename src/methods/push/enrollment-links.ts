import type { Deps } from '../../context.ts';
import { randomId } from '../../clock.ts';
import { PushError } from './errors.ts';
import { sha256Base64url } from '../../crypto/digest.ts';

/** How long an enrollment link works. @default 10 minutes */
export const ENROLLMENT_LINK_TTL_MS = 10 * 60_000;

export const tokenHash = sha256Base64url;

/** The link the wizard shows as a QR code and as text; the token sits in the fragment, out of logs and `Referer`. */
export function enrollmentLink(issuer: string, token: string): string {
  return `${issuer}/authenticator/#enroll=${token}`;
}

/**
 * A new single-use link (32 random bytes) for the pending method `methodId` of `userId`. Only its
 * SHA-256 is stored; a newer link for the same method replaces the older one.
 */
export async function createEnrollmentLink(deps: Deps, userId: string, methodId: string): Promise<{ token: string; link: string; expiresAt: number }> {
  const token = randomId(deps.random, 32);
  const now = deps.clock.now();
  const expiresAt = now + ENROLLMENT_LINK_TTL_MS;
  await deps.db.deleteFrom('push_enrollments').where('method_id', '=', methodId).execute();
  await deps.db
    .insertInto('push_enrollments')
    .values({ token_hash: tokenHash(token), user_id: userId, method_id: methodId, uv_challenge: randomId(deps.random, 32), expires_at: expiresAt, used_at: null, created_at: now })
    .execute();
  return { token, link: enrollmentLink(deps.config.issuer, token), expiresAt };
}

export interface EnrollmentLinkRow {
  userId: string;
  methodId: string;
  uvChallenge: string;
  expiresAt: number;
}

function wellFormed(token: unknown): token is string {
  return typeof token === 'string' && /^[\w-]{43}$/.test(token);
}

/** Reads a link without using it; throws the API's error for an unknown, used or expired one. */
export async function readEnrollmentLink(deps: Deps, token: unknown): Promise<EnrollmentLinkRow> {
  if (!wellFormed(token)) throw new PushError('enrollment_link_invalid', 'This enrollment link is not valid.');
  const row = await deps.db.selectFrom('push_enrollments').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst();
  if (!row) throw new PushError('enrollment_link_invalid', 'This enrollment link is not valid.');
  if (row.used_at !== null) throw new PushError('enrollment_link_used', 'This enrollment link was used already. Start again in the browser to get a new one.');
  if (row.expires_at <= deps.clock.now()) throw new PushError('enrollment_link_expired', 'This enrollment link has expired. Start again in the browser to get a new one.');
  return { userId: row.user_id, methodId: row.method_id, uvChallenge: row.uv_challenge, expiresAt: row.expires_at };
}

/**
 * Uses a link: one conditional UPDATE, so of two requests with the same token exactly one gets it
 * (the other, whoever sends it, gets `enrollment_link_used`). Runs inside the caller's transaction.
 */
export async function useEnrollmentLink(deps: Pick<Deps, 'clock'>, trx: Deps['db'], token: string): Promise<boolean> {
  const now = deps.clock.now();
  const r = await trx.updateTable('push_enrollments').set({ used_at: now }).where('token_hash', '=', tokenHash(token)).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
