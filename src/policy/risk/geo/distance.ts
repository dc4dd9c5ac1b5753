import { placeOf } from './centroids.ts';

const EARTH_RADIUS_KM = 6371;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in km between two points (haversine formula, spherical Earth). */
export function greatCircleKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The least distance a person must have travelled between two countries, km: the distance between
 * their points less both radii (./centroids.ts), never below 0. Undefined when either country is
 * not in the table. Neighbours and large countries' border regions come out at 0.
 */
export function leastTravelKm(from: string, to: string): number | undefined {
  if (from === to) return 0;
  const a = placeOf(from);
  const b = placeOf(to);
  if (!a || !b) return undefined;
  return Math.max(0, greatCircleKm(a, b) - a.radiusKm - b.radiusKm);
}
