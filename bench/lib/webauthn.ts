import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software passkey for the load generator: a P-256 key pair whose public half is registered in
 * Gatehouse (as a COSE key, the form WebAuthn registration stores) and whose private half signs
 * assertions the way an authenticator does (WebAuthn §6.1, §7.2), with no browser involved.
 */
export interface SoftPasskey {
  /** Credential id, base64url. */
  id: string;
  /** The account it belongs to: returned as the user handle, as a discoverable credential does. */
  userId: string;
  privateKey: KeyObject;
}

/** What the seed stores for a credential: its id and COSE public key (base64url). */
export interface PasskeyPublic {
  id: string;
  publicKey: string;
}

/** A new P-256 key pair and credential id; `cose` is the public key as a COSE_Key (RFC 9053 EC2, alg ES256). */
export function newPasskeyKey(): { id: string; privateKey: KeyObject; cose: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  // CBOR map of 5: 1 (kty) → 2 (EC2), 3 (alg) → -7 (ES256), -1 (crv) → 1 (P-256), -2 → x, -3 → y.
  const cose = Buffer.concat([Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]), x, Buffer.from([0x22, 0x58, 0x20]), y]);
  return { id: randomBytes(16).toString('base64url'), privateKey, cose: cose.toString('base64url') };
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

/**
 * An AuthenticationResponseJSON for `challenge` at `origin`: clientDataJSON, authenticator data
 * (RP ID hash, user present + user verified, signature counter 0 as synced passkeys report) and
 * an ES256 signature (DER) over authenticatorData ‖ SHA-256(clientDataJSON).
 */
export function assertion(key: SoftPasskey, challenge: string, origin: string): Record<string, unknown> {
  const rpId = new URL(origin).hostname;
  const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
  const authData = Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([FLAG_UP | FLAG_UV, 0, 0, 0, 0])]);
  const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), key.privateKey);
  return {
    id: key.id,
    rawId: key.id,
    type: 'public-key',
    response: {
      clientDataJSON: clientData.toString('base64url'),
      authenticatorData: authData.toString('base64url'),
      signature: signature.toString('base64url'),
      userHandle: Buffer.from(key.userId, 'utf8').toString('base64url'),
    },
    clientExtensionResults: {},
    authenticatorAttachment: 'platform',
  };
}
