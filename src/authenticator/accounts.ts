import { join } from 'node:path';
import { readIfExists, writePrivateFile } from './home.ts';
import { AuthenticatorError } from './errors.ts';

/**
 * One enrolled device as this machine remembers it: who it answers for and where. Public facts
 * only; the private key and the TOTP secret are in the device's key file.
 */
export interface Account {
  /** The server's id for this device, the `kid` of everything it signs. */
  deviceId: string;
  /** The server's issuer: the `aud` of answers. */
  issuer: string;
  /** `{issuer}/api/authenticator/v1`, from the enrollment link. */
  apiBase: string;
  email: string;
  name: string | null;
  deviceName: string;
  /** `pending` until the first approval (the wizard's test request); then `active`. */
  status: 'pending' | 'active';
  enrolledAt: number;
}

const FILE = 'accounts.json';

export function readAccounts(home: string): Account[] {
  const text = readIfExists(join(home, FILE));
  return text === undefined ? [] : (JSON.parse(text) as { accounts: Account[] }).accounts;
}

function writeAccounts(home: string, accounts: Account[]): void {
  writePrivateFile(join(home, FILE), JSON.stringify({ version: 1, accounts }, null, 2) + '\n');
}

export function addAccount(home: string, account: Account): void {
  writeAccounts(home, [...readAccounts(home).filter((a) => a.deviceId !== account.deviceId), account]);
}

export function updateAccount(home: string, deviceId: string, change: Partial<Omit<Account, 'deviceId'>>): void {
  writeAccounts(home, readAccounts(home).map((a) => (a.deviceId === deviceId ? { ...a, ...change } : a)));
}

export function forgetAccount(home: string, deviceId: string): void {
  writeAccounts(home, readAccounts(home).filter((a) => a.deviceId !== deviceId));
}

/**
 * The accounts `selector` names: a device id, or an email (any case; several when the same
 * person is enrolled on several servers). No selector: every account. None matching is `no_account`.
 */
export function selectAccounts(home: string, selector?: string): Account[] {
  const all = readAccounts(home);
  if (all.length === 0) throw new AuthenticatorError('no_account', `no account is enrolled in ${home}; run "npx gatehouse authenticator enroll <link>" first`);
  if (!selector) return all;
  const wanted = selector.toLowerCase();
  const found = all.filter((a) => a.deviceId === selector || a.email.toLowerCase() === wanted);
  if (found.length === 0) throw new AuthenticatorError('no_account', `no enrolled account matches "${selector}" (see "gatehouse authenticator list")`);
  return found;
}

/** Exactly one account, or `ambiguous` naming the candidates. */
export function oneAccount(home: string, selector?: string): Account {
  const found = selectAccounts(home, selector);
  if (found.length > 1) {
    throw new AuthenticatorError('ambiguous', `${found.length} accounts match; choose one with --account <device id>: ${found.map((a) => `${a.email} at ${a.issuer} (${a.deviceId})`).join(', ')}`);
  }
  return found[0]!;
}
