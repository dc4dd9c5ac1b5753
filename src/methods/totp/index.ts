import QRCode from 'qrcode';
import type { SecondFactorMethod, Verification } from '../types.ts';
import { activateMethod, advanceCounter, insertPendingMethod, methodSecret, findMethod, type MethodRecord } from '../records.ts';
import { isSkewedCode, isWellFormedCode, matchingStep, newTotpSeed, normaliseCode, totpFor } from './codes.ts';

const sealContext = (methodId: string) => `mfa_methods:${methodId}:totp`;
/** Issuer shown in authenticator apps. @default "Gatehouse" (GATEHOUSE_TOTP_ISSUER) */
const issuerName = () => process.env.GATEHOUSE_TOTP_ISSUER || 'Gatehouse';

/** Authenticator-app codes (TOTP, RFC 6238) — amr `otp`. */
export const totpMethod: SecondFactorMethod = {
  type: 'totp',
  labelKey: 'method.totp',
  phishingResistant: false,

  async startEnrollment({ deps }, user, name) {
    const seed = newTotpSeed();
    // The row id is needed for the seal's context, so the row is created first and sealed after.
    const methodId = await insertPendingMethod(deps.db, deps.clock, deps.random, { userId: user.id, type: 'totp', name });
    await deps.db.updateTable('mfa_methods').set({ secret: deps.box.seal(seed, sealContext(methodId)) }).where('id', '=', methodId).execute();
    const uri = totpFor(seed, issuerName(), user.email).toString();
    return {
      methodId,
      // The seed is shown once, on this page, for scanning or typing; it is never shown again.
      display: { uri, qr: await QRCode.toDataURL(uri, { margin: 1, width: 220 }), manualKey: seed.replace(/(.{4})/g, '$1 ').trim() },
      state: {},
    };
  },

  async confirmEnrollment({ deps }, user, methodId, input) {
    const method = await findMethod(deps.db, user.id, methodId);
    if (!method || method.status !== 'pending' || method.type !== 'totp') return { ok: false, reason: 'invalid' };
    const result = await check(deps, user.email, method, input);
    if (!result.ok) return result;
    const activated = await activateMethod(deps.db, deps.clock, user.id, methodId, { counter: result.step });
    return activated ? { ok: true, method: { ...method, status: 'active' }, amr: ['otp'], phishingResistant: false } : { ok: false, reason: 'invalid' };
  },

  async startChallenge() {
    return { display: {}, state: {} };
  },

  async verify({ deps }, user, methods, input): Promise<Verification> {
    const candidates = methods.filter((m) => m.type === 'totp' && m.status === 'active');
    if (!isWellFormedCode(normaliseCode(input))) return { ok: false, reason: 'malformed' };
    for (const method of candidates) {
      const result = await check(deps, user.email, method, input);
      if (!result.ok) {
        if (result.reason === 'replayed' || result.reason === 'clock_skew') return { ok: false, reason: result.reason, method };
        continue;
      }
      // RFC 6238 §5.2: a code is accepted once. The step only moves forward, atomically.
      if (!(await advanceCounter(deps.db, deps.clock, method.id, result.step))) return { ok: false, reason: 'replayed', method };
      return { ok: true, method, amr: ['otp'], phishingResistant: false };
    }
    return { ok: false, reason: 'invalid' };
  },
};

async function check(
  deps: Parameters<SecondFactorMethod['verify']>[0]['deps'],
  email: string,
  method: MethodRecord,
  input: unknown,
): Promise<{ ok: true; step: number } | { ok: false; reason: 'invalid' | 'malformed' | 'replayed' | 'clock_skew' }> {
  const code = normaliseCode(input);
  if (!isWellFormedCode(code)) return { ok: false, reason: 'malformed' };
  const sealed = await methodSecret(deps.db, method.id);
  if (!sealed) return { ok: false, reason: 'invalid' };
  const seed = deps.box.openString(sealed, sealContext(method.id));
  const totp = totpFor(seed, issuerName(), email);
  const step = matchingStep(totp, code, deps.clock.now());
  if (step === undefined) return { ok: false, reason: isSkewedCode(totp, code, deps.clock.now()) ? 'clock_skew' : 'invalid' };
  if (step <= method.counter) return { ok: false, reason: 'replayed' };
  return { ok: true, step };
}
