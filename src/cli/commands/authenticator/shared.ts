import { CliError } from '../../command.ts';
import { askHidden, isInteractive } from '../../terminal.ts';
import { isoTime, type Output } from '../../output.ts';
import { homeDir } from '../../../authenticator/home.ts';
import { AuthenticatorError } from '../../../authenticator/errors.ts';
import { UnlockedDevice } from '../../../authenticator/device.ts';
import type { Account } from '../../../authenticator/accounts.ts';
import type { Challenge } from '../../../authenticator/api.ts';
import type { PassphrasePrompt } from '../../../authenticator/key-file.ts';
import type { Pending } from '../../../authenticator/waiting.ts';

/** `--home DIR`, which every authenticator command takes. */
export const HOME_OPTION = { home: { type: 'string' } } as const;

/** The environment variable that gives scripts the key files' passphrase. */
export const PASSPHRASE_ENV = 'GATEHOUSE_AUTHENTICATOR_PASSPHRASE';

export function home(values: { home?: string }): string {
  return homeDir(values.home);
}

/** Unlocks a key file: the environment first (scripts), else the terminal with echo off. */
export function unlockPrompt(accounts: Account[]): PassphrasePrompt {
  return async (kid) => {
    const fromEnv = process.env[PASSPHRASE_ENV];
    if (fromEnv !== undefined) return fromEnv;
    if (!isInteractive()) throw new AuthenticatorError('wrong_passphrase', `the device key is protected by a passphrase; set ${PASSPHRASE_ENV} or run the command in a terminal`);
    const a = accounts.find((x) => x.deviceId === kid);
    return askHidden(`Passphrase for ${a ? `${a.email} at ${a.issuer}` : kid}: `);
  };
}

/**
 * The passphrase for a new key file: from the environment (empty: none), or asked twice on a
 * terminal (empty: none). Without either the key is protected by its file mode alone.
 */
export async function newPassphrase(): Promise<string | undefined> {
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined) return fromEnv || undefined;
  if (!isInteractive()) return undefined;
  const first = await askHidden('Passphrase to protect the device key (empty for none): ');
  if (!first) return undefined;
  if ((await askHidden('The same passphrase again: ')) !== first) throw new CliError('invalid_value', 'the two passphrases differ; nothing was enrolled');
  return first;
}

export async function openAll(dir: string, accounts: Account[]): Promise<UnlockedDevice[]> {
  const ask = unlockPrompt(accounts);
  const devices: UnlockedDevice[] = [];
  // One at a time: each may ask its own passphrase on the terminal.
  for (const a of accounts) devices.push(await UnlockedDevice.open(dir, a, ask));
  return devices;
}

/** What scripts see of an account. */
export function publicAccount(a: Account) {
  return { deviceId: a.deviceId, email: a.email, name: a.name, issuer: a.issuer, deviceName: a.deviceName, status: a.status, enrolledAt: isoTime(a.enrolledAt) };
}

/** What scripts see of a request: the Challenge of the API, times as ISO instants, and whose it is. */
export function publicRequest(p: Pending) {
  const c = p.challenge;
  return { id: c.id, kind: c.kind, app: c.app, action: c.action, browser: c.browser, os: c.os, ip: c.ip, createdAt: isoTime(c.createdAt), expiresAt: isoTime(c.expiresAt), account: { deviceId: p.device.account.deviceId, email: p.device.account.email, issuer: p.device.account.issuer } };
}

/** Server text (app names, browser labels) shown on a terminal: no control characters, so no escape sequences. */
function clean(s: string | null | undefined): string {
  return String(s ?? '').replace(/[\p{Cc}]/gu, ' ').slice(0, 120);
}

/** A request as the person reads it before deciding: what, where from, when. */
export function describeRequest(p: Pending, now = Date.now()): string {
  const c: Challenge = p.challenge;
  const a = p.device.account;
  const what = c.kind === 'enroll' ? 'Test request from the enrollment wizard' : `Sign-in to ${clean(c.app)}${c.action ? `: ${clean(c.action)}` : ''}`;
  const left = Math.max(0, Math.round((c.expiresAt - now) / 1000));
  return [
    `${what}`,
    `  Account:  ${a.email} at ${a.issuer}`,
    `  App:      ${clean(c.app)}${c.action ? ` — ${clean(c.action)}` : ''}`,
    `  Browser:  ${clean(c.browser) || 'unknown browser'} on ${clean(c.os) || 'an unknown system'}`,
    `  IP:       ${clean(c.ip) || 'unknown'}`,
    `  Time:     ${isoTime(c.createdAt)} (expires in ${left} s)`,
    `  Request:  ${c.id}`,
  ].join('\n');
}

/** Reports, as a note, a device that failed while others were asked too. */
export function noteFailure(out: Output) {
  return (device: UnlockedDevice, err: AuthenticatorError) => out.note(`${device.account.email} at ${device.account.issuer}: ${err.message}`);
}

/**
 * Runs `fn`; a `device_unknown` about a single account gets the account's name and what to do,
 * since the bare API message cannot say which of several accounts was removed.
 */
export async function explainDeviceUnknown<T>(accounts: Account[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AuthenticatorError && err.code === 'device_unknown' && accounts.length === 1) {
      const a = accounts[0]!;
      throw new AuthenticatorError('device_unknown', `${a.email} at ${a.issuer} does not accept this device: it was removed in Account settings (forget it here with "gatehouse authenticator remove --account ${a.deviceId}")`, err.status);
    }
    throw err;
  }
}
