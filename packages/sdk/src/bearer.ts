import { AccessRefused } from './refusal.ts';

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token of an `Authorization: Bearer …` header. No header, or another scheme, is a missing
 * token (RFC 6750 §3.1: no error code); a Bearer header that is not one token is `invalid_request`.
 */
export function bearerToken(authorization: string | string[] | null | undefined): string {
  if (Array.isArray(authorization)) {
    if (authorization.length > 1) throw new AccessRefused('invalid_request', 'Send one Authorization header');
    authorization = authorization[0];
  }
  if (!authorization || !/^Bearer(\s|$)/i.test(authorization)) throw new AccessRefused('missing_token', 'An access token is required');
  const m = BEARER.exec(authorization);
  if (!m) throw new AccessRefused('invalid_request', 'The Authorization header must be "Bearer" and one access token');
  return m[1]!;
}
