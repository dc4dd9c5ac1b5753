import { createHmac, timingSafeEqual } from 'node:crypto';
import { keyedMemo } from '../crypto/keyed-memo.ts';

/** What Koa's `cookies` module asks of the object that signs cookies (keygrip's interface). */
export interface CookieSigner {
  sign(data: string): string;
  verify(data: string, digest: string): boolean;
  index(data: string, digest: string): number;
}

/**
 * The signer of oidc-provider's cookies (the session, the interaction), in place of the keygrip
 * that Koa's `cookies` module makes from an array of keys: the same signatures (HMAC-SHA1,
 * unpadded base64url, the first key signs, any key verifies), so cookies signed before stay valid,
 * with one HMAC and `timingSafeEqual` per verification instead of keygrip's HMAC plus tsscmp's
 * random key and two more HMACs. oidc-provider reads two or three signed cookies on every sign-in
 * page and form (the bench: keygrip was 4–5 % of such a request's CPU). A signature of another
 * length is refused before comparing: its length (27 characters) is no secret.
 */
export function cookieSigner(keys: readonly string[]): CookieSigner {
  if (keys.length === 0) throw new Error('cookie signing needs at least one key');
  // One memo per key: a sign-in's pages show the same cookies again and again (keyed-memo.ts).
  const signers = keys.map((key) => keyedMemo((data) => createHmac('sha1', key).update(data).digest('base64url')));
  const sign = (data: string, i: number) => signers[i]!(data);
  return {
    sign: (data) => sign(data, 0),
    verify(data, digest) {
      return this.index(data, digest) > -1;
    },
    index(data, digest) {
      const given = Buffer.from(String(digest));
      for (let i = 0; i < keys.length; i++) {
        const expected = Buffer.from(sign(data, i));
        if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
      }
      return -1;
    },
  };
}
