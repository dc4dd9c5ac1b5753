import { exportJWK, generateKeyPair, calculateJwkThumbprint, type JWK } from 'jose';
import type { Db } from './db.ts';
import type { Clock } from '../clock.ts';
import type { SecretBox } from '../crypto/secret-box.ts';

/** How long a retired key stays published: longer than any token it may have signed lives. */
export const RETIRED_KEY_PUBLISHED_MS = 24 * 3600 * 1000;

const context = (kid: string) => `signing_keys:${kid}`;

export async function createSigningKey(db: Db, box: SecretBox, clock: Clock): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
    await trx
      .insertInto('signing_keys')
      .values({ kid, alg: 'ES256', private_jwk: box.seal(JSON.stringify({ ...jwk, kid, alg: 'ES256', use: 'sig' }), context(kid)), created_at: now, retired_at: null })
      .execute();
  });
  return kid;
}

/**
 * The signing keys to load, the active one first (oidc-provider signs with the first matching
 * key); retired keys stay for verification until {@link RETIRED_KEY_PUBLISHED_MS} has passed.
 */
export async function loadSigningKeys(db: Db, box: SecretBox, clock: Clock): Promise<JWK[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', clock.now() - RETIRED_KEY_PUBLISHED_MS)]))
    .orderBy('created_at', 'desc')
    .execute();
  rows.sort((a, b) => Number(a.retired_at !== null) - Number(b.retired_at !== null));
  return rows.map((r) => JSON.parse(box.openString(r.private_jwk, context(r.kid))) as JWK);
}

export async function ensureSigningKey(db: Db, box: SecretBox, clock: Clock): Promise<JWK[]> {
  let keys = await loadSigningKeys(db, box, clock);
  if (keys.length === 0) {
    await createSigningKey(db, box, clock);
    keys = await loadSigningKeys(db, box, clock);
  }
  return keys;
}
