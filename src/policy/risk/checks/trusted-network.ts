import { networkMatcher } from '../../company-policy.ts';
import type { RiskCheck } from '../types.ts';

/** Inside the organization's own networks: enough to outweigh one mild signal (a new device), never a strong one. */
export const TRUSTED_NETWORK_WEIGHT = -30;

// One matcher per list: the engine passes the company policy's (parsed, long-lived) array each time.
const matchers = new WeakMap<readonly string[], (ip: string | undefined) => boolean>();

/**
 * Address inside the organization's trusted networks (the company policy's CIDR list). An address
 * that cannot be parsed is never inside (src/policy/company-policy.ts `networkMatcher`). Reads nothing.
 */
export const trustedNetworkCheck: RiskCheck = (ctx) => {
  if (ctx.trustedNetworks.length === 0) return null;
  let inside = matchers.get(ctx.trustedNetworks);
  if (!inside) {
    inside = networkMatcher(ctx.trustedNetworks);
    matchers.set(ctx.trustedNetworks, inside);
  }
  return inside(ctx.ip) ? { check: 'trusted_network', reason: 'trusted_network', weight: TRUSTED_NETWORK_WEIGHT } : null;
};
