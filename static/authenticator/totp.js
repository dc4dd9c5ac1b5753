// RFC 6238 time-based codes (RFC 4226 truncation) with WebCrypto's HMAC, so codes need no network.
import { fromBase32 } from './encoding.js';

const HASHES = { SHA1: 'SHA-1', SHA256: 'SHA-256', SHA512: 'SHA-512' };

/** The code of `totp` ({secret, algorithm, digits, period}) at `atMs`, and the seconds it has left. */
export async function totpCode(totp, atMs = Date.now()) {
  const period = totp.period || 30;
  const digits = totp.digits || 6;
  const counter = Math.floor(atMs / 1000 / period);
  const key = await crypto.subtle.importKey('raw', fromBase32(totp.secret), { name: 'HMAC', hash: HASHES[totp.algorithm || 'SHA1'] || 'SHA-1' }, false, ['sign']);
  const msg = new DataView(new ArrayBuffer(8));
  // The counter as a 64-bit big-endian integer (RFC 4226 §5.1); it fits in 53 bits for millennia.
  msg.setUint32(0, Math.floor(counter / 2 ** 32));
  msg.setUint32(4, counter >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, msg));
  const offset = mac[mac.length - 1] & 0x0f; // RFC 4226 §5.3 dynamic truncation
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  const code = String(binary % 10 ** digits).padStart(digits, '0');
  const secondsLeft = period - (Math.floor(atMs / 1000) % period);
  return { code, secondsLeft, period };
}
