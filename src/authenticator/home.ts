import { mkdirSync, statSync, writeFileSync, renameSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AuthenticatorError } from './errors.ts';

/**
 * The terminal authenticator's state directory: `accounts.json` (public facts) and `keys/`
 * (one key file per device). Only its owner may enter it (0700), and every file in it is 0600,
 * because a key file is what proves "this is Ada's device".
 *
 * @default `$GATEHOUSE_AUTHENTICATOR_HOME`, else `~/.gatehouse-authenticator`
 */
export function homeDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(explicit || env.GATEHOUSE_AUTHENTICATOR_HOME || join(homedir(), '.gatehouse-authenticator'));
}

/**
 * Creates `dir` (and `dir/keys`) as 0700 when missing. An existing directory that others can
 * read or write is refused rather than fixed: `--home` may point at a folder we do not own the
 * purpose of, and silently changing its mode would be a surprise.
 */
export function ensureHome(dir: string): void {
  for (const d of [dir, join(dir, 'keys')]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    const mode = statSync(d).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new AuthenticatorError('insecure_home', `${d} can be read by other users (mode ${mode.toString(8)}); run "chmod 700 ${d}" or choose another --home`);
    }
  }
}

/**
 * Writes a file readable by its owner only (0600), atomically: a crash leaves the old file or
 * the new one, never half a key.
 */
export function writePrivateFile(path: string, data: string): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** A file's text, or `undefined` when it does not exist. */
export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}
