/**
 * IP addresses as numbers, for range comparisons on the sign-in path (the GeoIP table, the special
 * blocks, a company's trusted networks): a comparison of numbers instead of `node:net`'s BlockList,
 * which builds a SocketAddress per check. Every function takes an address `isIP` has accepted.
 */

/** An IPv4 address as an unsigned 32-bit number. */
export function ipv4ToNumber(ip: string): number {
  const p = ip.split('.');
  return ((Number(p[0]) << 24) >>> 0) + (Number(p[1]) << 16) + (Number(p[2]) << 8) + Number(p[3]);
}

/** The eight 16-bit groups of an IPv6 address in hexadecimal groups only (no dotted IPv4 tail). */
export function ipv6Groups(ip: string): number[] {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':').map((g) => parseInt(g, 16)) : [];
  const t = tail ? tail.split(':').map((g) => parseInt(g, 16)) : [];
  return tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** The high and low 64 bits of an IPv6 address's eight groups. */
export function ipv6Number(g: readonly number[]): [bigint, bigint] {
  const hi = (BigInt(g[0]!) << 48n) | (BigInt(g[1]!) << 32n) | (BigInt(g[2]!) << 16n) | BigInt(g[3]!);
  const lo = (BigInt(g[4]!) << 48n) | (BigInt(g[5]!) << 32n) | (BigInt(g[6]!) << 16n) | BigInt(g[7]!);
  return [hi, lo];
}

/** An IPv6 address as one 128-bit number; a dotted IPv4 tail (`::ffff:10.1.2.3`) is its last 32 bits. */
export function ipv6ToBigInt(ip: string): bigint {
  let text = ip.toLowerCase();
  let low32: number | undefined;
  if (text.includes('.')) {
    const colon = text.lastIndexOf(':');
    low32 = ipv4ToNumber(text.slice(colon + 1));
    text = `${text.slice(0, colon + 1)}0:0`;
  }
  const [hi, lo] = ipv6Number(ipv6Groups(text));
  const n = (hi << 64n) | lo;
  return low32 === undefined ? n : (n & ~0xffffffffn) | BigInt(low32);
}
