import type { MethodType, SecondFactorMethod } from './types.ts';
import { totpMethod } from './totp/index.ts';
import { webauthnMethod } from './webauthn/index.ts';
import { pushMethod } from './push/index.ts';

/**
 * Every 2FA method, by type. Flows dispatch on the method type chosen by the person (an explicit
 * field), never by asking each method whether an input is its own. A new method registers here.
 */
export const METHODS: Record<MethodType, SecondFactorMethod> = {
  totp: totpMethod,
  webauthn: webauthnMethod,
  push: pushMethod,
};

export function methodFor(type: unknown): SecondFactorMethod | undefined {
  return typeof type === 'string' && Object.hasOwn(METHODS, type) ? METHODS[type as MethodType] : undefined;
}
