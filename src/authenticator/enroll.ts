import { hostname } from 'node:os';
import { AuthenticatorApi } from './api.ts';
import { addAccount, type Account } from './accounts.ts';
import { ensureHome } from './home.ts';
import { newDeviceKey, saveKeyFile } from './key-file.ts';
import { parseEnrollmentLink } from './enrollment-link.ts';

/** The device name when the owner gives none: says where the key lives. */
export function defaultDeviceName(): string {
  return `Terminal on ${hostname()}`.slice(0, 64);
}

/**
 * Enrolls this machine from an enrollment link: checks the link (without using it), makes a
 * key pair, registers the public half, and only then writes the key file — so a refused link
 * leaves nothing behind. `passphrase` is asked once the link is known to be good.
 */
export async function enroll(home: string, link: string, o: { name?: string; passphrase: () => Promise<string | undefined> }): Promise<Account> {
  const { issuer, apiBase, token } = parseEnrollmentLink(link);
  const api = new AuthenticatorApi(apiBase);
  await api.inspect(token);
  ensureHome(home);
  const passphrase = await o.passphrase();
  const { privateJwk, publicJwk } = await newDeviceKey();
  const deviceName = o.name?.trim() || defaultDeviceName();
  const e = await api.enroll({ token, publicKey: publicJwk, name: deviceName });
  await saveKeyFile(home, e.deviceId, { privateJwk, totp: e.totp }, passphrase);
  const account: Account = {
    deviceId: e.deviceId,
    issuer: e.account.issuer || issuer,
    apiBase,
    email: e.account.email,
    name: e.account.name ?? null,
    deviceName,
    status: e.status === 'active' ? 'active' : 'pending',
    enrolledAt: Date.now(),
  };
  addAccount(home, account);
  return account;
}
