import type { RiskCheck } from '../types.ts';
import { browserKnown } from '../facts.ts';

/** Weights of the device check: a browser this person signed in on before lowers the risk a little, a new one raises it. */
export const NEW_DEVICE_WEIGHT = 30;
export const KNOWN_DEVICE_WEIGHT = -10;

/**
 * Device known to this person: the browser's device cookie (src/security/device-cookie.ts) names a
 * browser that completed a sign-in of theirs with a second factor (src/store/known-devices.ts) —
 * read with the other facts, in the same statement.
 */
export const deviceCheck: RiskCheck = (ctx, facts) =>
  browserKnown(ctx, facts)
    ? { check: 'device', reason: 'known_device', weight: KNOWN_DEVICE_WEIGHT }
    : { check: 'device', reason: 'new_device', weight: NEW_DEVICE_WEIGHT };
