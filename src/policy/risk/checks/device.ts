import type { RiskCheck } from '../types.ts';

/** Weights of the device check: a browser this person signed in on before lowers the risk a little, a new one raises it. */
export const NEW_DEVICE_WEIGHT = 30;
export const KNOWN_DEVICE_WEIGHT = -10;

/**
 * Device known to this person: the browser showed a valid device cookie for them
 * (src/security/device-cookie.ts, issued after a right password). Reads nothing.
 */
export const deviceCheck: RiskCheck = async (ctx) =>
  ctx.deviceKnown
    ? { check: 'device', reason: 'known_device', weight: KNOWN_DEVICE_WEIGHT }
    : { check: 'device', reason: 'new_device', weight: NEW_DEVICE_WEIGHT };
