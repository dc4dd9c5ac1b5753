import { addressCountry } from '../facts.ts';
import type { RiskCheck } from '../types.ts';

export const NEW_COUNTRY_WEIGHT = 40;

/**
 * Country new for this person: the address's country (offline GeoIP) is none of the countries of
 * their latest completed sign-ins. Silent when the country is unknown (a private address, no data)
 * and on a person's first recorded sign-in: there is nothing to compare with, and "new device"
 * already speaks for a first sign-in.
 */
export const newCountryCheck: RiskCheck = (ctx, facts) => {
  const country = addressCountry(ctx);
  if (!country) return null;
  const seen = facts.countries;
  if (seen.size === 0 || seen.has(country)) return null;
  return { check: 'new_country', reason: 'new_country', weight: NEW_COUNTRY_WEIGHT, detail: { country } };
};
