import { Secret, TOTP } from 'otpauth';

/** What Google and Microsoft Authenticator use: SHA-1, 6 digits, 30-second steps (RFC 6238). */
export const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Accepted clock drift, in steps either side of the server's time. */
export const TOTP_WINDOW = 1;

export function newTotpSeed(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpFor(seedBase32: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, ...TOTP_PARAMS, secret: Secret.fromBase32(seedBase32) });
}

/** A well-formed code: exactly six ASCII digits (no spaces, no other scripts' digits). */
export function isWellFormedCode(input: unknown): input is string {
  return typeof input === 'string' && /^[0-9]{6}$/.test(input);
}

/** Strips the spaces people type ("123 456"); anything else stays and fails the format check. */
export function normaliseCode(input: unknown): unknown {
  return typeof input === 'string' ? input.replace(/[\s-]/g, '') : input;
}

/**
 * The time step a code belongs to, if it is valid within ±{@link TOTP_WINDOW} of the server's
 * time; undefined otherwise. The caller then refuses that step and every earlier one.
 */
export function matchingStep(totp: TOTP, code: string, nowMs: number): number | undefined {
  const delta = totp.validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  if (delta === null) return undefined;
  return Math.floor(nowMs / 1000 / TOTP_PARAMS.period) + delta;
}

/**
 * How far a phone's clock may be off before a code is read as a clock problem rather than a typo:
 * a code that would be valid within ±20 steps (10 minutes) but not ±{@link TOTP_WINDOW} is refused
 * all the same, with a hint to set the phone's time automatically.
 */
export const TOTP_SKEW_HINT_WINDOW = 20;

/** Whether a code refused at the server's time would be valid with the phone's clock a few minutes off. */
export function isSkewedCode(totp: TOTP, code: string, nowMs: number): boolean {
  return totp.validate({ token: code, timestamp: nowMs, window: TOTP_SKEW_HINT_WINDOW }) !== null;
}
