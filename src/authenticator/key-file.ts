import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { seal, unseal, type Sealed } from './passphrase-box.ts';
import { readIfExists, writePrivateFile } from './home.ts';
import { AuthenticatorError } from './errors.ts';
import type { TotpParams } from './totp.ts';

/** What only this device knows: its private key and the account's TOTP secret (for offline codes). */
export interface DeviceSecrets {
  privateJwk: JWK;
  totp: TotpParams;
}

/** The public header of a key file; with a passphrase it is the AES-GCM associated data. */
interface KeyFileHeader {
  version: 1;
  kid: string;
  encrypted: boolean;
}

type KeyFile = (KeyFileHeader & { encrypted: false; secrets: DeviceSecrets }) | (KeyFileHeader & { encrypted: true; sealed: Sealed });

/** Asks the owner for the passphrase of device `kid` (on the terminal or from the environment). */
export type PassphrasePrompt = (kid: string) => Promise<string>;

/** A device key pair made on this machine; the private half never leaves it (ES256, P-256). */
export async function newDeviceKey(): Promise<{ privateJwk: JWK; publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string } }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = await exportJWK(publicKey);
  return { privateJwk: await exportJWK(privateKey), publicJwk: { kty: 'EC', crv: 'P-256', x: pub.x!, y: pub.y! } };
}

export function keyFilePath(home: string, kid: string): string {
  // The server chooses the id; only URL-safe characters reach a file name.
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(kid)) throw new AuthenticatorError('server_error', `the server gave a device id that cannot name a file: ${JSON.stringify(kid)}`);
  return join(home, 'keys', `${kid}.json`);
}

function aad(header: KeyFileHeader): string {
  return JSON.stringify({ version: header.version, kid: header.kid, encrypted: header.encrypted });
}

/**
 * Writes the key file of device `kid`, 0600; sealed with `passphrase` when one is given
 * (an empty passphrase means none: the file is then protected by its mode alone).
 */
export async function saveKeyFile(home: string, kid: string, secrets: DeviceSecrets, passphrase?: string): Promise<void> {
  let file: KeyFile;
  if (passphrase) {
    const header = { version: 1, kid, encrypted: true } as const;
    file = { ...header, sealed: await seal(JSON.stringify(secrets), passphrase, aad(header)) };
  } else {
    file = { version: 1, kid, encrypted: false, secrets };
  }
  writePrivateFile(keyFilePath(home, kid), JSON.stringify(file, null, 2) + '\n');
}

/** Whether the key file of `kid` needs a passphrase. */
export function isEncrypted(home: string, kid: string): boolean {
  return readKeyFile(home, kid).encrypted;
}

function readKeyFile(home: string, kid: string): KeyFile {
  const text = readIfExists(keyFilePath(home, kid));
  if (text === undefined) throw new AuthenticatorError('no_account', `the key file of device ${kid} is missing from ${join(home, 'keys')}`);
  const file = JSON.parse(text) as KeyFile;
  if (file.version !== 1 || file.kid !== kid) throw new AuthenticatorError('no_account', `the key file of device ${kid} is not one this version reads`);
  return file;
}

/** Opens the key file of `kid`, asking for its passphrase only when it has one. */
export async function loadSecrets(home: string, kid: string, ask: PassphrasePrompt): Promise<DeviceSecrets> {
  const file = readKeyFile(home, kid);
  if (!file.encrypted) return file.secrets;
  return JSON.parse(await unseal(file.sealed, await ask(kid), aad(file))) as DeviceSecrets;
}

/** The private key as a signing key for jose. */
export async function signingKey(secrets: DeviceSecrets): Promise<CryptoKey> {
  return (await importJWK(secrets.privateJwk, 'ES256')) as CryptoKey;
}

export function deleteKeyFile(home: string, kid: string): void {
  rmSync(keyFilePath(home, kid), { force: true });
}
