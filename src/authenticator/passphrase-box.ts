import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { AuthenticatorError } from './errors.ts';

/**
 * Parameters of the passphrase key derivation, stored beside the ciphertext so that stronger
 * ones can be chosen later without breaking old files. N = 2^15, r = 8, p = 1 is OWASP's scrypt
 * recommendation (about 32 MiB and 0.1 s on a laptop): slow for a guesser, unnoticed by a person.
 */
export interface ScryptParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}

/** A passphrase-sealed value: scrypt for the key, AES-256-GCM for confidentiality and integrity. */
export interface Sealed {
  kdf: ScryptParams;
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  ciphertext: string;
}

export const DEFAULT_SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const MAX_N = 2 ** 20;

function deriveKey(passphrase: string, kdf: ScryptParams): Promise<Buffer> {
  if (kdf.name !== 'scrypt' || kdf.N > MAX_N || kdf.r > 32 || kdf.p > 16) {
    // A key file edited to demand gigabytes would otherwise hang the command.
    throw new AuthenticatorError('wrong_passphrase', 'the key file names key-derivation parameters this version does not accept');
  }
  const options: ScryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r };
  return new Promise((done, fail) =>
    scryptCb(passphrase.normalize('NFC'), Buffer.from(kdf.salt, 'base64url'), 32, options, (err, key) => (err ? fail(err) : done(key))),
  );
}

/**
 * Seals `plaintext` under `passphrase`. `aad` (the file's public header) is authenticated too,
 * so a key file cannot be given another device's id without the passphrase noticing.
 */
export async function seal(plaintext: string, passphrase: string, aad: string, params: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<Sealed> {
  const kdf: ScryptParams = { name: 'scrypt', ...params, salt: randomBytes(16).toString('base64url') };
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, kdf), iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { kdf, cipher: { name: 'aes-256-gcm', iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') }, ciphertext: ciphertext.toString('base64url') };
}

/** Opens a sealed value; a wrong passphrase (or a tampered file) is `wrong_passphrase`. */
export async function unseal(sealed: Sealed, passphrase: string, aad: string): Promise<string> {
  const decipher = createDecipheriv('aes-256-gcm', await deriveKey(passphrase, sealed.kdf), Buffer.from(sealed.cipher.iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(sealed.cipher.tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new AuthenticatorError('wrong_passphrase', 'wrong passphrase for this device key');
  }
}
