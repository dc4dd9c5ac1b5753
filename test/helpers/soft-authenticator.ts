import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Deps } from '../../src/context.ts';
import { activateMethod, insertPendingMethod } from '../../src/methods/records.ts';

/**
 * A security key in software (ES256, no attestation), for suites without a browser: it signs
 * WebAuthn assertions the way a CTAP2 key does (authenticator data || SHA-256(clientDataJSON)),
 * so the server's real verification runs. The browser suites use Chromium's virtual authenticator.
 */
export interface SoftKey {
  credentialId: string;
  /** A signed assertion for `challenge` at `origin` with signature counter `counter`. */
  assert(o: { challenge: string; origin: string; rpId: string; counter: number; userVerified?: boolean; bogusSignature?: boolean }): Record<string, unknown>;
}

/** COSE_Key (RFC 9053) of a P-256 public key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}, in CBOR. */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]), x, Buffer.from([0x22, 0x58, 0x20]), y]);
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

export function softKey(): SoftKey & { publicKeyCose: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credentialId = randomBytes(16).toString('base64url');
  return {
    credentialId,
    publicKeyCose: coseKey(publicKey),
    assert({ challenge, origin, rpId, counter, userVerified = false, bogusSignature = false }) {
      const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
      const count = Buffer.alloc(4);
      count.writeUInt32BE(counter);
      // Flags: UP (0x01), UV (0x04) when the key verified the person.
      const authenticatorData = Buffer.concat([sha256(rpId), Buffer.from([userVerified ? 0x05 : 0x01]), count]);
      const signed = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), privateKey);
      // A bogus signature: the right shape, made by another key.
      const signature = bogusSignature ? sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey) : signed;
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        response: { clientDataJSON: clientDataJSON.toString('base64url'), authenticatorData: authenticatorData.toString('base64url'), signature: signature.toString('base64url') },
        clientExtensionResults: {},
      };
    },
  };
}

/** Registers `key` as an active security key of the person, as a confirmed enrollment would (counter 0). */
export async function registerSoftKey(deps: Deps, userId: string, key: SoftKey & { publicKeyCose: Buffer }, name = 'Software key'): Promise<string> {
  const id = await insertPendingMethod(deps.db, deps.clock, deps.random, { userId, type: 'webauthn', name });
  const ok = await activateMethod(deps.db, deps.clock, userId, id, { credentialId: key.credentialId, data: { publicKey: key.publicKeyCose.toString('base64url'), transports: ['usb'] }, counter: 0 });
  if (!ok) throw new Error('could not activate the software key');
  return id;
}
