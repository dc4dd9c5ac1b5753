import { BlockList, isIP } from 'node:net';

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

/** The trusted networks as a matcher; an address that cannot be parsed is never inside. */
export function networkMatcher(cidrs: readonly string[]): (ip: string | undefined) => boolean {
  const list = new BlockList();
  for (const c of cidrs) {
    const n = parseCidr(c);
    if (n) list.addSubnet(n.address, n.prefix, n.family);
  }
  return (ip) => {
    const v = ip ? isIP(ip.replace(/^::ffff:(?=\d+\.)/, '')) : 0;
    if (!ip || !v) return false;
    const plain = ip.replace(/^::ffff:(?=\d+\.)/, '');
    return list.check(plain, v === 4 ? 'ipv4' : 'ipv6');
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
