import type { FastifyInstance } from 'fastify';
import { ACR, type AccessTokenClaims } from '../../packages/sdk/src/index.ts';
import { gatehouseFastify } from '../../packages/sdk/src/fastify.ts';
import type { DemoApi } from './catalog.ts';

/** What the API answers when it accepts the action: how Gatehouse confirmed the person, from the access token. */
export interface BankDetailsAnswer {
  acr: string;
  amr: string[];
  authTime: number | undefined;
}

/**
 * Payroll's own small API, on the app's server, written as an application owner would with
 * @gatehouse/sdk: it accepts "change bank details" only with an access token from a two-factor
 * sign-in of the last `maxAge` seconds, and otherwise answers the RFC 9470 challenge that the app
 * turns into a step-up. A demo: nothing is changed.
 */
export async function registerBankDetailsApi(http: FastifyInstance, issuer: string, api: DemoApi): Promise<void> {
  await http.register(gatehouseFastify, { issuer, audience: api.resource });
  http.post(api.path, { preHandler: http.gatehouse({ acr: ACR.multiFactor, maxAge: api.maxAge }) }, async (request) => answer(request.auth!.claims));
}

function answer(claims: AccessTokenClaims): BankDetailsAnswer {
  return { acr: claims.acr ?? '', amr: claims.amr ?? [], authTime: claims.auth_time };
}
