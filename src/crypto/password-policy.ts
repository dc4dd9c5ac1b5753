import { dictionary } from '@zxcvbn-ts/language-common';
import type { MessageKey } from '../i18n/index.ts';

export const PASSWORD_MIN = 8;
/** Passphrases are welcome (NIST SP 800-63B asks for at least 64; the issue for 128). */
export const PASSWORD_MAX = 256;

// ~50k leaked passwords from zxcvbn-ts' common list, compared case-insensitively.
const common = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

/** Whether a password is in the common-password list (the adaptive risk checks remember it, src/policy/risk/password-common.ts). */
export function isCommonPassword(password: string): boolean {
  return common.has(password.toLowerCase());
}

/** Returns the message key of the first rule the password breaks, or undefined when it is acceptable. */
export function checkPasswordPolicy(password: string, email?: string): MessageKey | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return 'password.too_short';
  if (length > PASSWORD_MAX) return 'password.too_long';
  if (isCommonPassword(password)) return 'password.common';
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) return 'password.same_as_email';
  return undefined;
}
