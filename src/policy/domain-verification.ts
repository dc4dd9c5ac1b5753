import { Resolver } from 'node:dns/promises';

/** Where the TXT record proving control of `domain` is looked up. */
export const verificationName = (domain: string) => `_gatehouse-challenge.${domain}`;

export type DnsCheck = { ok: true } | { ok: false; reason: 'not_found' | 'mismatch' | 'dns_error'; detail?: string };

/**
 * A resolver for domain verification: the system's, or the servers configured in
 * GATEHOUSE_DNS_SERVERS (`host[:port]`, comma-separated) — tests point it at a DNS server of their own.
 */
export function dnsResolver(servers: readonly string[]): Resolver {
  const r = new Resolver({ timeout: 3000, tries: 2 });
  if (servers.length) r.setServers([...servers]);
  return r;
}

/**
 * Looks for the claim's token among the TXT records at `_gatehouse-challenge.<domain>`. A record
 * split into several strings counts as their concatenation (RFC 7208 §3.3 does the same for SPF).
 */
export async function checkDomainTxt(resolver: Resolver, domain: string, token: string): Promise<DnsCheck> {
  let records: string[][];
  try {
    records = await resolver.resolveTxt(verificationName(domain));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { ok: false, reason: 'not_found' };
    return { ok: false, reason: 'dns_error', detail: code };
  }
  return records.some((chunks) => chunks.join('') === token) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
