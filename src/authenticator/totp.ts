import { Secret, TOTP } from 'otpauth';

/** The TOTP parameters the server gives once, at enrollment (docs/authenticator-api.md). */
export interface TotpParams {
  secret: string;
  algorithm: string;
  digits: number;
  period: number;
  issuer: string;
  label: string;
}

/** The current code and how many whole seconds it stays valid, from the local clock alone (no network). */
export function currentCode(p: TotpParams, now: number = Date.now()): { code: string; secondsLeft: number; period: number } {
  const totp = new TOTP({ issuer: p.issuer, label: p.label, algorithm: p.algorithm, digits: p.digits, period: p.period, secret: Secret.fromBase32(p.secret) });
  const periodMs = p.period * 1000;
  return { code: totp.generate({ timestamp: now }), secondsLeft: Math.ceil((periodMs - (now % periodMs)) / 1000), period: p.period };
}
