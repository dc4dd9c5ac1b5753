import type { AccessTokenClaims } from './claims.ts';

/** What the Express and Fastify guards attach to a request that passed: `req.auth`. */
export interface VerifiedAccess {
  claims: AccessTokenClaims;
  /** The access token itself, for calling other APIs on the person's behalf. */
  token: string;
}
