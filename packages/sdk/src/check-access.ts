import type { AccessTokenClaims } from './claims.ts';
import { bearerToken } from './bearer.ts';
import { AccessRefused } from './refusal.ts';
import { shortfall, type AuthenticationRequirement } from './requirement.ts';
import { DEFAULT_CLOCK_TOLERANCE, verifyAccessToken, type VerifyOptions } from './verify.ts';

/** The outcome of {@link checkAccess}: the verified claims, or what to answer instead. */
export type AccessCheck =
  | { ok: true; claims: AccessTokenClaims; token: string }
  | {
      ok: false;
      /** 401, or 400 for a malformed Authorization header. */
      status: 400 | 401;
      /** Headers to send: `WWW-Authenticate`. */
      headers: { 'WWW-Authenticate': string };
      /** A JSON body `{ error, error_description }`, absent when no token was sent. */
      body?: { error: string; error_description: string };
      refusal: AccessRefused;
    };

/**
 * Everything an API route needs, for any framework: reads the Bearer token from the
 * `Authorization` header, verifies it ({@link verifyAccessToken}) and compares the sign-in it
 * describes with the route's requirement. A sign-in that is too weak or too old gets the RFC 9470
 * challenge, with the whole requirement in it (`acr_values` and `max_age`), so that one new
 * sign-in meets all of it.
 *
 * @throws Error only when Gatehouse's keys cannot be fetched (an outage: answer 5xx).
 *
 * @example
 * const result = await checkAccess(req.headers.authorization, bankDetails, api);
 * if (!result.ok) return send(result.status, result.headers, result.body);
 */
export async function checkAccess(
  authorization: string | string[] | null | undefined,
  requirement: AuthenticationRequirement,
  options: VerifyOptions,
): Promise<AccessCheck> {
  try {
    const token = bearerToken(authorization);
    const claims = await verifyAccessToken(token, options);
    enforce(claims, requirement, options);
    return { ok: true, claims, token };
  } catch (err) {
    if (!(err instanceof AccessRefused)) throw err;
    return { ok: false, status: err.status, headers: { 'WWW-Authenticate': err.challenge }, ...(err.body && { body: err.body }), refusal: err };
  }
}

/** Throws the RFC 9470 refusal when the token's sign-in does not meet the requirement. */
export function enforce(claims: AccessTokenClaims, requirement: AuthenticationRequirement, options: Pick<VerifyOptions, 'now' | 'clockTolerance'> = {}): void {
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const missing = shortfall(claims, requirement, nowSeconds, options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE);
  if (missing.length === 0) return;
  const description = missing.includes('acr') ? 'A stronger sign-in is required' : 'A more recent sign-in is required';
  throw new AccessRefused('insufficient_user_authentication', description, { acr_values: requirement.acr, max_age: requirement.maxAge });
}
