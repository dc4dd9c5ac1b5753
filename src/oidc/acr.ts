/** ACR values advertised in discovery and returned in ID and access tokens (DESIGN.md). */
export const ACR = {
  /** Password only (or any single factor). Project-defined value. */
  singleFactor: 'urn:gatehouse:acr:single-factor',
  multiFactor: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
  phishingResistant: 'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant',
} as const;

export type AcrValue = (typeof ACR)[keyof typeof ACR];

/** Ordered weakest to strongest: a session satisfies a requested acr when its own ranks at least as high. */
export const ACR_ORDER: readonly AcrValue[] = [ACR.singleFactor, ACR.multiFactor, ACR.phishingResistant];

export function acrRank(acr: string | undefined): number {
  return acr ? ACR_ORDER.indexOf(acr as AcrValue) : -1;
}
