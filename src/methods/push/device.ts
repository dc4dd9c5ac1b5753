import type { JWK } from 'jose';
import type { Selectable } from 'kysely';
import type { Db } from '../../store/db.ts';
import type { MfaMethodsTable } from '../../store/schema.ts';
import type { MethodRecord } from '../records.ts';
import { toMethodRecord } from '../records.ts';
import { es256PublicKey } from './es256-jws.ts';
import { param, perStore, precompile } from '../../store/precompiled.ts';

/** Read on every signed request and answer: compiled once per store. */
const byId = perStore((db: Db) => precompile<Selectable<MfaMethodsTable>, { id: string }>(db, () => db.selectFrom('mfa_methods').selectAll().where('id', '=', param<string>('id')).where('type', '=', 'push')));

/** What a push device keeps in `data` (public): its key, and the screen-lock credential when it made one. */
export interface DeviceData {
  publicKey?: JWK;
  /** WebAuthn credential (public key, base64url) made with user verification at registration. */
  uv?: { credentialId: string; publicKey: string; counter: number };
  /** Whether a Web Push subscription is sealed in the secret (the subscription itself is not here). */
  subscribed?: boolean;
}

export const deviceData = (m: MethodRecord) => m.data as DeviceData;

/**
 * Accepts only a public P-256 key whose point is on the curve — the key every later signature is
 * checked with (es256-jws.ts imports it the same way): a private part (`d`), any other curve or a
 * point that is not one is refused at enrollment, not first found unusable when the device signs.
 */
export function parsePublicKey(v: unknown): JWK | undefined {
  const k = v as JWK | null;
  if (!k || typeof k !== 'object' || k.kty !== 'EC' || k.crv !== 'P-256' || 'd' in k) return undefined;
  if (typeof k.x !== 'string' || typeof k.y !== 'string' || !/^[\w-]{43}$/.test(k.x) || !/^[\w-]{43}$/.test(k.y)) return undefined;
  const jwk: JWK = { kty: 'EC', crv: 'P-256', x: k.x, y: k.y };
  return es256PublicKey(jwk) ? jwk : undefined;
}

/**
 * The device named `kid`, enrolled (pending or active) with a registered key. A removed device's row
 * is gone, so it is unknown exactly like one that never existed.
 */
export async function findDevice(db: Db, kid: unknown): Promise<MethodRecord | undefined> {
  if (!isDeviceId(kid)) return undefined;
  return asDevice((await byId(db)({ id: kid })).rows[0]);
}

/** What a device id (`kid`) looks like; no other is looked up. */
export const isDeviceId = (kid: unknown): kid is string => typeof kid === 'string' && /^[\w-]{1,64}$/.test(kid);

/** A push method row read by id, as a device: only one with a registered key is one. */
export function asDevice(row: Omit<Selectable<MfaMethodsTable>, 'secret'> | undefined): MethodRecord | undefined {
  const m = row ? toMethodRecord(row) : undefined;
  return m && deviceData(m).publicKey ? m : undefined;
}
