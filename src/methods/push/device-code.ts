import type { Deps } from '../../context.ts';
import type { Verification } from '../types.ts';
import { advanceCounter, type MethodRecord } from '../records.ts';
import { isSkewedCode, isWellFormedCode, matchingStep, normaliseCode, totpFor } from '../totp/codes.ts';
import { openDeviceSecret } from './secret.ts';

/**
 * "Didn't get a notification?": the 6-digit code the app shows from the device's own TOTP seed
 * (RFC 6238, amr `otp`). Each step is accepted once per device, like any TOTP code.
 */
export async function verifyDeviceCode(deps: Deps, email: string, devices: MethodRecord[], input: unknown): Promise<Verification> {
  const code = normaliseCode(input);
  if (!isWellFormedCode(code)) return { ok: false, reason: 'malformed' };
  const now = deps.clock.now();
  for (const device of devices.filter((m) => m.type === 'push' && m.status === 'active')) {
    const secret = await openDeviceSecret(deps, device.id);
    if (!secret) continue;
    const totp = totpFor(secret.seed, 'Gatehouse', email);
    const step = matchingStep(totp, code, now);
    if (step === undefined) {
      if (isSkewedCode(totp, code, now)) return { ok: false, reason: 'clock_skew', method: device };
      continue;
    }
    if (step <= device.counter || !(await advanceCounter(deps.db, deps.clock, device.id, step))) return { ok: false, reason: 'replayed', method: device };
    return { ok: true, method: device, amr: ['otp'], phishingResistant: false };
  }
  return { ok: false, reason: 'invalid' };
}
