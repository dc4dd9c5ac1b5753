import type { Deps } from '../../context.ts';
import type { MethodRecord } from '../records.ts';
import { es256PublicKey, jwsHeader, verifyEs256 } from './es256-jws.ts';
import { PushError } from './errors.ts';
import { deviceData, findDevice } from './device.ts';
import { useRequestId, wellFormedJti } from './request-ids.ts';
import { audit, type AuditContext } from '../../store/audit.ts';

/** How far a signed request's or answer's `iat` may be from the server's clock. */
export const IAT_WINDOW_MS = 60_000;

export interface SignedJws {
  device: MethodRecord;
  payload: Record<string, unknown>;
}

/**
 * Verifies a compact JWS made by a device: ES256, the expected `typ`, a `kid` naming an enrolled
 * device with a key (a removed device's row is gone), and the signature with that key. Returns
 * undefined for any failure — callers answer with one code whatever failed.
 */
export async function verifyDeviceJws(
  deps: Deps,
  jws: unknown,
  typ: string,
  /** How the device named by `kid` is read (a caller may read what it needs beside it in the same statement). */
  lookup: (kid: unknown) => Promise<MethodRecord | undefined> = (kid) => findDevice(deps.db, kid),
): Promise<SignedJws | undefined> {
  if (typeof jws !== 'string' || jws.length > 16_384) return undefined;
  const header = jwsHeader(jws);
  if (!header || header.alg !== 'ES256' || header.typ !== typ) return undefined;
  const device = await lookup(header.kid);
  if (!device) return undefined;
  const jwk = deviceData(device).publicKey;
  const key = jwk && es256PublicKey(jwk);
  const payload = key && verifyEs256(jws, key);
  if (!payload) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
  return { device, payload: claims as Record<string, unknown> };
}

export function iatFresh(deps: Deps, iat: unknown): boolean {
  return typeof iat === 'number' && Number.isFinite(iat) && Math.abs(iat * 1000 - deps.clock.now()) <= IAT_WINDOW_MS;
}

/**
 * `Authorization: Device <JWS>` (docs/authenticator-api.md, "Signed requests"): the device's signature
 * over the method, the absolute URL without query, a recent `iat` and a `jti` used once. Every failure
 * a stranger could cause is `401 device_unknown`, so a removed device reads exactly like one that never
 * existed. Only once the signature verified with an enrolled device's key does the answer say more:
 * `clock_skew` (with the server's time) when the device's clock is off, `request_replayed` when the
 * header was sent before — both audited.
 */
export async function authenticateDevice(
  deps: Deps,
  authorization: unknown,
  method: string,
  path: string,
  where: AuditContext = {},
  lookup?: (kid: unknown) => Promise<MethodRecord | undefined>,
): Promise<MethodRecord> {
  const refuse = () => new PushError('device_unknown', 'This device is not enrolled, or the request was not signed by it.');
  const m = typeof authorization === 'string' ? /^Device ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(authorization) : null;
  if (!m) throw refuse();
  const signed = await verifyDeviceJws(deps, m[1], 'gh-device+jwt', lookup);
  if (!signed) throw refuse();
  const { device, payload } = signed;
  const htu = new URL(path.split('?')[0]!, new URL(deps.config.issuer).origin).href;
  const { htm, htu: signedHtu, iat, jti } = payload;
  if (htm !== method || signedHtu !== htu || typeof iat !== 'number' || !Number.isFinite(iat) || !wellFormedJti(jti)) throw refuse();
  const base = { ...where, userId: device.userId };
  if (!iatFresh(deps, iat)) {
    const serverTime = deps.clock.now();
    await audit(deps.db, deps.clock, { ...base, event: 'push.device.clock_skew', details: { methodId: device.id, skewMs: iat * 1000 - serverTime } });
    throw new PushError('clock_skew', "This device's clock is more than a minute off. Set it to the right time (automatic time), then try again.", { serverTime });
  }
  if (!(await useRequestId(deps, device.id, jti, iat * 1000 + IAT_WINDOW_MS))) {
    await audit(deps.db, deps.clock, { ...base, event: 'push.device.request_replayed', details: { methodId: device.id } });
    throw new PushError('request_replayed', 'This signed request was sent before. Sign each request anew.');
  }
  return device;
}
