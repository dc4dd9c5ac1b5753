import { cleanText } from '../security/untrusted-text.ts';

/**
 * The authorization request parameter in which an application says what a sign-in or step-up is
 * for, as a verb phrase that follows "to": `gatehouse_action=change bank details` makes the
 * second-factor page read "Payroll asks you to confirm it is you to change bank details".
 * Registered with oidc-provider (`extraParams`), so it is kept in the interaction's `params`.
 */
export const ACTION_PARAM = 'gatehouse_action';

/** Longest action text shown, in characters (code points); longer text is cut. @default 80 */
export const ACTION_MAX = 80;

/**
 * The action an application named, as one line of plain text shown as data (never HTML): cleaned
 * like every text a client chooses (no controls, no bidi overrides), bounded, and `undefined` when
 * absent or empty so the page falls back to its generic wording.
 *
 * @example stepUpAction({ gatehouse_action: 'change\nbank details' }) // 'change bank details'
 */
export function stepUpAction(params: Record<string, unknown>): string | undefined {
  return cleanText(params[ACTION_PARAM], ACTION_MAX) || undefined;
}
