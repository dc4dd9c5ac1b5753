import type { JWTPayload } from 'jose';

/**
 * The verified claims of a Gatehouse access token for an API (RFC 9068 JWT), with how the person
 * signed in (RFC 9470 §2): `acr`, `amr`, `auth_time`. A client-credentials token has no person:
 * its `sub` is the client and it carries none of the three.
 */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  /** Space-separated scopes granted for this API. */
  scope?: string;
  /** How strong the sign-in was: one of {@link ACR}. */
  acr?: string;
  /** RFC 8176 methods used, e.g. `["pwd", "otp", "mfa"]`. */
  amr?: string[];
  /** When the person last authenticated, seconds since the epoch. */
  auth_time?: number;
}
