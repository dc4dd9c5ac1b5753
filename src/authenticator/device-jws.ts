import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * `Authorization: Device <JWS>` for one request (docs/authenticator-api.md, "Signed requests"):
 * bound to the method and the URL without its query, fresh (`iat`) and unique (`jti`), so a
 * captured header is good for that one request for a minute at most.
 */
export async function deviceAuthorization(key: CryptoKey, deviceId: string, method: string, url: string, now: number = Date.now()): Promise<string> {
  const u = new URL(url);
  const htu = u.origin + u.pathname;
  const jws = await new SignJWT({ htm: method.toUpperCase(), htu, jti: randomBytes(16).toString('base64url') })
    .setProtectedHeader({ alg: 'ES256', kid: deviceId, typ: 'gh-device+jwt' })
    .setIssuedAt(Math.floor(now / 1000))
    .sign(key);
  return `Device ${jws}`;
}

export type Decision = 'approve' | 'deny' | 'fraud';

/**
 * The signed answer to challenge `cid` (`gh-push-answer+jwt`): the decision, the number the
 * person typed, the server it is meant for and the time — everything the server must see
 * unaltered, under the device's signature.
 */
export async function answerJws(key: CryptoKey, a: { deviceId: string; issuer: string; challengeId: string; decision: Decision; number?: string; now?: number }): Promise<string> {
  const payload: Record<string, unknown> = { aud: a.issuer, cid: a.challengeId, decision: a.decision, jti: randomBytes(16).toString('base64url') };
  if (a.number !== undefined) payload.number = a.number;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: a.deviceId, typ: 'gh-push-answer+jwt' })
    .setIssuedAt(Math.floor((a.now ?? Date.now()) / 1000))
    .sign(key);
}
