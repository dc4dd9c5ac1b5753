import { leastTravelKm } from '../geo/distance.ts';
import { addressCountry } from '../facts.ts';
import type { RiskCheck } from '../types.ts';

export const IMPOSSIBLE_TRAVEL_WEIGHT = 70;
/** Faster than an airliner: nobody gets there in time. */
export const MAX_TRAVEL_KMH = 1000;
/** Two sign-ins closer in time than this count as this far apart, so a few seconds do not divide by nearly zero. */
const MIN_ELAPSED_MS = 60_000;

/**
 * Impossible travel since the last sign-in: the least distance between the last completed
 * sign-in's country and this address's country (country points less their radii, see
 * ../geo/centroids.ts) divided by the time between them is above {@link MAX_TRAVEL_KMH}.
 * Only countries are known, so this speaks only for far-apart countries, never for a trip between
 * neighbours; silent when either country is unknown.
 */
export const impossibleTravelCheck: RiskCheck = (ctx, facts) => {
  const to = addressCountry(ctx);
  if (!to) return null;
  const { last } = facts;
  if (!last?.country || last.country === to) return null;
  const km = leastTravelKm(last.country, to);
  if (!km) return null;
  const elapsedMs = Math.max(ctx.now - last.at, MIN_ELAPSED_MS);
  const kmh = km / (elapsedMs / 3600_000);
  if (kmh <= MAX_TRAVEL_KMH) return null;
  return {
    check: 'impossible_travel',
    reason: 'impossible_travel',
    weight: IMPOSSIBLE_TRAVEL_WEIGHT,
    detail: { from: last.country, to, km: Math.round(km), kmh: Math.round(kmh), minutes: Math.round((ctx.now - last.at) / 60_000) },
  };
};
