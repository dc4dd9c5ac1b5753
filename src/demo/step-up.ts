/**
 * What a relying party needs to ask for a step-up, in the standard's words (OpenID Connect Core
 * §3.1.2.1 `acr_values`, PAPE policy URIs) plus Gatehouse's documented `gatehouse_action` parameter.
 * The demo apps stand in for someone else's code: they do not import Gatehouse's internals.
 */
export const ACR_MULTI_FACTOR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';
export const ACR_PHISHING_RESISTANT = 'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant';

/** Whether an ID token's `acr` says two factors were used (phishing-resistant is two factors as well). */
export function isMultiFactor(acr: string | undefined): boolean {
  return acr === ACR_MULTI_FACTOR || acr === ACR_PHISHING_RESISTANT;
}

/** The authorization request parameters of a step-up for `action` ("change bank details"). */
export function stepUpParams(action: string): Record<string, string> {
  return { acr_values: ACR_MULTI_FACTOR, gatehouse_action: action };
}
