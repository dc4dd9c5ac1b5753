import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AccessTokenClaims } from './claims.ts';
import { AccessRefused } from './refusal.ts';
import { discoverJwksUri, remoteKeys } from './keys.ts';

/** How an API checks Gatehouse access tokens. */
export interface VerifyOptions {
  /** Gatehouse's issuer URL, exactly as its discovery document says (`GATEHOUSE_ISSUER`). */
  issuer: string;
  /** This API's resource identifier as registered in Gatehouse: apps ask with `resource=` and it becomes `aud`. */
  audience: string;
  /** Where Gatehouse publishes its keys. @default the `jwks_uri` of `${issuer}/.well-known/openid-configuration` */
  jwksUri?: string | URL;
  /** A key source of your own instead of the remote key set (jose `createLocalJWKSet`, for example). */
  keys?: JWTVerifyGetKey;
  /** Seconds of clock skew allowed between Gatehouse and this API, for `exp`, `nbf`, `iat` and `max_age`. @default 5 */
  clockTolerance?: number;
  /** The current time in milliseconds; pass a clock of your own in tests. @default Date.now */
  now?: () => number;
}

export const DEFAULT_CLOCK_TOLERANCE = 5;

/**
 * Verifies a Gatehouse access token as RFC 9068 §4 asks: an ES256 signature by one of Gatehouse's
 * keys, `typ: at+jwt`, the issuer, this API as audience, not expired; and returns its claims.
 *
 * @throws {AccessRefused} `invalid_token` for any token that fails a check.
 * @throws Error when Gatehouse's keys cannot be fetched: that is an outage, not a bad token, so it is
 *   not answered with `invalid_token` (which would make apps throw their tokens away).
 *
 * @example
 * const claims = await verifyAccessToken(token, { issuer: 'https://id.example.com', audience: 'https://payroll-api.example.com' });
 */
export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<AccessTokenClaims> {
  const keys = options.keys ?? remoteKeys(options.jwksUri ? new URL(options.jwksUri) : await discoverJwksUri(options.issuer));
  const now = options.now ?? Date.now;
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ['ES256'],
      typ: 'at+jwt',
      clockTolerance: options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE,
      currentDate: new Date(now()),
      requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id'],
    });
    if (!hasClaimTypes(payload)) throw new AccessRefused('invalid_token', 'The access token is not valid for this API');
    return payload;
  } catch (err) {
    if (err instanceof AccessRefused) throw err;
    if (err instanceof errors.JWTExpired) throw new AccessRefused('invalid_token', 'The access token expired');
    if (isTokenFault(err)) throw new AccessRefused('invalid_token', 'The access token is not valid for this API');
    throw err;
  }
}

// Faults of the token itself. Not here: JWKSTimeout and JWKSInvalid (Gatehouse unreachable or
// answering nonsense) and plain network errors, which are rethrown.
function isTokenFault(err: unknown): boolean {
  return (
    err instanceof errors.JWTClaimValidationFailed ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys ||
    err instanceof errors.JOSEAlgNotAllowed ||
    err instanceof errors.JOSENotSupported
  );
}

// jose checks that the required claims are present; their types are checked here, so a route
// never compares a number with an `acr` string or a string with the clock.
function hasClaimTypes(payload: Record<string, unknown>): payload is AccessTokenClaims {
  const optional = (name: string, type: 'string' | 'number') => payload[name] === undefined || typeof payload[name] === type;
  return (
    typeof payload.sub === 'string' &&
    typeof payload.client_id === 'string' &&
    typeof payload.jti === 'string' &&
    optional('acr', 'string') &&
    optional('auth_time', 'number') &&
    optional('scope', 'string') &&
    (payload.amr === undefined || (Array.isArray(payload.amr) && payload.amr.every((m) => typeof m === 'string')))
  );
}
