import type { Deps } from '../../context.ts';
import { incrementCounter } from '../../store/counters.ts';

/** A `jti` as the apps make it (16 random bytes, base64url) and no longer than a key should be. */
export const wellFormedJti = (jti: unknown): jti is string => typeof jti === 'string' && /^[\w-]{16,128}$/.test(jti);

/**
 * Uses a signed request's `jti` once per device: `false` when that device already sent it. Kept in
 * the store's atomic counters (one upsert, so two instances or a parallel burst see it used exactly
 * once; the store's purge drops it) for as long as the request's `iat` is accepted — after that the
 * header is refused for its age anyway.
 */
export async function useRequestId(deps: Deps, deviceId: string, jti: string, acceptedUntil: number): Promise<boolean> {
  const ttl = Math.max(1, acceptedUntil + 1 - deps.clock.now());
  return (await incrementCounter(deps.db, deps.clock, `push-jti:${deviceId}:${jti}`, ttl)) === 1;
}
