import { isIP } from 'node:net';

/**
 * The client's address: the connection's peer, or — only when that peer is one of the configured
 * proxies — the right-most address in X-Forwarded-For that is not a proxy itself. Anything that
 * cannot be parsed is undefined, which the risk checks treat as unknown (they fail closed: ask).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: readonly string[]): string | undefined {
  const plain = (a: string | undefined) => {
    const v = a?.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    return v && isIP(v) ? v : undefined;
  };
  let current = plain(peer);
  if (!current) return undefined;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')).split(',').filter((h) => h.trim());
  while (trustedProxies.includes(current) && hops.length) {
    const next = plain(hops.pop());
    if (!next) return undefined;
    current = next;
  }
  return current;
}
