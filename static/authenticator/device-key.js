// The device key (docs/authenticator-api.md, "The device key"): P-256, ES256, its private half a
// non-extractable WebCrypto key that never leaves this browser's IndexedDB.
import { base64url, randomId, utf8 } from './encoding.js';

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' };

/** A new key pair; `extractable: false` keeps the private key inside the browser's key store. */
export async function createDeviceKey() {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  return { privateKey, publicJwk: { kty, crv, x, y } };
}

/**
 * A compact JWS (RFC 7515) signed with ES256. WebCrypto's ECDSA signature is already the raw r||s
 * that JWS wants (RFC 7518 §3.4), so no DER conversion is needed.
 */
export async function signJws(privateKey, header, payload) {
  const input = `${base64url(utf8(JSON.stringify(header)))}.${base64url(utf8(JSON.stringify(payload)))}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, utf8(input));
  return `${input}.${base64url(signature)}`;
}

const seconds = () => Math.floor(Date.now() / 1000);

/** `Authorization: Device <JWS>` for one request: method and absolute URL without its query. */
export async function deviceAuthorization(account, method, url) {
  const u = new URL(url);
  const htu = u.origin + u.pathname;
  const jws = await signJws(account.privateKey, { alg: 'ES256', kid: account.deviceId, typ: 'gh-device+jwt' }, { htm: method, htu, iat: seconds(), jti: randomId() });
  return `Device ${jws}`;
}

/** The signed answer to a challenge: binds the challenge, the decision, the typed number and the time. */
export function signAnswer(account, challengeId, decision, number, userVerification) {
  const payload = { aud: account.issuer, cid: challengeId, decision, iat: seconds(), jti: randomId() };
  if (number !== undefined) payload.number = number;
  if (userVerification) payload.userVerification = userVerification;
  return signJws(account.privateKey, { alg: 'ES256', kid: account.deviceId, typ: 'gh-push-answer+jwt' }, payload);
}
