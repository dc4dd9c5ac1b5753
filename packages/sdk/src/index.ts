// @gatehouse/sdk: APIs verify Gatehouse access tokens and ask for step-up (RFC 9470); web apps turn
// that challenge into the authorization request that satisfies it. Express and Fastify guards are
// in '@gatehouse/sdk/express' and '@gatehouse/sdk/fastify'.
export { ACR, ACR_ORDER, acrRank, acrSatisfies, isAcrValue, type AcrValue } from './acr.ts';
export type { AccessTokenClaims } from './claims.ts';
export type { VerifiedAccess } from './access.ts';
export { verifyAccessToken, type VerifyOptions } from './verify.ts';
export { requireAuthentication, type AuthenticationRequirement } from './requirement.ts';
export { checkAccess, enforce, type AccessCheck } from './check-access.ts';
export { AccessRefused, type RefusalCode } from './refusal.ts';
export { bearerChallenge, type BearerChallengeParams } from './challenge.ts';
export { parseChallenges, type ParsedChallenge } from './parse-challenge.ts';
export { stepUpParams, ACTION_PARAM, type StepUpParams, type ChallengeLike } from './step-up-request.ts';
