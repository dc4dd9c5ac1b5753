import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A WebAuthn authenticator in Node, for suites that enroll a security key over plain HTTP (no
 * browser): `none` attestation, a fresh P-256 key per registration. It answers a registration
 * ceremony only; sign-in with a key is covered by the Chromium suites.
 */
export function registrationResponse(options: { challenge: string; rp: { id?: string } }, origin: string, opts: { userVerified?: boolean } = {}) {
  const rpId = options.rp.id ?? new URL(origin).hostname;
  const credentialId = randomBytes(16);
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  // RFC 9052 COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]),
  );
  const flags = 0x01 | 0x40 | (opts.userVerified ? 0x04 : 0); // UP, AT (attested credential data), UV
  const credLength = Buffer.alloc(2);
  credLength.writeUInt16BE(credentialId.length);
  const authData = Buffer.concat([
    createHash('sha256').update(rpId).digest(),
    Buffer.from([flags]),
    Buffer.alloc(4), // signCount 0
    Buffer.alloc(16), // AAGUID: none
    credLength,
    credentialId,
    Buffer.from(cose),
  ]);
  const attestationObject = isoCBOR.encode(new Map<string, string | Map<string, string> | Uint8Array>([['fmt', 'none'], ['attStmt', new Map<string, string>()], ['authData', new Uint8Array(authData)]]));
  const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false });
  const id = credentialId.toString('base64url');
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: Buffer.from(clientDataJSON).toString('base64url'),
      attestationObject: Buffer.from(attestationObject).toString('base64url'),
      transports: ['usb'],
    },
    clientExtensionResults: {},
    authenticatorAttachment: 'cross-platform',
  };
}
