import { domainToASCII } from 'node:url';

/**
 * The canonical form of an email domain an organization claims: IDNA ASCII, lower case, no
 * trailing dot, at least two labels, each a valid host label. Undefined when it is not one.
 */
export function canonicalDomain(input: string): string | undefined {
  const ascii = domainToASCII(input.trim().replace(/\.$/, '')).toLowerCase();
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2) return undefined;
  const ok = labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l));
  return ok && !/^\d+$/.test(labels.at(-1)!) ? ascii : undefined;
}

/** The domain of an email address as the store keeps it (addresses are stored lower-case). */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  return at > 0 ? canonicalDomain(email.slice(at + 1)) : undefined;
}
