import { isIP } from 'node:net';
import { ipv4ToNumber, ipv6ToBigInt } from './risk/geo/ip-number.ts';

/** The method types a company policy can allow (the `type` of `mfa_methods`). */
export const POLICY_METHODS = ['push', 'totp', 'webauthn'] as const;
export type PolicyMethod = (typeof POLICY_METHODS)[number];

/**
 * An organization's company policy. It applies to every person whose email is on one of the
 * organization's verified domains (src/policy/company-of.ts), never through an unverified claim.
 */
export interface CompanyPolicy {
  /** 2FA for the organization's people. */
  secondFactor: 'off' | 'required';
  /** Until this instant (ms) "Remind me later" is offered; after it, enrollment is mandatory. */
  graceUntil: number | null;
  /** Methods people may use and enroll; a person whose only methods are not allowed is not compliant. */
  allowedMethods: PolicyMethod[];
  /** Addresses inside these networks (CIDR) count as the company's own, for the adaptive checks. */
  trustedNetworks: string[];
  /** How long "Remember this device" lasts; 0 turns it off. */
  rememberDeviceDays: number;
  /** Mail the person when they sign in from a device not seen before. */
  newDeviceEmail: boolean;
}

export const DEFAULT_COMPANY_POLICY: CompanyPolicy = {
  secondFactor: 'off',
  graceUntil: null,
  allowedMethods: [...POLICY_METHODS],
  trustedNetworks: [],
  rememberDeviceDays: 30,
  newDeviceEmail: false,
};

export class PolicyError extends Error {
  override name = 'PolicyError';
  constructor(
    readonly field: keyof CompanyPolicy,
    message: string,
  ) {
    super(message);
  }
}

/** A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) in canonical text, or undefined. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const version = isIP(m[1]!);
  const prefix = Number(m[2]);
  if (!version || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { address: m[1]!.toLowerCase(), prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The trusted networks as a matcher; an address that cannot be parsed is never inside. The blocks are
 * kept as ranges of numbers (src/policy/risk/geo/ip-number.ts): the check runs on every Adaptive
 * sign-in, and numbers compare without building a SocketAddress per call as BlockList does.
 * An IPv4-mapped address (`::ffff:10.1.2.3`) is checked as IPv4, as BlockList checks it.
 */
export function networkMatcher(cidrs: readonly string[]): (ip: string | undefined) => boolean {
  const v4: Array<[number, number]> = [];
  const v6: Array<[bigint, bigint]> = [];
  for (const c of cidrs) {
    const n = parseCidr(c);
    if (n?.family === 'ipv4') {
      const size = 2 ** (32 - n.prefix);
      const first = Math.floor(ipv4ToNumber(n.address) / size) * size;
      v4.push([first, first + size - 1]);
    } else if (n) {
      const host = (1n << BigInt(128 - n.prefix)) - 1n;
      const first = ipv6ToBigInt(n.address) & ~host;
      v6.push([first, first | host]);
    }
  }
  const inV4 = (a: number) => v4.some(([first, last]) => a >= first && a <= last);
  const inV6 = (a: bigint) => v6.some(([first, last]) => a >= first && a <= last);
  return (ip) => {
    if (!ip) return false;
    const plain = ip.replace(/^::ffff:(?=\d+\.)/i, '');
    const v = isIP(plain);
    if (v === 4) {
      const a = ipv4ToNumber(plain);
      // A block written in its IPv4-mapped form (::ffff:10.0.0.0/104) holds the IPv4 addresses too.
      return inV4(a) || (v6.length > 0 && inV6(0xffff_0000_0000n | BigInt(a)));
    }
    if (v !== 6) return false;
    const a = ipv6ToBigInt(plain);
    return inV6(a) || (a >> 32n === 0xffffn && inV4(Number(a & 0xffff_ffffn)));
  };
}

/**
 * Reads a stored or submitted policy: every field checked, unknown fields refused, missing ones
 * taken from the defaults. Throws {@link PolicyError} naming the field.
 */
export function parseCompanyPolicy(input: unknown): CompanyPolicy {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new PolicyError('secondFactor', 'policy must be an object');
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!Object.hasOwn(DEFAULT_COMPANY_POLICY, k)) throw new PolicyError(k as keyof CompanyPolicy, `unknown policy field "${k}"`);
  }
  const p: CompanyPolicy = { ...DEFAULT_COMPANY_POLICY, ...(o as Partial<CompanyPolicy>) };
  if (p.secondFactor !== 'off' && p.secondFactor !== 'required') throw new PolicyError('secondFactor', 'secondFactor must be "off" or "required"');
  if (p.graceUntil !== null && !(Number.isSafeInteger(p.graceUntil) && p.graceUntil > 0)) throw new PolicyError('graceUntil', 'graceUntil must be a time in milliseconds or null');
  if (!Array.isArray(p.allowedMethods) || p.allowedMethods.length === 0 || !p.allowedMethods.every((m) => (POLICY_METHODS as readonly string[]).includes(m))) {
    throw new PolicyError('allowedMethods', `allowedMethods must be a non-empty list of ${POLICY_METHODS.join(', ')}`);
  }
  if (!Array.isArray(p.trustedNetworks) || p.trustedNetworks.length > 100 || !p.trustedNetworks.every((c) => typeof c === 'string' && parseCidr(c))) {
    throw new PolicyError('trustedNetworks', 'trustedNetworks must be a list of CIDR blocks such as 10.0.0.0/8');
  }
  if (!Number.isInteger(p.rememberDeviceDays) || p.rememberDeviceDays < 0 || p.rememberDeviceDays > 365) throw new PolicyError('rememberDeviceDays', 'rememberDeviceDays must be a whole number of days from 0 to 365');
  if (typeof p.newDeviceEmail !== 'boolean') throw new PolicyError('newDeviceEmail', 'newDeviceEmail must be true or false');
  return { ...p, allowedMethods: [...new Set(p.allowedMethods)], trustedNetworks: p.trustedNetworks.map((c) => c.trim()) };
}

/** Whether only phishing-resistant methods are allowed. */
export const phishingResistantOnly = (p: CompanyPolicy) => p.allowedMethods.every((m) => m === 'webauthn');

/** Whether enrollment may still be postponed at `now`. */
export const inGracePeriod = (p: CompanyPolicy, now: number) => p.graceUntil !== null && now < p.graceUntil;
