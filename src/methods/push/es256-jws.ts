import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, type JWK, type ProtectedHeaderParameters } from 'jose';
import { keyedMemo } from '../../crypto/keyed-memo.ts';

/**
 * A device's compact JWS (ES256), checked on the event loop with node:crypto rather than jose's
 * WebCrypto path (decision 0023). jose reads the header; the signature is one `crypto.verify` over
 * `header.payload`, which on the development machine cost 0.09 ms of CPU where `compactVerify` cost
 * 0.35 ms — its work goes to libuv's thread pool and back, and each of those hops wakes a thread.
 *
 * What jose would refuse is refused here too: anything but three base64url parts, a header that is
 * not a JSON object, `crit` (no extension is understood) and `b64` (the payload is always encoded),
 * a signature that is not the 64-byte r‖s of P-256, a payload that is not canonical base64url.
 */

/** The header of a compact JWS, or undefined when it is not one (jose's decoding). */
export function jwsHeader(jws: string): ProtectedHeaderParameters | undefined {
  try {
    const header = decodeProtectedHeader(jws);
    if ('crit' in header || 'b64' in header) return undefined;
    return header;
  } catch {
    return undefined;
  }
}

/** Whether `s` is base64url as a JWS writes it: the canonical, unpadded encoding of its bytes. */
function decoded(s: string): Buffer | undefined {
  const bytes = Buffer.from(s, 'base64url');
  return bytes.toString('base64url') === s ? bytes : undefined;
}

/** The payload of `jws` when its ES256 signature verifies with `key`; undefined otherwise. */
export function verifyEs256(jws: string, key: KeyObject): Buffer | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  const sig = decoded(signature);
  if (!sig || sig.length !== 64) return undefined;
  const body = decoded(payload);
  if (!body || !decoded(header)) return undefined;
  try {
    return verify('sha256', Buffer.from(`${header}.${payload}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, sig) ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Public keys already imported, by their JWK (as stored). Only the import is kept — the device and
 * its key are read from the store on every request, so a removed device is unknown at once, and a key
 * is looked up by the stored JWK itself, never by the device id. Bounded (keyed-memo.ts).
 */
const imported = keyedMemo((id): KeyObject | undefined => {
  const jwk = JSON.parse(id) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || 'd' in jwk) return undefined;
  try {
    return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
  } catch {
    return undefined;
  }
}, 1024);

/** The P-256 public key of a stored JWK, or undefined when it is not one. */
export function es256PublicKey(jwk: JWK): KeyObject | undefined {
  return imported(JSON.stringify(jwk));
}
