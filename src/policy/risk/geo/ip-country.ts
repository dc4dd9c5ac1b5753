import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { ipv4ToNumber, ipv6Groups, ipv6Number } from './ip-number.ts';

/**
 * Offline IP-to-country lookups from `@ip-location-db/geo-whois-asn-country` (package licence
 * CC0-1.0; its data derives from RIR/NRO statistics, CC BY 4.0, attribution to nro.net — see README
 * "GeoIP"). The package ships CSV files of numeric ranges (`start,end,CC`), IPv4 and IPv6.
 *
 * The ranges are read once, on the first lookup or at {@link loadIpCountries}, into sorted typed
 * arrays; a lookup is then a binary search in memory (~20 steps), never a file read. The files
 * nest ranges (a broad allocation, then a more specific one inside it, listed after it with the
 * same or a later start): the most specific range wins, so the load flattens them into disjoint
 * segments with a stack before searching.
 */
const PACKAGE = '@ip-location-db/geo-whois-asn-country';

interface V4Table {
  starts: Uint32Array;
  ends: Uint32Array;
  codes: Uint16Array;
}
interface V6Table {
  /** The high and low 64 bits of each segment's first and last address. */
  startHi: BigUint64Array;
  startLo: BigUint64Array;
  endHi: BigUint64Array;
  endLo: BigUint64Array;
  codes: Uint16Array;
}

let v4: V4Table | undefined;
let v6: V6Table | undefined;

/**
 * Special-purpose blocks (RFC 6890 and successors) name no country, whatever the registries' files
 * say: the data maps the IPv6 documentation prefix 2001:db8::/32 to JP, for example.
 */
// Kept as numbers (made once, below) and compared with the address's own numbers: no BlockList, which
// builds a SocketAddress per check.
const SPECIAL_V4 = ([
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const).map(([net, prefix]) => ({ first: ipv4ToNumber(net), last: ipv4ToNumber(net) + 2 ** (32 - prefix) - 1 }));
const SPECIAL_V6 = ([
  ['::', 127], ['64:ff9b::', 96], ['100::', 64], ['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const).map(([net, prefix]) => {
  const [hi, lo] = ipv6Number(ipv6Groups(net));
  return { hi, lo, prefix };
});

/** Whether an IPv4 address (as a number) is in a special-purpose block. */
const specialV4 = (n: number): boolean => SPECIAL_V4.some((b) => n >= b.first && n <= b.last);

/** Whether an IPv6 address (its high and low 64 bits) is in a special-purpose block. */
function specialV6(hi: bigint, lo: bigint): boolean {
  return SPECIAL_V6.some((b) => {
    if (b.prefix <= 64) {
      const shift = BigInt(64 - b.prefix);
      return hi >> shift === b.hi >> shift;
    }
    const shift = BigInt(128 - b.prefix);
    return hi === b.hi && lo >> shift === b.lo >> shift;
  });
}

/** Two ASCII letters packed in 16 bits, and back. */
const pack = (cc: string) => (cc.charCodeAt(0) << 8) | cc.charCodeAt(1);
const unpack = (n: number) => String.fromCharCode(n >> 8, n & 0xff);

function csv(file: string): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve(`${PACKAGE}/${file}`), 'latin1');
}

/**
 * Flattens nested ranges (sorted by start, a parent before the ranges inside it) into disjoint
 * segments where the innermost range wins, merging neighbours of one country. `next` is n + 1.
 */
function flatten<N extends number | bigint>(rows: Array<[N, N, number]>, next: (n: N) => N, prev: (n: N) => N): Array<[N, N, number]> {
  const out: Array<[N, N, number]> = [];
  const stack: Array<[N, N, number]> = [];
  let cursor: N | undefined;
  // Emits [cursor, x - 1] for the range on top of the stack, then moves the cursor to x.
  const emitUpTo = (x: N) => {
    const top = stack[stack.length - 1];
    if (top && cursor !== undefined && cursor < x) {
      const last = out[out.length - 1];
      if (last && last[2] === top[2] && next(last[1]) === cursor) last[1] = prev(x);
      else out.push([cursor, prev(x), top[2]]);
    }
    if (cursor === undefined || cursor < x) cursor = x;
  };
  for (const row of rows) {
    for (let top = stack[stack.length - 1]; top && top[1] < row[0]; top = stack[stack.length - 1]) {
      emitUpTo(next(top[1]));
      stack.pop();
    }
    emitUpTo(row[0]);
    stack.push(row);
  }
  for (let top = stack[stack.length - 1]; top; top = stack[stack.length - 1]) {
    emitUpTo(next(top[1]));
    stack.pop();
  }
  return out;
}

function loadV4(): V4Table {
  const rows: Array<[number, number, number]> = [];
  for (const line of csv('geo-whois-asn-country-ipv4-num.csv').split('\n')) {
    const a = line.indexOf(',');
    const b = line.indexOf(',', a + 1);
    if (a < 0 || b < 0) continue;
    rows.push([Number(line.slice(0, a)), Number(line.slice(a + 1, b)), pack(line.slice(b + 1, b + 3))]);
  }
  const flat = flatten(rows, (n) => n + 1, (n) => n - 1);
  const t: V4Table = { starts: new Uint32Array(flat.length), ends: new Uint32Array(flat.length), codes: new Uint16Array(flat.length) };
  flat.forEach(([s, e, c], i) => {
    t.starts[i] = s;
    t.ends[i] = e;
    t.codes[i] = c;
  });
  return t;
}

const MASK64 = (1n << 64n) - 1n;

function loadV6(): V6Table {
  const rows: Array<[bigint, bigint, number]> = [];
  for (const line of csv('geo-whois-asn-country-ipv6-num.csv').split('\n')) {
    const a = line.indexOf(',');
    const b = line.indexOf(',', a + 1);
    if (a < 0 || b < 0) continue;
    rows.push([BigInt(line.slice(0, a)), BigInt(line.slice(a + 1, b)), pack(line.slice(b + 1, b + 3))]);
  }
  const flat = flatten(rows, (n) => n + 1n, (n) => n - 1n);
  const n = flat.length;
  const t: V6Table = {
    startHi: new BigUint64Array(n), startLo: new BigUint64Array(n),
    endHi: new BigUint64Array(n), endLo: new BigUint64Array(n),
    codes: new Uint16Array(n),
  };
  flat.forEach(([s, e, c], i) => {
    t.startHi[i] = s >> 64n;
    t.startLo[i] = s & MASK64;
    t.endHi[i] = e >> 64n;
    t.endLo[i] = e & MASK64;
    t.codes[i] = c;
  });
  return t;
}

/**
 * Reads the ranges into memory now (≈0.5–1 s, ~12 MB), so that no sign-in pays for it: the
 * server calls it at start. Lookups load them on first use otherwise. Idempotent.
 */
export function loadIpCountries(): void {
  v4 ??= loadV4();
  v6 ??= loadV6();
}

function lookupV4(n: number): string | undefined {
  v4 ??= loadV4();
  const { starts, ends, codes } = v4;
  let lo = 0;
  let hi = starts.length - 1;
  // The last segment starting at or before n.
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= n) lo = mid;
    else hi = mid - 1;
  }
  return starts[lo]! <= n && n <= ends[lo]! ? unpack(codes[lo]!) : undefined;
}

function lookupV6(aHi: bigint, aLo: bigint): string | undefined {
  v6 ??= loadV6();
  const { startHi, startLo, endHi, endLo, codes } = v6;
  let lo = 0;
  let hi = startHi.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    const sh = startHi[mid]!;
    if (sh < aHi || (sh === aHi && startLo[mid]! <= aLo)) lo = mid;
    else hi = mid - 1;
  }
  const startsBefore = startHi[lo]! < aHi || (startHi[lo] === aHi && startLo[lo]! <= aLo);
  const endsAfter = endHi[lo]! > aHi || (endHi[lo] === aHi && endLo[lo]! >= aLo);
  return startsBefore && endsAfter ? unpack(codes[lo]!) : undefined;
}

/**
 * The ISO 3166-1 alpha-2 country of a public address (`US`, `JP`), or undefined for an address that
 * is not an IP address, is private, reserved or not in the data. IPv4-mapped IPv6 (`::ffff:1.2.3.4`)
 * is looked up as IPv4.
 * @example countryOf('8.8.8.8') // 'US'
 */
export function countryOf(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const bare = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  const version = isIP(bare);
  if (version === 4) {
    const n = ipv4ToNumber(bare);
    return specialV4(n) ? undefined : lookupV4(n);
  }
  if (version !== 6) return undefined;
  // An IPv6 form with an embedded IPv4 address other than ::ffff:a.b.c.d (NAT64, say) names no country.
  if (bare.includes('.')) return undefined;
  const g = ipv6Groups(bare.toLowerCase());
  if (g.length !== 8) return undefined;
  const [hi, lo] = ipv6Number(g);
  return specialV6(hi, lo) ? undefined : lookupV6(hi, lo);
}
