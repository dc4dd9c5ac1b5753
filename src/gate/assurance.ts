import { ACR } from '../oidc/acr.ts';

/**
 * What a sign-in proves, from the RFC 8176 `amr` values of its steps. `recovery` is Gatehouse's
 * own value for a recovery code (RFC 8176 has none; see docs/decisions/0003-amr-and-acr.md).
 */
const KIND: Record<string, 'knowledge' | 'possession' | 'inherence'> = {
  pwd: 'knowledge',
  otp: 'possession',
  hwk: 'possession',
  swk: 'possession',
  recovery: 'possession',
  // WebAuthn user verification: a PIN or a biometric checked by the authenticator itself.
  user: 'inherence',
};

const PHISHING_RESISTANT = new Set(['hwk']);

export interface Assurance {
  amr: string[];
  acr: string;
}

/** `mfa` is added when two distinct kinds of factor were used; the ACR follows (DESIGN.md). */
export function assuranceOf(amrValues: readonly string[]): Assurance {
  const amr = [...new Set(amrValues.filter((v) => v !== 'mfa'))];
  const kinds = new Set(amr.map((v) => KIND[v]).filter(Boolean));
  const multi = kinds.size >= 2;
  if (multi) amr.push('mfa');
  const acr = !multi ? ACR.singleFactor : amr.some((v) => PHISHING_RESISTANT.has(v)) ? ACR.phishingResistant : ACR.multiFactor;
  return { amr, acr };
}
