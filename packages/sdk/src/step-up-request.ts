import { isAcrValue } from './acr.ts';
import { parseChallenges } from './parse-challenge.ts';

/**
 * A challenge parsed by any library: the SDK's own {@link parseChallenges}, or oauth4webapi's and
 * openid-client's `WWWAuthenticateChallenge` (lowercased scheme and parameter names).
 */
export interface ChallengeLike {
  readonly scheme: string;
  readonly parameters: { readonly error?: string; readonly acr_values?: string; readonly max_age?: string };
}

/** Gatehouse's authorization request parameter for what a step-up is for ("change bank details"); a copy of `src/oidc/step-up-action.ts`, checked by `test/sdk/acr-table.test.ts`. */
export const ACTION_PARAM = 'gatehouse_action';

/** The extra authorization request parameters that satisfy a step-up challenge. */
export interface StepUpParams {
  /** The ACR the API asked for (OpenID Connect Core §3.1.2.1). */
  acr_values?: string;
  /** How recent the sign-in must be, seconds (OpenID Connect Core §3.1.2.1). */
  max_age?: string;
  /** What the step-up is for, shown to the person on the challenge page and in the authenticator app. */
  gatehouse_action?: string;
  [param: string]: string | undefined;
}

/**
 * Turns an API's RFC 9470 challenge into the authorization request parameters that satisfy it
 * (RFC 9470 §4): `acr_values` and `max_age` copied from the challenge, and optionally Gatehouse's
 * `gatehouse_action` describing what the person is about to do. Spread them into the app's next
 * authorization request (openid-client's `buildAuthorizationUrl`, for example).
 *
 * No `prompt=login`: RFC 9470 §4 asks only for `acr_values` and `max_age`, and Gatehouse then asks
 * the person for what is missing (a fresh second factor), not for the password again.
 *
 * Accepts the `WWW-Authenticate` header value, or challenges already parsed by a client library
 * (oauth4webapi's and openid-client's `WWWAuthenticateChallenge` have this shape).
 * Returns `undefined` when there is no `insufficient_user_authentication` Bearer challenge: an
 * `invalid_token` calls for a new token, not for a step-up.
 *
 * @example
 * const res = await fetch(api, { headers: { authorization: `Bearer ${token}` } });
 * const stepUp = res.status === 401 && stepUpParams(res.headers.get('www-authenticate'), { action: 'change bank details' });
 * if (stepUp) return redirect(client.buildAuthorizationUrl(config, { ...usual, ...stepUp }));
 */
export function stepUpParams(challenge: string | null | undefined | readonly ChallengeLike[], opts: { action?: string } = {}): StepUpParams | undefined {
  const challenges = typeof challenge === 'string' ? parseChallenges(challenge) : (challenge ?? []);
  const bearer = challenges.find((c) => c.scheme.toLowerCase() === 'bearer' && c.parameters.error === 'insufficient_user_authentication');
  if (!bearer) return undefined;
  const params: StepUpParams = {};
  // Only what Gatehouse can act on is forwarded: an ACR it issues, a whole number of seconds.
  const acrs = (bearer.parameters.acr_values ?? '').split(' ').filter(isAcrValue);
  if (acrs.length > 0) params.acr_values = acrs.join(' ');
  const maxAge = bearer.parameters.max_age;
  if (maxAge !== undefined && /^\d{1,9}$/.test(maxAge)) params.max_age = String(Number(maxAge));
  const action = opts.action?.trim();
  if (action) params[ACTION_PARAM] = action;
  return params;
}
