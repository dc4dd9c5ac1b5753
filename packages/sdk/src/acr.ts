/**
 * Gatehouse's ACR values (RFC 8176 `acr` in its tokens), weakest to strongest.
 *
 * A copy: the source of truth is Gatehouse's `src/oidc/acr.ts` (`ACR`, `ACR_ORDER`), which the SDK
 * must not import (it is server code). `test/sdk/acr-table.test.ts` fails when the two disagree.
 */
export const ACR = {
  /** Password only (or any single factor). */
  singleFactor: 'urn:gatehouse:acr:single-factor',
  /** Two distinct factors were used. */
  multiFactor: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
  /** Two factors, one of them a WebAuthn method (security key or passkey). */
  phishingResistant: 'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant',
} as const;

export type AcrValue = (typeof ACR)[keyof typeof ACR];

/** Weakest to strongest: a token satisfies a required acr when its own ranks at least as high. */
export const ACR_ORDER: readonly AcrValue[] = [ACR.singleFactor, ACR.multiFactor, ACR.phishingResistant];

/** Position in {@link ACR_ORDER}; -1 for a missing or unknown value (which satisfies nothing). */
export function acrRank(acr: unknown): number {
  return typeof acr === 'string' ? ACR_ORDER.indexOf(acr as AcrValue) : -1;
}

export function isAcrValue(acr: unknown): acr is AcrValue {
  return acrRank(acr) >= 0;
}

/**
 * Whether a token's `acr` meets a required one: by rank, not equality, so a phishing-resistant
 * sign-in satisfies a route that asks for multi-factor.
 */
export function acrSatisfies(actual: unknown, required: AcrValue): boolean {
  const have = acrRank(actual);
  return have >= 0 && have >= acrRank(required);
}
