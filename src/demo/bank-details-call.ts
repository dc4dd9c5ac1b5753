import { stepUpParams, type StepUpParams } from '../../packages/sdk/src/index.ts';
import type { BankDetailsAnswer } from './bank-details-api.ts';

/** How the API answered: the action was accepted, or the sign-in that would satisfy it. */
export type BankDetailsOutcome = { ok: true; confirmed: BankDetailsAnswer } | { ok: false; stepUp: StepUpParams | undefined };

/**
 * The app calling its API with the person's access token, as any client of a resource server does.
 * A 401 with an RFC 9470 challenge becomes the step-up parameters (@gatehouse/sdk `stepUpParams`),
 * with what the step-up is for; any other refusal (no token, an expired one) has none.
 */
export async function callBankDetails(url: string, accessToken: string | undefined, action: string): Promise<BankDetailsOutcome> {
  const res = await fetch(url, { method: 'POST', headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {}, signal: AbortSignal.timeout(10_000) });
  if (res.ok) return { ok: true, confirmed: (await res.json()) as BankDetailsAnswer };
  await res.body?.cancel();
  return { ok: false, stepUp: res.status === 401 ? stepUpParams(res.headers.get('www-authenticate'), { action }) : undefined };
}
