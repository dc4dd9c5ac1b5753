import type { Deps } from '../../context.ts';
import { methodSecret } from '../records.ts';
import type { PushSubscription } from './sender.ts';

/** What a device's sealed `secret` holds: its own TOTP seed, and where to push. Never returned after enrollment. */
export interface DeviceSecret {
  seed: string;
  subscription?: PushSubscription;
}

const context = (methodId: string) => `mfa_methods:${methodId}:push`;

export function sealDeviceSecret(deps: Deps, methodId: string, secret: DeviceSecret): string {
  return deps.box.seal(JSON.stringify(secret), context(methodId));
}

export async function openDeviceSecret(deps: Deps, methodId: string): Promise<DeviceSecret | undefined> {
  const sealed = await methodSecret(deps.db, methodId);
  return sealed ? (JSON.parse(deps.box.openString(sealed, context(methodId))) as DeviceSecret) : undefined;
}

/** A subscription the server will POST to: an https endpoint (RFC 8030) with both RFC 8291 keys. */
export function parseSubscription(v: unknown): PushSubscription | undefined {
  const s = v as PushSubscription | null;
  if (!s || typeof s !== 'object' || typeof s.endpoint !== 'string' || s.endpoint.length > 2048) return undefined;
  let url: URL;
  try {
    url = new URL(s.endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:') return undefined;
  const k = s.keys;
  if (!k || typeof k.p256dh !== 'string' || typeof k.auth !== 'string' || !/^[\w-]{20,200}$/.test(k.p256dh) || !/^[\w-]{10,100}$/.test(k.auth)) return undefined;
  return { endpoint: s.endpoint, keys: { p256dh: k.p256dh, auth: k.auth } };
}
