import type { Deps } from '../context.ts';
import type { CeremonyContext } from '../methods/types.ts';
import { notify } from '../flows/notify.ts';

/** The WebAuthn relying party is the issuer: its origin, and its host name as RP ID. */
export function ceremonyContext(deps: Deps): CeremonyContext {
  const issuer = new URL(deps.config.issuer);
  return { deps, origin: issuer.origin, rpId: issuer.hostname, notifyFraud: (user, device) => notify(deps, user, 'push_fraud_reported', { name: device.name, type: 'push' }) };
}
