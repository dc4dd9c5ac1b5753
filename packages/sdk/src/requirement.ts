import { acrSatisfies, isAcrValue, type AcrValue } from './acr.ts';
import type { AccessTokenClaims } from './claims.ts';

/** What a route demands of the person's sign-in behind an access token (RFC 9470 §3). */
export interface AuthenticationRequirement {
  /** The weakest acceptable ACR; stronger ones satisfy it too (rank, not equality). */
  readonly acr?: AcrValue;
  /** How long ago, at most, the person may have authenticated (seconds since `auth_time`). */
  readonly maxAge?: number;
}

/**
 * A route's requirement, checked once when the route is declared: an unknown `acr` or a `maxAge`
 * that is not a whole number of seconds is a programming error and throws here, not per request.
 *
 * @example requireAuthentication({ acr: ACR.multiFactor, maxAge: 300 }) // "change bank details"
 * @example requireAuthentication() // any valid token for this API
 */
export function requireAuthentication(requirement: { acr?: AcrValue; maxAge?: number } = {}): AuthenticationRequirement {
  const { acr, maxAge } = requirement;
  if (acr !== undefined && !isAcrValue(acr)) throw new TypeError(`requireAuthentication: unknown acr ${JSON.stringify(acr)}; use a value of ACR`);
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0)) throw new TypeError('requireAuthentication: maxAge is a whole number of seconds, 0 or more');
  return Object.freeze({ ...(acr !== undefined && { acr }), ...(maxAge !== undefined && { maxAge }) });
}

/** Which parts of a requirement a token's sign-in does not meet; empty when it meets all. */
export type Shortfall = Array<'acr' | 'max_age'>;

/**
 * Compares the sign-in a token describes with a requirement. A token without `acr` (a machine
 * token from client credentials) meets no acr; one without `auth_time` meets no maxAge.
 * `clockTolerance` (seconds) absorbs skew between Gatehouse's clock and this API's.
 */
export function shortfall(claims: AccessTokenClaims, requirement: AuthenticationRequirement, nowSeconds: number, clockTolerance: number): Shortfall {
  const missing: Shortfall = [];
  if (requirement.acr !== undefined && !acrSatisfies(claims.acr, requirement.acr)) missing.push('acr');
  if (requirement.maxAge !== undefined) {
    const authTime = claims.auth_time;
    if (typeof authTime !== 'number' || nowSeconds - authTime > requirement.maxAge + clockTolerance) missing.push('max_age');
  }
  return missing;
}
