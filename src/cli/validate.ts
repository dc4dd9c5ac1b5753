import { CliError } from './command.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An app's redirect, post-logout or back-channel URI: absolute http(s) without a fragment
 * (OAuth 2.0 §3.1.2, OIDC Back-Channel Logout §2.2). In production only loopback may use plain
 * http — the same rule the issuer follows — because codes and logout tokens travel on it.
 */
export function checkAppUri(raw: string, flag: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError('invalid_value', `${flag} must be an absolute URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CliError('invalid_value', `${flag} must be an http or https URL, got "${raw}"`);
  }
  if (raw.includes('#')) throw new CliError('invalid_value', `${flag} must not contain a fragment (#…), got "${raw}"`);
  if (production && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new CliError('invalid_value', `${flag} must use https in production (plain http only for localhost), got "${raw}"`);
  }
  // Stored as given: oidc-provider compares redirect_uri byte for byte, so normalising would break the app's requests.
  return raw;
}

/** An API's resource indicator: an absolute URI without a fragment (RFC 8707 §2). */
export function checkResourceIdentifier(raw: string): string {
  let ok = false;
  try {
    new URL(raw);
    ok = !raw.includes('#');
  } catch {
    ok = false;
  }
  if (!ok) throw new CliError('invalid_value', `--identifier must be an absolute URI without a fragment (RFC 8707), got "${raw}"`);
  return raw;
}

/** A whole number within bounds, for options such as `--ttl`. */
export function checkInteger(raw: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new CliError('invalid_value', `${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** One of a fixed set of values. */
export function checkChoice<T extends string>(raw: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) {
    throw new CliError('invalid_value', `${flag} must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}
